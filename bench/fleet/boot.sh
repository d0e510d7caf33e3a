#!/bin/sh
# PID 1 of every bench container, before systemd: give this host its own
# port on the pod's loopback (sshd listens only on 127.0.0.1:2200+N), the deploy user
# Ansible connects as (key login, passwordless sudo) and the accounts the
# authorized_keys role grants keys to; then hand over to systemd.
# /opt/fleet is the bench's files, mounted read-only.
set -eu
index=${FLEET_INDEX:?}
echo "ListenAddress 127.0.0.1:$((2200 + index))" > /etc/ssh/sshd_config.d/00-fleet-listen.conf
for user in deploy alice bob carol; do
  useradd --create-home --shell /bin/bash --password '*' "$user"
done
install -d -o deploy -g deploy -m 0700 /home/deploy/.ssh
install -o deploy -g deploy -m 0600 /opt/fleet/deploy.pub /home/deploy/.ssh/authorized_keys
install -d -m 0700 /root/.ssh  # only for fleet.py --login root (what become costs)
install -m 0600 /opt/fleet/deploy.pub /root/.ssh/authorized_keys
echo 'deploy ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/deploy
chmod 0440 /etc/sudoers.d/deploy
exec /lib/systemd/systemd
