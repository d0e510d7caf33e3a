#!/usr/bin/env bash
# Recipe for one lab image: Debian SUITE with systemd as PID 1, python3 and OpenSSH.
# The image tag is a hash of this file, so any change here rebuilds the images.
#
# usage: image-recipe.sh SUITE ROOTFS_DIR
set -euo pipefail
suite=$1 rootfs=$2
mirror=${SSHSUITE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# Clients the tests log in with: OpenSSH, PuTTY's plink, paramiko and AsyncSSH.
# debootstrap does not resolve virtual packages: python3-cffi-backend provides
# the cffi ABI that python3-nacl needs, so it is named explicitly.
packages=python3,openssh-server,openssh-client,openssh-sftp-server,systemd,systemd-sysv
packages+=,iproute2,procps,sudo,ca-certificates
packages+=,putty-tools,python3-paramiko,python3-asyncssh,python3-cffi-backend
# dig on every release (the SSHFP scenario reads answers and their AD bit from
# each client); on bookworm also the DNS servers of that scenario: BIND signs
# the test zone, unbound validates it (molecule/sshfp_dnssec).
packages+=,bind9-dnsutils
dns_servers=(named.service unbound.service unbound-resolvconf.service)
if [ "$suite" = bookworm ]; then
  packages+=,bind9,bind9-utils,unbound
fi
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >/dev/null; then
  echo "debootstrap $suite failed; end of its log:" >&2
  tail -n 25 "$rootfs/debootstrap/debootstrap.log" >&2 || true
  exit 1
fi

# debootstrap bakes one set of host keys into the image; every container would
# share them. Remove them and generate a fresh set in each container at boot.
rm -f "$rootfs"/etc/ssh/ssh_host_*
cat >"$rootfs"/etc/systemd/system/sshsuite-hostkeys.service <<'UNIT'
[Unit]
Description=Generate this container's own SSH host keys (sshsuite lab)
Before=ssh.service ssh.socket
ConditionPathExists=!/etc/ssh/.sshsuite-hostkeys-done

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A
ExecStart=/usr/bin/touch /etc/ssh/.sshsuite-hostkeys-done

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/sshsuite-hostkeys.service \
  "$rootfs"/etc/systemd/system/multi-user.target.wants/sshsuite-hostkeys.service

# Units that only make sense on real hardware slow the boot or fail in a container.
for unit in systemd-remount-fs.service getty.target console-getty.service \
            systemd-logind.service apt-daily.timer apt-daily-upgrade.timer \
            e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done

# The DNS servers start only where a scenario configures and starts them
# itself: as packaged they would listen on every pod member's shared loopback.
if [ "$suite" = bookworm ]; then
  for unit in "${dns_servers[@]}"; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  rm -f "$rootfs"/etc/bind/rndc.key "$rootfs"/etc/unbound/unbound_*.key "$rootfs"/etc/unbound/unbound_*.pem
fi

# Each container gets its own machine id at first boot.
: >"$rootfs"/etc/machine-id
rm -f "$rootfs"/var/lib/dbus/machine-id

# Smaller image: no package lists or caches (apt-get update works in a container).
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
       "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* \
       "$rootfs"/usr/share/man/*
