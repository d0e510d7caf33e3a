# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sftp module's host side on a real file system: layout, ACLs, refusals, idempotence, check mode.

Jails are built under a root-owned 0755 directory in /run (the preflight
checks every component up to /). Accounts are the system's own ``daemon``
(uid 1, primary group daemon) and ``bin``, so nothing is created on the
machine running the tests (create_accounts is false); systemd is replaced by
a recording runner.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import subprocess

import pytest

from conftest import root_owned_tmpdir

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import chroot, fileio, sftp, sftp_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    ApplyFailed,
    OpenSSHConfigError,
)

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (chown, root-owned parents)")


@pytest.fixture
def base():
    with root_owned_tmpdir("sshsuite-sftp-") as path:
        yield path


class Host(object):
    """A runner that answers ssh -V and plays systemd (records every systemctl call)."""

    def __init__(self, version="OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19"):
        self.version = version
        self.calls = []
        self.active = set()
        self.enabled = set()

    def __call__(self, argv):
        self.calls.append(list(argv))
        if argv[:2] == ["ssh", "-V"]:
            return 0, "", self.version + "\n"
        if argv[0] == "systemctl":
            units = argv[argv.index("--") + 1:] if "--" in argv else []
            if argv[1] == "show":
                return 0, "\n\n".join("Id=%s\nLoadState=loaded\nActiveState=%s\nUnitFileState=%s" % (
                    unit, "active" if unit in self.active else "inactive",
                    "enabled" if unit in self.enabled else "disabled") for unit in units) + "\n", ""
            if argv[1] == "enable":
                self.enabled.update(units)
                if "--now" in argv:
                    self.active.update(units)
            if argv[1] == "disable":
                self.enabled.difference_update(units)
                self.active.difference_update(units)
            return 0, "", ""
        raise AssertionError("unexpected command %r" % argv)

    def systemctl(self):
        return [call[1:] for call in self.calls if call[0] == "systemctl" and call[1] != "show"]


def mode_of(path):
    info = os.lstat(path)
    return stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid


def params(base, **extra):
    data = {"groups": [], "users": [], "create_accounts": False, "account_shell": "/usr/sbin/nologin",
            "authorized_keys_file": "/etc/ssh/authorized_keys/%u", "subsystem": "internal-sftp"}
    data.update(extra)
    return data


# -- systemd names and units ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/srv/sftp/partners/fred/dev/log", "/srv/a-b/c_d/dev/log", "/srv/.hidden/x",
                                  "//srv//x/", "/srv/ünï/x", "/", "/home/a%i b\\c/dev/log"])
def test_unit_names_match_systemd_escape(path):
    expected = sftp_host.systemd_escape_path(path)
    if shutil.which("systemd-escape"):
        assert expected == subprocess.check_output(["systemd-escape", "--path", path], text=True).strip()
    assert "/" not in expected


def test_mount_unit_is_the_verified_combination():
    text = sftp_host.mount_unit_text("/srv/sftp/p/fred", "/srv/sftp/p/fred/dev/log")
    assert text.startswith(sftp_host.UNIT_HEADER)
    for line in ("Requires=systemd-journald-dev-log.socket", "After=systemd-journald-dev-log.socket",
                 "What=/run/systemd/journal/dev-log", "Where=/srv/sftp/p/fred/dev/log", "Type=none",
                 "Options=bind", "WantedBy=multi-user.target systemd-journald-dev-log.socket"):
        assert "\n%s\n" % line in text


# -- layout --------------------------------------------------------------------------------

@needs_root
def test_per_user_layout_is_created_and_then_unchanged(base):
    root = os.path.join(base, "srv/sftp/daemons")
    data = params(base, groups=[{"name": "daemon", "root": root, "writable": ["upload", "outgoing"],
                                 "umask": "0027", "dev_log": False}])
    host = Host()
    result = sftp_host.apply(data, host)
    assert result["changed"]
    jail = os.path.join(root, "daemon")
    assert mode_of(os.path.join(base, "srv")) == (0o755, 0, 0)   # a created parent
    assert mode_of(root) == (0o755, 0, 0)
    assert mode_of(jail) == (0o750, 0, 1)                       # root:<account's group>
    assert mode_of(os.path.join(jail, "upload")) == (0o750, 1, 1)
    assert mode_of(os.path.join(jail, "outgoing")) == (0o750, 1, 1)
    assert [c["chroot"] for c in result["chroots"]] == [jail]
    assert result["accounts"] == ["daemon"]
    assert result["log_command"] == "journalctl -t internal-sftp -t sshd"
    assert result["sshd_contribution"]["match"][0]["settings"]["ForceCommand"] == \
        "internal-sftp -d/upload -u0027 -lINFO -fAUTH"
    again = sftp_host.apply(data, Host())
    assert not again["changed"], again["changes"]


@needs_root
def test_managed_directories_are_fixed_and_reported(base):
    root = os.path.join(base, "jails")
    data = params(base, users=[{"name": "daemon", "root": root, "dev_log": False}])
    sftp_host.apply(data, Host())
    jail = os.path.join(root, "daemon")
    os.chmod(jail, 0o775)
    os.chown(os.path.join(jail, "upload"), 0, 0)
    result = sftp_host.apply(data, Host(), want_diff=True)
    assert result["changes"] == ["fix %s: mode 0775 -> 0750" % jail,
                                 "fix %s/upload: owner 0:0 -> 1:1" % jail]
    assert "%s d 0775 root:daemon" % jail in result["diff"]["before"]
    assert "%s d 0750 root:daemon" % jail in result["diff"]["after"]
    assert mode_of(jail) == (0o750, 0, 1)


@needs_root
def test_check_mode_writes_nothing(base):
    root = os.path.join(base, "srv/jails")
    data = params(base, users=[{"name": "daemon", "root": root}])
    units = os.path.join(base, "units")
    os.mkdir(units)
    host = Host()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host, "UNIT_DIR", units)
        patch.setattr(sftp_host, "SYSTEMD_RUNNING", base)
        result = sftp_host.apply(data, host, check_mode=True, want_diff=True)
    assert result["changed"]
    assert os.listdir(base) == ["units"] and os.listdir(units) == []
    assert host.systemctl() == []
    assert any(change.startswith("write %s/" % units) for change in result["changes"])


@needs_root
def test_shared_layout_with_a_group_acl(base):
    root = os.path.join(base, "team")
    data = params(base, groups=[{"name": "daemon", "layout": "shared", "root": root, "umask": "0077",
                                 "shared": [{"name": "exchange", "acl": True}, {"name": "drop", "mode": "3770"}],
                                 "dev_log": False}])
    result = sftp_host.apply(data, Host())
    assert result["sshd_contribution"]["match"][0]["settings"]["ChrootDirectory"] == root
    assert mode_of(root) == (0o711, 0, 0)
    assert mode_of(os.path.join(root, "daemon")) == (0o700, 1, 1)
    assert mode_of(os.path.join(root, "drop")) == (0o3770, 0, 1)
    exchange = os.path.join(root, "exchange")
    assert mode_of(exchange) == (0o2770, 0, 1)
    try:
        access = os.getxattr(exchange, "system.posix_acl_access")
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENODATA):
            pytest.skip("no POSIX ACLs here")
        raise
    entries = fileio.posix_acl_entries(access)
    assert (fileio.ACL_GROUP, 1, 7) in entries and (fileio.ACL_MASK, fileio.ACL_UNDEFINED_ID, 7) in entries
    assert os.getxattr(exchange, "system.posix_acl_default") == access
    # a file created inside inherits the group's entry (umask ignored with a default ACL)
    fd = os.open(os.path.join(exchange, "new"), os.O_CREAT | os.O_WRONLY, 0o640)
    os.close(fd)
    assert stat.S_IMODE(os.stat(os.path.join(exchange, "new")).st_mode) == 0o640
    assert not sftp_host.apply(data, Host())["changed"]


@needs_root
def test_home_layout_makes_the_home_root_owned(base):
    home = os.path.join(base, "home", "daemon")
    os.makedirs(home)
    os.chown(home, 1, 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host, "_account", lambda name: sftp_host.jail.Account(name, 1, 1, home))
        result = sftp_host.apply(params(base, users=[{"name": "daemon", "layout": "home", "dev_log": False}]),
                                 Host())
    assert result["sshd_contribution"]["match"][0]["settings"]["ChrootDirectory"] == "%h"
    assert mode_of(home) == (0o750, 0, 1)
    assert mode_of(os.path.join(home, "upload")) == (0o750, 1, 1)


# -- refusals: nothing changed --------------------------------------------------------------

def snapshot(path):
    found = []
    for top, dirs, files in os.walk(path):
        for name in sorted(dirs + files):
            full = os.path.join(top, name)
            found.append((full, mode_of(full)))
    return sorted(found)


@needs_root
def test_a_group_writable_parent_is_refused_naming_it_and_nothing_changes(base):
    parent = os.path.join(base, "srv")
    os.mkdir(parent)
    os.chmod(parent, 0o775)
    data = params(base, groups=[{"name": "daemon", "root": os.path.join(parent, "sftp"), "dev_log": False}])
    before = snapshot(base)
    with pytest.raises(ApplyFailed) as caught:
        sftp_host.apply(data, Host())
    assert 'bad ownership or modes for chroot directory component "%s/"' % parent in caught.value.message
    assert "nothing was changed" in caught.value.message
    assert caught.value.result["chroots"][0]["findings"][0]["component"] == parent + "/"
    assert snapshot(base) == before


@needs_root
def test_the_link_escape_is_refused_naming_the_accounts_directory(base):
    root = os.path.join(base, "jails")
    os.mkdir(root)
    user_dir = os.path.join(base, "home-daemon")
    os.mkdir(user_dir)
    os.chown(user_dir, 1, 1)
    os.mkdir(os.path.join(user_dir, "jail"))
    os.symlink(os.path.join(user_dir, "jail"), os.path.join(root, "daemon"))
    before = snapshot(base)
    with pytest.raises(ApplyFailed) as caught:
        sftp_host.apply(params(base, users=[{"name": "daemon", "root": root, "dev_log": False}]), Host())
    message = caught.value.message
    assert "nothing was changed" in message
    assert "through %s, which is owned by uid 1" % user_dir in message  # the directory daemon controls
    assert "%s is a symbolic link" % os.path.join(root, "daemon") in message
    rules = [f["rule"] for f in caught.value.result["chroots"][0]["findings"]]
    assert rules == ["resolution", "managed-link"]
    assert snapshot(base) == before


@needs_root
def test_a_link_planted_where_a_writable_directory_belongs_is_refused(base):
    home = os.path.join(base, "home", "daemon")
    os.makedirs(home)
    os.chown(home, 1, 1)
    os.symlink("/etc", os.path.join(home, "upload"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host, "_account", lambda name: sftp_host.jail.Account(name, 1, 1, home))
        with pytest.raises(OpenSSHConfigError, match="upload is a symbolic link"):
            sftp_host.apply(params(base, users=[{"name": "daemon", "layout": "home", "dev_log": False}]), Host())
    assert mode_of(home)[1] == 1  # still the account's: nothing changed
    assert mode_of("/etc") == (0o755, 0, 0)


def test_missing_accounts_without_create_accounts_are_named():
    actions, problems = sftp_host.plan_accounts(
        sftp.normalise({"groups": [{"name": "sshsuite-nogroup", "root": "/srv/x", "members": ["sshsuite-nouser"]}]}),
        create=False, shell="/usr/sbin/nologin")
    assert actions == []
    assert any("group sshsuite-nogroup does not exist" in p for p in problems)
    assert any("account sshsuite-nouser does not exist" in p for p in problems)


def test_accounts_are_created_without_a_home_and_with_nologin():
    group = {"name": "sshsuite-nogroup", "root": "/srv/x", "members": ["sshsuite-nouser", "daemon"]}
    actions, problems = sftp_host.plan_accounts(sftp.normalise({"groups": [group]}), create=True,
                                                shell="/usr/sbin/nologin")
    assert problems == []
    assert [a.argv for a in actions] == [
        ["groupadd", "--", "sshsuite-nogroup"],
        ["useradd", "--home-dir", "/srv/x/sshsuite-nouser", "--no-create-home", "--shell", "/usr/sbin/nologin",
         "--user-group", "--groups", "sshsuite-nogroup", "--", "sshsuite-nouser"],
        ["usermod", "--append", "--groups", "sshsuite-nogroup", "--", "daemon"]]


def test_group_members_include_the_primary_group():
    assert "daemon" in chroot.group_members("daemon")


# -- /dev/log units ------------------------------------------------------------------------

@needs_root
def test_dev_log_units_are_written_enabled_and_left_alone_when_unchanged(base):
    root = os.path.join(base, "jails")
    units = os.path.join(base, "units")
    os.mkdir(units)
    data = params(base, users=[{"name": "daemon", "root": root}])
    host = Host()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host, "UNIT_DIR", units)
        patch.setattr(sftp_host, "SYSTEMD_RUNNING", base)
        with pytest.raises(ApplyFailed, match="dev/log is not a socket"):
            sftp_host.apply(data, host)  # the fake systemd mounts nothing
        name = sftp_host.mount_unit_name(os.path.join(root, "daemon/dev/log"))
        assert os.listdir(units) == [name]
        assert host.systemctl() == [["daemon-reload"], ["enable", "--now", "--", name]]
        log = os.path.join(root, "daemon/dev/log")
        assert stat.S_ISREG(os.lstat(log).st_mode)  # the mount point, made before systemd mounts
        assert mode_of(os.path.join(root, "daemon/dev")) == (0o755, 0, 0)
        # as if mounted: a socket at the mount point
        os.unlink(log)
        import socket
        server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        server.bind(log)
        try:
            again = Host()
            again.active.add(name)
            again.enabled.add(name)
            result = sftp_host.apply(data, again)
            assert not result["changed"], result["changes"]
            assert again.systemctl() == []
            # a unit whose chroot is gone is disabled and removed
            gone = Host()
            gone.active.add(name)
            gone.enabled.add(name)
            result = sftp_host.apply(params(base, users=[{"name": "daemon", "root": root, "dev_log": False}]), gone)
            assert "remove %s (no chroot needs it any more)" % name in result["changes"]
            assert gone.systemctl() == [["disable", "--now", "--", name], ["daemon-reload"]]
            assert os.listdir(units) == []
        finally:
            server.close()


def test_dev_log_without_systemd_is_refused(base):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host, "SYSTEMD_RUNNING", os.path.join(base, "no-such-dir"))
        with pytest.raises(OpenSSHConfigError, match="dev_log needs systemd"):
            sftp_host.apply(params(base, users=[{"name": "daemon", "root": os.path.join(base, "j")}]), Host())


def test_unit_states_are_read_per_unit():
    host = Host()
    host.active.add("b.mount")
    assert sftp_host.unit_states(host, ["a.mount", "b.mount"]) == {
        "a.mount": {"Id": "a.mount", "LoadState": "loaded", "ActiveState": "inactive", "UnitFileState": "disabled"},
        "b.mount": {"Id": "b.mount", "LoadState": "loaded", "ActiveState": "active", "UnitFileState": "disabled"}}


@needs_root
def test_a_root_made_link_above_the_jails_is_resolved_once_and_warned_about(base):
    real = os.path.join(base, "real")
    os.mkdir(real, 0o755)
    os.symlink(real, os.path.join(base, "srv"))  # as /home -> /var/home
    data = params(base, users=[{"name": "daemon", "root": os.path.join(base, "srv", "jails"), "dev_log": False}])
    result = sftp_host.apply(data, Host())
    assert mode_of(os.path.join(real, "jails", "daemon")) == (0o750, 0, 1)
    assert any("is a symbolic link to %s" % real in warning for warning in result["warnings"]), result
    assert not sftp_host.apply(data, Host())["changed"]


@needs_root
def test_a_link_above_jails_still_to_be_created_is_checked_where_it_leads(base):
    """The jails do not exist yet; the link above them passes through a directory daemon owns."""
    user_dir = os.path.join(base, "daemon-owned")
    os.mkdir(user_dir, 0o755)
    os.chown(user_dir, 1, 1)
    os.mkdir(os.path.join(user_dir, "inner"), 0o755)
    os.symlink(os.path.join(user_dir, "inner"), os.path.join(base, "srv"))
    before = snapshot(base)
    with pytest.raises(ApplyFailed) as caught:
        sftp_host.apply(params(base, users=[{"name": "daemon", "root": os.path.join(base, "srv", "jails"),
                                             "dev_log": False}]), Host())
    assert "through %s, which is owned by uid 1" % user_dir in caught.value.message
    assert snapshot(base) == before


# -- the /dev/log mount point cannot be raced (home layout: the account owned its home) -----------

def home_plan(base, home, **block):
    """The home-layout plan for ``daemon`` (uid 1) whose home is ``home``, with dev_log."""
    block = dict({"name": "daemon", "layout": "home"}, **block)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host, "_account", lambda name: sftp_host.jail.Account(name, 1, 1, home))
        return sftp_host.plan(sftp.normalise(params(base, users=[block])))


def daemon_home(base):
    home = os.path.join(base, "home", "daemon")
    os.makedirs(home)
    os.chown(home, 1, 1)
    return home


@contextlib.contextmanager
def home_host(base, home):
    """``daemon`` (uid 1) with ``home`` in passwd, on a host with systemd and the unit directory in ``base``."""
    units = os.path.join(base, "units")
    os.makedirs(units, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host, "_account", lambda name: sftp_host.jail.Account(name, 1, 1, home))
        patch.setattr(sftp_host, "SYSTEMD_RUNNING", base)
        patch.setattr(sftp_host, "UNIT_DIR", units)
        yield patch


def refused_before_anything_changes(base, home):
    """Apply the home layout with dev_log for daemon: it must be refused with nothing written; the message."""
    os.makedirs(os.path.join(base, "units"), exist_ok=True)
    before = snapshot(base)
    host = Host()
    with home_host(base, home):
        with pytest.raises(OpenSSHConfigError) as caught:
            sftp_host.apply(params(base, users=[{"name": "daemon", "layout": "home"}]), host)
    assert "nothing was changed" in caught.value.message
    assert snapshot(base) == before
    assert host.systemctl() == []
    return caught.value.message


def plant(kind, path, base):
    """What an attacker puts where the mount point belongs: a link, a hard link or a FIFO."""
    if kind == "symlink":
        os.symlink("/etc/passwd", path)
    elif kind == "hardlink":  # to a root-owned file on the same file system (/etc may be elsewhere)
        victim = os.path.join(base, "victim")
        with open(victim, "w") as handle:
            handle.write("root's\n")
        os.link(victim, path)
    else:
        os.mkfifo(path)
    if kind != "hardlink":
        os.lchown(path, 1, 1)


@needs_root
def test_an_account_made_dev_directory_is_refused_and_nothing_changes(base):
    home = daemon_home(base)
    dev = os.path.join(home, "dev")
    os.mkdir(dev)
    os.chown(dev, 1, 1)
    open(os.path.join(dev, "log"), "w").close()
    os.chown(os.path.join(dev, "log"), 1, 1)
    message = refused_before_anything_changes(base, home)
    assert "%s already exists and belongs to daemon (uid 1), not root" % dev in message


@needs_root
@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo"])
def test_a_dev_directory_made_between_plan_and_apply_is_refused(base, kind):
    """The account still owns its home when the plan is checked: it makes ~/dev and ~/dev/log then."""
    home = daemon_home(base)
    the_plan = home_plan(base, home)
    assert sftp_host.differences(the_plan.entries)[1] == []
    dev = os.path.join(home, "dev")
    os.mkdir(dev)
    os.chown(dev, 1, 1)
    plant(kind, os.path.join(dev, "log"), base)
    with pytest.raises(fileio.FileRefused, match="dev already exists and belongs to daemon"):
        sftp_host.apply_layout(the_plan)
    assert mode_of(dev)[1] == 1  # never taken over
    assert mode_of("/etc/passwd")[1:] == (0, 0)


@needs_root
@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo"])
def test_a_mount_point_replaced_between_plan_and_apply_is_refused(base, kind):
    """A root-owned ~/dev that anyone could write (mode 0777) at plan time: log is swapped before apply."""
    home = daemon_home(base)
    dev = os.path.join(home, "dev")
    os.mkdir(dev)
    os.chmod(dev, 0o777)
    log = os.path.join(dev, "log")
    open(log, "w").close()
    the_plan = home_plan(base, home)
    changes, problems, _unused = sftp_host.differences(the_plan.entries)
    assert problems == [] and any("0777" in change for change in changes), changes
    os.unlink(log)
    plant(kind, log, base)
    with pytest.raises(fileio.FileRefused, match="the /dev/log mount point must be root's regular file"):
        sftp_host.apply_layout(the_plan)
    assert mode_of(dev) == (0o755, 0, 0)  # fixed before the mount point was looked at again
    assert sftp_host.mount_point_problem(os.lstat(log), log)  # left as it was, nothing written over it


@pytest.mark.parametrize("kind,expected", [
    ("socket", None), ("file", None), ("file2", "(2 links)"), ("user-file", "daemon:root"), ("fifo", "p 0644"),
    ("symlink", "l 0644")])
def test_mount_point_problem(kind, expected):
    mode = {"socket": stat.S_IFSOCK, "fifo": stat.S_IFIFO, "symlink": stat.S_IFLNK}.get(kind, stat.S_IFREG)
    info = os.stat_result((mode | 0o644, 1, 1, 2 if kind == "file2" else 1, 1 if kind == "user-file" else 0, 0,
                           0, 0, 0, 0))
    problem = sftp_host.mount_point_problem(info, "/h/dev/log")
    if expected is None:
        assert problem is None
    else:
        assert problem.startswith("/h/dev/log is ") and "refusing to mount onto it" in problem
        assert expected in problem
    assert sftp_host.mount_point_problem(None, "/h/dev/log") is None


@needs_root
@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo"])
def test_no_unit_is_written_when_the_mount_point_changes_after_the_layout(base, kind):
    """The last check, through the directory's descriptor, right before Where= is handed to systemd."""
    home = daemon_home(base)
    log = os.path.join(home, "dev", "log")
    real_apply_layout = sftp_host.apply_layout

    def racing_apply_layout(the_plan):
        real_apply_layout(the_plan)
        os.unlink(log)  # root's own directory now: only root could do this, the check must still see it
        plant(kind, log, base)

    host = Host()
    with home_host(base, home) as patch:
        patch.setattr(sftp_host, "apply_layout", racing_apply_layout)
        with pytest.raises(ApplyFailed, match="no unit was written or started") as caught:
            sftp_host.apply(params(base, users=[{"name": "daemon", "layout": "home"}]), host)
    assert "%s is " % log in caught.value.message
    assert os.listdir(os.path.join(base, "units")) == []
    assert host.systemctl() == []


# -- chroot paths that would break the mount unit --------------------------------------------

@pytest.mark.parametrize("path,expected", [
    ("/home/a%ib", "must not contain %"), ("/home/a%%b", "must not contain %"), ("/home/a b", "spaces"),
    ("/home/a\\x2db", "backslashes"), ("/home/a\nWhere=/etc", "control character"), ("/home/a\"b", "quotes"),
    ("/home//a", "normal form (write it as /home/a)"), ("/home/./a", "normal form"), ("home/a", "absolute"),
    ("/home/../etc", "'..'"), ("/home/a*", "wildcards")])
def test_chroot_paths_that_break_a_unit_are_refused(path, expected):
    problem = sftp_host.chroot_path_problem(path)
    assert problem and expected in problem
    with pytest.raises(OpenSSHConfigError):
        sftp_host.mount_unit_text(path, path + "/dev/log")


def test_a_plain_chroot_path_is_accepted():
    assert sftp_host.chroot_path_problem("/srv/sftp/p-1/fred_2.x") is None


@needs_root
@pytest.mark.parametrize("home", ["home/a%nb", "home/a%%i", "home/a b", "home/a\\b"])
def test_a_home_from_passwd_that_would_break_the_unit_is_refused_before_anything_changes(base, home):
    home = os.path.join(base, home)
    os.makedirs(home)
    os.chown(home, 1, 1)
    message = refused_before_anything_changes(base, home)
    assert "users[0]" in message and "jail of daemon, its home directory in passwd" in message


@needs_root
def test_a_group_member_whose_name_would_break_the_unit_is_refused(base):
    """Members of a group come from /etc/group, not from the checked data."""
    root = os.path.join(base, "jails")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sftp_host.jail, "group_members", lambda name: ["daemon", "x%i"])
        patch.setattr(sftp_host, "_account", lambda name: sftp_host.jail.Account(name, 1, 1, "/nonexistent"))
        the_plan = sftp_host.plan(sftp.normalise(params(base, groups=[{"name": "daemon", "root": root}])))
    assert [j.account.name for j in the_plan.jails] == ["daemon"]
    assert list(the_plan.units) == [sftp_host.mount_unit_name(root + "/daemon/dev/log")]
    assert len(the_plan.problems) == 1 and "x%i" in the_plan.problems[0], the_plan.problems
