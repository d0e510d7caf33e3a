#!/usr/bin/env bash
# Run a command as a freshly booted machine would: /run is a tmpfs that starts
# empty after every boot (no /run/sshd, no state of earlier runs). The command
# gets a private mount namespace with an empty /run; nothing outside changes.
#
#   lab/fresh.sh pytest tests/unit
#
# Without root (no mount namespace) it says so and runs the command as it is.
set -euo pipefail
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
  exec unshare --mount --propagation private -- /bin/sh -c \
    'mount -t tmpfs -o mode=0755,size=64m fresh-run /run && exec "$@"' fresh "$@"
fi
echo "lab/fresh.sh: no private mount namespace here (not root?): running with this machine's /run" >&2
exec "$@"
