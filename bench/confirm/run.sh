#!/usr/bin/env bash
# Bench: what the confirmed apply costs (issue 20). Three lab containers (one per
# release, --network none), reached over the ssh connection plugin through a
# ProxyCommand into each container's loopback, as user deploy with sudo and
# ControlPersist. Runs: a change without confirmation, a change with it (fresh
# login + confirm), and an unchanged run. Prints module executions per host, the
# extra round trips of the confirmation, and the sshd task's time; asserts nothing.
#   bash bench/confirm/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$root/.collections"
export ANSIBLE_CALLBACK_PLUGINS="$root/bench/authorized_keys/callback_plugins"
export ANSIBLE_CALLBACKS_ENABLED=bench_count ANSIBLE_STDOUT_CALLBACK=ansible.builtin.null
export ANSIBLE_HOST_KEY_CHECKING=False
eval "$(lab/images.sh env | sed 's/^/export /')"
out="$root/bench/results/confirm"; mkdir -p "$out"
suites=(bullseye bookworm trixie)
names=(); for s in "${suites[@]}"; do names+=("bench-confirm-$s"); done
cleanup() { podman rm -f --time 0 --ignore "${names[@]}" >/dev/null; }
trap cleanup EXIT
cleanup
rm -f "$out/key" "$out/key.pub"; ssh-keygen -q -t ed25519 -N '' -f "$out/key"
for s in "${suites[@]}"; do
  var=SSHSUITE_IMAGE_${s^^}
  podman run -d --name "bench-confirm-$s" --network none --systemd=always "${!var}" /lib/systemd/systemd >/dev/null
done
for n in "${names[@]}"; do
  for _ in $(seq 1 120); do podman exec "$n" systemctl is-active -q ssh 2>/dev/null && break; sleep 0.5; done
  podman cp "$root/molecule/_shared/files/relay.py" "$n:/usr/local/bin/sshsuite-relay.py"
  podman cp "$out/key.pub" "$n:/tmp/key.pub"
  podman exec "$n" sh -c 'useradd -m -s /bin/bash -p "*" deploy && mkdir -m 700 ~deploy/.ssh &&
    cp /tmp/key.pub ~deploy/.ssh/authorized_keys && chown -R deploy: ~deploy/.ssh &&
    echo "deploy ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/deploy && chmod 440 /etc/sudoers.d/deploy'
done
{
  echo "all:"; echo "  vars:"
  echo "    ansible_connection: ssh"
  echo "    ansible_user: deploy"
  echo "    ansible_become: true"
  echo "    ansible_python_interpreter: /usr/bin/python3"
  echo "    ansible_ssh_private_key_file: $out/key"
  echo "  hosts:"
  for n in "${names[@]}"; do
    echo "    $n:"
    echo "      ansible_ssh_common_args: >-"
    echo "        -o ProxyCommand=\"podman exec -i $n python3 /usr/local/bin/sshsuite-relay.py 22\""
    echo "        -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR"
  done
} > "$out/inventory.yml"

run() {  # run NAME [extra vars...]
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  BENCH_COUNT_FILE="$out/$name.json" ansible-playbook -i "$out/inventory.yml" "$here/play.yml" "$@" >"$out/$name.log" 2>&1 || {
    echo "$name failed:"; tail -n 30 "$out/$name.log"; exit 1; }
  end=$(date +%s.%N)
  python3 - "$out/$name.json" "$name" "$start" "$end" <<'PY'
import json, sys
tasks = json.load(open(sys.argv[1]))
wall = float(sys.argv[4]) - float(sys.argv[3])
for t in tasks:
    if t["task"].endswith("Apply the sshd configuration"):
        print(f"{sys.argv[2]:<22} {t['host']:<24} {t['executions']:>6} {str(t['changed']):>8} {t['seconds']:>9.1f} {wall:>8.1f}")
PY
}
printf '%-22s %-24s %6s %8s %9s %8s\n' run host "module" changed "task s" "wall s"
run baseline -e bench_value=4 -e bench_confirm=120
run change-unconfirmed -e bench_value=5 -e bench_confirm=0
run change-confirmed -e bench_value=4 -e bench_confirm=120
run unchanged -e bench_value=4 -e bench_confirm=120
echo "(module: remote module executions of the sshd task per host; a confirmed change adds one fresh ssh"
echo " login and one confirm command per host, no module execution; task s: the sshd task as the"
echo " controller saw it; wall s: the whole play for three hosts in parallel; load: $(cut -d' ' -f1-3 /proc/loadavg))"
