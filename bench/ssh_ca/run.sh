#!/usr/bin/env bash
# Bench: sshsuite.openssh.ssh_ca. Prints figures; asserts nothing.
#   1. module executions per host for a first, an unchanged and a renewal run of
#      the role on a fresh container of each lab release;
#   2. seconds to sign N user certificates (default 1000) in one run with a
#      passphrase-protected CA, and for the unchanged rerun (nothing signed).
#   bash bench/ssh_ca/run.sh [--certificates 1000] [--skip-hosts]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$root/.collections"
export ANSIBLE_CALLBACK_PLUGINS="$root/bench/authorized_keys/callback_plugins"
export ANSIBLE_CALLBACKS_ENABLED=bench_count ANSIBLE_STDOUT_CALLBACK=ansible.builtin.null
eval "$(lab/images.sh env | sed 's/^/export /')"
exec "$root/.venv/bin/python" "$here/bench.py" "$@"
