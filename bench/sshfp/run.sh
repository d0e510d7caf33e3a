#!/usr/bin/env bash
# Bench: the sshfp role for 100 hosts, published in one run. One lab container
# (bookworm, --network none) is the zone's primary: BIND signing lab.test inline,
# exactly as in molecule/sshfp_dnssec. The 100 inventory hosts are this machine
# (connection local: each one sshfp_records execution with the machine's real
# sshd -T and key files, under its own name, without any transport cost);
# the publication is one sshfp_publish execution in the container (dnspython:
# the venv's pinned copy). Runs: first (100 names added), unchanged, check mode,
# and with a pending Ed25519 key in place of the served one's record (100 names
# replaced, stale records removed in the same update). Prints a table; asserts
# nothing. Run as root (the host keys are root's).
#   bash bench/sshfp/run.sh [HOSTS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
hosts=${1:-100}
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$root/.collections"
export ANSIBLE_STDOUT_CALLBACK=ansible.builtin.null
eval "$(lab/images.sh env | sed 's/^/export /')"
out="$root/bench/results/sshfp"; mkdir -p "$out"; chmod 700 "$out"
files="$root/molecule/sshfp_dnssec/files"
ctr=bench-sshfp-dns
dnspython=$(python -c 'import dns, os; print(os.path.dirname(dns.__file__))')

podman rm -f --time 0 --ignore "$ctr" >/dev/null
podman run -d --name "$ctr" --network none --systemd=always \
  -v "$dnspython:/usr/local/lib/python3.11/dist-packages/dns:ro" \
  "$SSHSUITE_IMAGE_BOOKWORM" /lib/systemd/systemd >/dev/null
trap 'podman rm -f --time 0 --ignore "$ctr" >/dev/null' EXIT
podman exec "$ctr" sh -c 'for i in $(seq 1 120); do systemctl is-active -q ssh && exit 0; sleep 0.5; done; exit 1'
podman exec "$ctr" mkdir -p /etc/bind/lab /var/lib/bind/keys
podman exec "$ctr" chown bind:bind /var/lib/bind/keys
podman cp "$files/named.conf" "$ctr:/etc/bind/lab/named.conf"
podman cp "$files/lab.test.db" "$ctr:/var/lib/bind/lab.test.db"
podman cp "$files/sshfp-lab-named.service" "$ctr:/etc/systemd/system/sshfp-lab-named.service"
podman exec "$ctr" sh -c 'chown bind:bind /var/lib/bind/lab.test.db &&
  tsig-keygen -a hmac-sha256 lab-update >/etc/bind/lab/lab-update.key && chgrp bind /etc/bind/lab/lab-update.key &&
  chmod 640 /etc/bind/lab/lab-update.key && systemctl daemon-reload && systemctl start sshfp-lab-named &&
  for i in $(seq 1 100); do dig +short +norec @127.0.0.1 lab.test DNSKEY | grep -q "^257 " && exit 0; sleep 0.2; done; exit 1'
secret=$(podman exec "$ctr" sed -n 's/.*secret "\(.*\)";/\1/p' /etc/bind/lab/lab-update.key)
(umask 077; printf 'sshfp_tsig_secret: "%s"\n' "$secret" >"$out/tsig.yml")

inventory="$out/inventory.yml"
{
  echo "bench:"
  echo "  vars: {ansible_connection: local, ansible_python_interpreter: $root/.venv/bin/python}"
  echo "  hosts:"
  for i in $(seq -w 1 "$hosts"); do echo "    bench-sshfp-h$i: {sshfp_name: h$i}"; done
  echo "primary:"
  echo "  hosts:"
  echo "    $ctr: {ansible_connection: containers.podman.podman}"
} >"$inventory"

run() {  # run NAME [ansible-playbook args...]
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  ansible-playbook -i "$inventory" -e "@$out/tsig.yml" -e "bench_result=$out/$name.json" \
    -e "bench_publish_host=$ctr" "$here/play.yml" "$@" >"$out/$name.log"
  end=$(date +%s.%N)
  python3 - "$out/$name.json" "$name" "$start" "$end" "$hosts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[4]) - float(sys.argv[3])
print(f"{sys.argv[2]:<14} {sys.argv[5]:>5} {len(r['changed_names']):>8} {len(r['added']):>6} {len(r['removed']):>8} "
      f"{r['queries']:>7} {r['updates']:>7} {r['seconds']:>10.2f} {wall:>8.1f}")
PY
}
printf '%-14s %5s %8s %6s %8s %7s %7s %10s %8s\n' run hosts "changed" added removed queries updates "publish s" "wall s"
run first
run unchanged
run check --check
# step 2 of a rotation on every host: Ed25519 withdrawn (an sshd_config serving
# RSA and ECDSA), a new Ed25519 key pending
printf 'HostKey /etc/ssh/ssh_host_rsa_key\nHostKey /etc/ssh/ssh_host_ecdsa_key\n' >"$out/sshd_config.rotating"
rm -f "$out/pending_ed25519" "$out/pending_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$out/pending_ed25519"
run rotated -e "sshfp_sshd_config=$out/sshd_config.rotating" \
  -e "{\"sshfp_pending_host_keys\": [\"$out/pending_ed25519\"]}"
echo "(publish s: the publication module talking to the primary, reads + updates + waiting until it serves them;"
echo " wall s: the whole role for all hosts: $hosts sshfp_records executions (local, forks 10) and one publication)"
