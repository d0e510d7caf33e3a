#!/usr/bin/env bash
# Bench: sshsuite.openssh.authorized_keys vs an ansible.posix.authorized_key loop
# on one lab container. Prints a table; asserts nothing. Options go to bench.py:
#   bash bench/authorized_keys/run.sh [--sizes 100,1000,10000] [--loop-users 100] [--skip-loop]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
exec "$root/.venv/bin/python" "$here/bench.py" "$@"
