#!/usr/bin/env bash
# Fleet bench: site.yml over the ssh connection against 1, 8, 32 and 64 lab
# hosts in one --network none pod; wall time, module executions per host,
# controller and target CPU. Prints a table; asserts nothing. See fleet.py.
#   bash bench/fleet/run.sh [--hosts 1,8,32,64] [--strategies linear,mitogen] [--repeat 3]
#                           [--suite bookworm] [--forks 10] [--ssh-args '...'] [--max-load 3]
# Needs root (podman, nsenter into the pod, a cpuacct cgroup for the controller).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cgroup=/sys/fs/cgroup/cpuacct/fleet-bench-controller

cleanup() {
  # Whatever the run left: our ControlPersist masters (by pid, from our own cgroup), the cgroup, the pod.
  local dir pid
  for dir in "$cgroup/ssh" "$cgroup"; do
    [ -d "$dir" ] || continue
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$dir/cgroup.procs"
  done
  sleep 0.5
  rmdir "$cgroup/ssh" "$cgroup" 2>/dev/null || true
  podman pod rm --force --time 0 --ignore fleet-bench >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

echo "fs.inotify.max_user_instances = $(cat /proc/sys/fs/inotify/max_user_instances) (make setup raises it)"
"$root/.venv/bin/python" "$here/fleet.py" "$@"
