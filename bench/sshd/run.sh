#!/usr/bin/env bash
# Bench: remote module executions and wall time of the sshd role per host, for a
# first run, an unchanged second run and a check-mode run, on a fresh container
# of each lab release. Prints a table; asserts nothing.
#   bash bench/sshd/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$root/.collections"
export ANSIBLE_CALLBACK_PLUGINS="$root/bench/authorized_keys/callback_plugins"
export ANSIBLE_CALLBACKS_ENABLED=bench_count ANSIBLE_STDOUT_CALLBACK=ansible.builtin.null
eval "$(lab/images.sh env | sed 's/^/export /')"
out="$root/bench/results/sshd"; mkdir -p "$out"
inventory="$out/inventory.yml"
suites=(bullseye bookworm trixie)
{
  echo "all:"; echo "  vars: {ansible_connection: containers.podman.podman}"; echo "  hosts:"
  for s in "${suites[@]}"; do echo "    bench-sshd-$s: {}"; done
} > "$inventory"
for s in "${suites[@]}"; do
  var=SSHSUITE_IMAGE_${s^^}
  podman rm -f --time 0 --ignore "bench-sshd-$s" >/dev/null
  podman run -d --name "bench-sshd-$s" --network none --systemd=always "${!var}" /lib/systemd/systemd >/dev/null
done
trap 'podman rm -f --time 0 --ignore bench-sshd-bullseye bench-sshd-bookworm bench-sshd-trixie >/dev/null' EXIT
sleep 5

run() {  # run NAME [ansible-playbook args...]
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  BENCH_COUNT_FILE="$out/$name.json" ansible-playbook -i "$inventory" "$here/play.yml" "$@" >/dev/null
  end=$(date +%s.%N)
  python3 - "$out/$name.json" "$name" "$start" "$end" <<'PY'
import json, sys
tasks = json.load(open(sys.argv[1]))
# Tasks that never leave the controller are not module executions on a host.
local = {"validate_argument_spec", "validate_argument_specs", "set_fact", "assert", "debug", "include_role",
         "include_tasks", "meta", "fail", "ansible.builtin.validate_argument_specs"}
hosts = {}
for t in tasks:
    if t["action"].split(".")[-1] in local:
        continue
    h = hosts.setdefault(t["host"], {"executions": 0, "changed": 0})
    h["executions"] += t["executions"]
    h["changed"] += t["changed"]
wall = float(sys.argv[4]) - float(sys.argv[3])
for host, h in sorted(hosts.items()):
    print(f"{sys.argv[2]:<16} {host:<22} {h['executions']:>10} {h['changed']:>8} {wall:>9.1f}")
PY
}
printf '%-16s %-22s %10s %8s %9s\n' run host "module runs" changed "wall s"
run first-check --check
run first
run unchanged
run unchanged-check --check
echo "(wall s: the whole play for all three hosts in parallel; module runs: remote module executions per host)"
