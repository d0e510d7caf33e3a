#!/usr/bin/env bash
# The rollback survives the controller disappearing (issue 20).
#   kill_test.sh CONTAINER...
# Starts kill_apply.yml (a locking configuration, confirm timeout 20 s), kills
# ansible-playbook with SIGKILL as soon as every host has armed its rollback
# (right after the reload), then checks that within the timeout each host
# serves its previous configuration again: sshd_config equals the baseline and
# a brand-new key login works.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
key=$MOLECULE_EPHEMERAL_DIRECTORY/deploy_ed25519
timeout=20
containers=("$@")

setsid ansible-playbook -i "$MOLECULE_INVENTORY_FILE" "$here/kill_apply.yml" >"$MOLECULE_EPHEMERAL_DIRECTORY/kill_apply.log" 2>&1 &
pid=$!
armed=0
for _ in $(seq 1 600); do
  armed=0
  for c in "${containers[@]}"; do
    if podman exec "$c" sh -c 'ls /var/lib/sshsuite/rollback/*/manifest.json' >/dev/null 2>&1; then
      armed=$((armed + 1))
    fi
  done
  [ "$armed" = "${#containers[@]}" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "ansible-playbook ended before every host armed its rollback:"; tail -n 40 "$MOLECULE_EPHEMERAL_DIRECTORY/kill_apply.log"
    exit 1
  fi
  sleep 0.2
done
killed_at=$(date +%s)
kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
echo "rollback armed on $armed of ${#containers[@]} hosts; ansible-playbook killed"
for c in "${containers[@]}"; do
  podman exec "$c" sh -c 'grep -q empty_keys /etc/ssh/sshd_config' && echo "$c: the locking configuration is live"
done
sleep $((timeout + 10))
rc=0
for c in "${containers[@]}"; do
  baseline=$(podman exec "$c" cat /root/sshd_config.baseline.sha256)
  now=$(podman exec "$c" sha256sum /etc/ssh/sshd_config | cut -d' ' -f1)
  if ssh -i "$key" -o ProxyCommand="podman exec -i $c python3 /opt/scenario/relay.py 22" \
       -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR \
       -o BatchMode=yes -o ControlMaster=no -o ControlPath=none "deploy@$c" true; then
    login=ok
  else
    login=FAILED; rc=1
  fi
  if [ "$baseline" = "$now" ]; then config=restored; else config=NOT-restored; rc=1; fi
  echo "$c: $(( $(date +%s) - killed_at )) s after the kill: configuration $config, fresh login $login"
done
exit $rc
