#!/usr/bin/env bash
# Prepare this Debian machine for the lab: packages, podman settings, kernel limits.
# Idempotent: a second run changes nothing and takes a second or two.
set -euo pipefail

# podman with its recommends: catatonit builds the pods' infra image locally (no registry here).
# openscap-scanner: the SCAP Security Guide test of molecule/sshd_profile_modern (content below).
# The shellcheck package: ansible-test sanity skips its shellcheck test without it.
PACKAGES=(podman runc catatonit debootstrap openssh-client openssh-server python3-venv putty-tools
          openscap-scanner shellcheck)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "host-setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Installing openssh-server must not start an sshd on the controller: the
  # controller only needs the binary (sshd -T) for the unit tests.
  policy_created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy_created=1
  fi
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  [ $policy_created = 0 ] || rm -f /usr/sbin/policy-rc.d
fi

# SCAP Security Guide content. bookworm's ssg-debian (0.1.65) has no Debian 12
# content, trixie's (0.1.76) has Debian 11 and 12: its data files are unpacked
# (not installed: dpkg keeps bookworm's packages) under $ssg_dir, from the Debian
# archive this machine already uses (or SSHSUITE_DEBIAN_MIRROR), with apt's own
# signature checks. A second run finds the content and does nothing.
ssg_dir=/opt/sshsuite-lab/ssg
if [ ! -f "$ssg_dir/content/ssg-debian12-ds.xml" ]; then
  . /etc/os-release
  # shellcheck disable=SC2016  # $(REPO_URI) is apt's format field, not a shell expansion
  mirror=${SSHSUITE_DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI)' "Codename: $VERSION_CODENAME" | head -n 1)}
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" >"$work/sources.list"
  apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
               -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null
               -o APT::Sandbox::User=root)
  apt-get "${apt_private[@]}" update -qq
  (cd "$work" && apt-get "${apt_private[@]}" download -qq ssg-debian)
  rm -rf "$ssg_dir.new"; mkdir -p "$ssg_dir.new"
  dpkg-deb -x "$work"/ssg-debian_*.deb "$work/root"
  cp -a "$work/root/usr/share/xml/scap/ssg/content" "$ssg_dir.new/"
  dpkg-deb -f "$work"/ssg-debian_*.deb Version >"$ssg_dir.new/VERSION"
  rm -rf "$ssg_dir" "$work"; mv "$ssg_dir.new" "$ssg_dir"
  echo "host-setup: SCAP Security Guide $(cat "$ssg_dir/VERSION") content in $ssg_dir/content"
fi

# podman: runc (crun fails on this host's cgroups) and explicit ulimits (podman's
# defaults exceed the hard limit). Add only the keys a user's file does not set.
python3 - <<'PY'
import os, re
path = "/etc/containers/containers.conf"
want = {
    "engine": {"runtime": '"runc"'},
    "containers": {"default_ulimits": '["nofile=10000:10000", "nproc=10000:10000"]'},
}
text = open(path).read() if os.path.exists(path) else ""
lines = text.splitlines()
section, present = None, set()
for line in lines:
    s = line.strip()
    m = re.match(r"^\[([^\]]+)\]$", s)
    if m:
        section = m.group(1).strip()
        continue
    m = re.match(r"^([A-Za-z_]+)\s*=", s)
    if m and section:
        present.add((section, m.group(1)))
changed = False
for sect, keys in want.items():
    todo = {k: v for k, v in keys.items() if (sect, k) not in present}
    if not todo:
        continue
    changed = True
    header = next((i for i, l in enumerate(lines) if l.strip() == f"[{sect}]"), None)
    new = [f"{k} = {v}  # added by sshsuite lab/host-setup.sh" for k, v in todo.items()]
    if header is None:
        lines += ["", f"[{sect}]"] + new
    else:
        lines[header + 1:header + 1] = new
if changed:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines).lstrip("\n") + "\n")
    print(f"host-setup: updated {path}")
PY

# Each systemd container holds inotify instances; the default 128 runs out.
conf=/etc/sysctl.d/60-sshsuite-lab.conf
if [ "$(sysctl -n fs.inotify.max_user_instances)" -lt 1024 ]; then
  sysctl -qw fs.inotify.max_user_instances=1024
fi
[ -f "$conf" ] || echo "fs.inotify.max_user_instances = 1024" >"$conf"
