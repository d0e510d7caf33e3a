# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chroot preflight against every case of recipes/chrooted-sftp.md, built on a real file system.

Each case builds the recipe's tree (``/srv/c1/c2/fred``) under a fresh
root-owned 0755 directory in /run (sshd's rule checks every component up to
``/``, so the tree needs root-owned parents; /run is one, and under
lab/fresh.sh a private tmpfs). The expected verdicts are sshd's own, as the
recipe observed them on 8.4, 9.2 and 10.0, with the exact text sshd logs;
the Molecule scenario sftp_chroot repeats them against real logins.
"""

from __future__ import annotations

import errno
import os
import socket
import stat

import pytest

from conftest import root_owned_tmpdir

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import chroot, fileio
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.chroot import (
    FAIL,
    WARN,
    Account,
    Planned,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (chown, root-owned parents)")
FRED = 4242  # the SFTP account's uid (needs no passwd entry)
NOBODY = 65534


@pytest.fixture
def base():
    with root_owned_tmpdir("sshsuite-chroot-") as path:
        yield path


def make(path, mode=0o755, uid=0, gid=0):
    os.makedirs(path, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    return path


@pytest.fixture
def tree(base):
    """The recipe's tree: /srv/c1/c2/fred, all root:root 0755."""
    for part in ("srv", "srv/c1", "srv/c1/c2", "srv/c1/c2/fred"):
        make(os.path.join(base, part))
    return base


def jail_of(base):
    return os.path.join(base, "srv/c1/c2/fred")


# -- sshd's component list ------------------------------------------------------

def test_components_are_the_prefixes_sshd_checks_in_its_order():
    assert chroot.sshd_components("/srv/c1/c2/fred") == [
        ("/", False), ("/srv/", False), ("/srv/c1/", False), ("/srv/c1/c2/", False), ("/srv/c1/c2/fred", True)]


def test_a_trailing_slash_checks_the_last_directory_twice_as_sshd_does():
    assert chroot.sshd_components("/home/") == [("/", False), ("/home/", False), ("/home/", True)]


def test_relative_and_overlong_paths_are_refused_with_sshds_words():
    assert chroot.sshd_rule("srv/x").sshd_message == "chroot path does not begin at root"
    assert chroot.sshd_rule("/" + "a" * 4096).sshd_message == "chroot path too long"


# -- recipe §2: cases sshd accepts ----------------------------------------------

ACCEPTED = [
    ("root:root 0755", {"srv/c1/c2/fred": (0o755, 0, 0)}),
    ("root:fred 0750", {"srv/c1/c2/fred": (0o750, 0, FRED)}),
    ("root:fred 2755", {"srv/c1/c2/fred": (0o2755, 0, FRED)}),
    ("root 0711", {"srv/c1/c2/fred": (0o711, 0, 0)}),
    ("root 0700", {"srv/c1/c2/fred": (0o700, 0, 0)}),
    ("an upper component 0700", {"srv/c1": (0o700, 0, 0)}),
]


@needs_root
@pytest.mark.parametrize("name,modes", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_sshd_accepts(tree, name, modes):
    for part, (mode, uid, gid) in modes.items():
        make(os.path.join(tree, part), mode, uid, gid)
    assert chroot.sshd_rule(jail_of(tree)) is None
    assert chroot.check_chroot(jail_of(tree)) == []


# -- recipe §2: cases sshd refuses, with the component and text it logs ------------

REFUSED = [
    ("chroot 0775 group root", {"srv/c1/c2/fred": (0o775, 0, 0)}, "srv/c1/c2/fred", "ownership"),
    ("chroot 0757", {"srv/c1/c2/fred": (0o757, 0, 0)}, "srv/c1/c2/fred", "ownership"),
    ("chroot 1777", {"srv/c1/c2/fred": (0o1777, 0, 0)}, "srv/c1/c2/fred", "ownership"),
    ("chroot owned by the user", {"srv/c1/c2/fred": (0o755, FRED, FRED)}, "srv/c1/c2/fred", "ownership"),
    ("chroot owned by nobody", {"srv/c1/c2/fred": (0o755, NOBODY, NOBODY)}, "srv/c1/c2/fred", "ownership"),
    ("intermediate 0775", {"srv/c1": (0o775, 0, 0)}, "srv/c1/", "ownership"),
    ("intermediate owned by the user", {"srv/c1": (0o755, FRED, 0)}, "srv/c1/", "ownership"),
    ("/srv 0777", {"srv": (0o777, 0, 0)}, "srv/", "ownership"),
]


@needs_root
@pytest.mark.parametrize("name,modes,component,rule", REFUSED, ids=[case[0] for case in REFUSED])
def test_sshd_refuses_naming_the_component(tree, name, modes, component, rule):
    for part, (mode, uid, gid) in modes.items():
        make(os.path.join(tree, part), mode, uid, gid)
    path = os.path.join(tree, component)
    found = chroot.sshd_rule(jail_of(tree))
    assert found is not None and found.level == FAIL and found.rule == rule
    assert found.component == path
    kind = "component " if component.endswith("/") else ""
    assert found.sshd_message == 'bad ownership or modes for chroot directory %s"%s"' % (kind, path)
    assert path in found.message
    # check_chroot reports sshd's refusal first and does not repeat it
    assert chroot.check_chroot(jail_of(tree)) == [found]


@needs_root
def test_missing_chroot_is_the_stat_error_sshd_logs(tree):
    os.rmdir(jail_of(tree))
    found = chroot.sshd_rule(jail_of(tree))
    assert found.rule == "not-found"
    assert found.sshd_message == 'safely_chroot: stat("%s"): No such file or directory' % jail_of(tree)


@needs_root
def test_a_regular_file_is_not_a_directory(tree):
    os.rmdir(jail_of(tree))
    with open(jail_of(tree), "w"):
        pass
    os.chmod(jail_of(tree), 0o644)
    found = chroot.sshd_rule(jail_of(tree))
    assert found.rule == "not-directory"
    assert found.sshd_message == 'chroot path "%s" is not a directory' % jail_of(tree)


@needs_root
def test_an_intermediate_regular_file_fails_at_its_stat_like_sshd(base):
    make(os.path.join(base, "srv"))
    with open(os.path.join(base, "srv", "c1"), "w"):
        pass
    found = chroot.sshd_rule(os.path.join(base, "srv/c1/c2/fred"))
    assert found.rule == "not-found"
    assert found.sshd_message.endswith('srv/c1/"): Not a directory')


# -- ACLs: the mask shows in the group bits, which is all sshd looks at -------------

def _acl_or_skip(path, entries):
    try:
        os.setxattr(path, "system.posix_acl_access", fileio.posix_acl(entries))
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.ENOTSUP):
            pytest.skip("no POSIX ACLs on this file system")
        raise


@needs_root
def test_acl_granting_the_user_write_is_refused(tree):
    path = jail_of(tree)
    _acl_or_skip(path, [(fileio.ACL_USER_OBJ, 0, 7), (fileio.ACL_USER, FRED, 7), (fileio.ACL_GROUP_OBJ, 0, 5),
                        (fileio.ACL_MASK, 0, 7), (fileio.ACL_OTHER, 0, 5)])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o775
    assert chroot.sshd_rule(path).rule == "ownership"


@needs_root
def test_acl_with_a_read_only_mask_is_accepted(tree):
    path = jail_of(tree)
    _acl_or_skip(path, [(fileio.ACL_USER_OBJ, 0, 7), (fileio.ACL_USER, FRED, 7), (fileio.ACL_GROUP_OBJ, 0, 5),
                        (fileio.ACL_MASK, 0, 5), (fileio.ACL_OTHER, 0, 5)])
    assert chroot.sshd_rule(path) is None


# -- symbolic links: what sshd follows, and the escape it does not see --------------

@needs_root
def test_a_user_owned_link_to_a_root_owned_directory_passes_with_a_warning(tree):
    target = make(os.path.join(tree, "srv/real"))
    os.rmdir(jail_of(tree))
    os.symlink(target, jail_of(tree))
    os.lchown(jail_of(tree), FRED, FRED)
    assert chroot.sshd_rule(jail_of(tree)) is None  # sshd: ok (the link's owner is ignored)
    findings = chroot.check_chroot(jail_of(tree))
    assert [(f.level, f.rule, f.component) for f in findings] == [(WARN, "symlink", jail_of(tree))]


@needs_root
def test_a_root_owned_link_passes_with_a_warning(tree):
    target = make(os.path.join(tree, "srv/c1/real"))
    os.rmdir(jail_of(tree))
    os.symlink("../real", jail_of(tree))  # relative: resolved from srv/c1/c2, the directory holding it
    assert chroot.sshd_rule(jail_of(tree)) is None
    findings = chroot.check_chroot(jail_of(tree))
    assert [f.level for f in findings] == [WARN]
    assert findings[0].message.endswith("but it moves if the link is changed")
    assert "the jail is %s," % target in findings[0].message


@needs_root
def test_the_escape_sshd_accepts_is_refused_naming_the_users_directory(tree):
    """Recipe §2 'Escape': /srv/c1/c2/fred -> /home/fredw/jail, /home/fredw owned by fred."""
    home = make(os.path.join(tree, "home"))
    fredw = make(os.path.join(home, "fredw"), 0o755, FRED, FRED)
    make(os.path.join(fredw, "jail"))
    os.rmdir(jail_of(tree))
    os.symlink(os.path.join(fredw, "jail"), jail_of(tree))
    assert chroot.sshd_rule(jail_of(tree)) is None  # sshd accepts the login
    findings = chroot.check_chroot(jail_of(tree))
    assert [(f.level, f.rule, f.component) for f in findings] == [(FAIL, "resolution", fredw)]
    assert "owned by uid %d" % FRED in findings[0].message
    assert "%s -> %s/jail" % (jail_of(tree), fredw) in findings[0].message
    # fred swaps the jail for / ... sshd still accepts, and the user would see the real root
    os.rename(os.path.join(fredw, "jail"), os.path.join(fredw, "old"))
    os.symlink("/", os.path.join(fredw, "jail"))
    assert chroot.sshd_rule(jail_of(tree)) is None
    assert os.path.realpath(jail_of(tree)) == "/"
    assert chroot.failures(chroot.check_chroot(jail_of(tree)))[0].component == fredw


@needs_root
def test_a_second_link_in_a_users_directory_is_found_although_realpath_is_clean(tree):
    """realpath(chroot) is root's alone, but the path passes a link fred can replace."""
    opt_jail = make(os.path.join(tree, "opt/jail"))
    make(os.path.join(tree, "opt"))
    fredw = make(os.path.join(tree, "home/fredw"), 0o755, FRED, FRED)
    os.symlink(opt_jail, os.path.join(fredw, "link"))
    os.rmdir(jail_of(tree))
    os.symlink(os.path.join(fredw, "link"), jail_of(tree))
    real = os.path.realpath(jail_of(tree))
    assert real == opt_jail
    assert chroot.sshd_rule(jail_of(tree)) is None
    assert chroot.resolution_rule(real) == []  # checking realpath() alone would pass it
    failed = chroot.failures(chroot.check_chroot(jail_of(tree)))
    assert [f.component for f in failed] == [fredw]


@needs_root
def test_a_link_loop_is_refused(tree):
    os.rmdir(jail_of(tree))
    os.symlink(jail_of(tree), jail_of(tree))
    findings = chroot.check_chroot(jail_of(tree))
    assert findings[0].rule == "not-found"  # sshd: stat(): Too many levels of symbolic links
    assert "Too many levels" in findings[0].sshd_message


# -- planned trees (what the layout module will create or fix) ------------------------

@needs_root
def test_planned_directories_stand_in_for_missing_or_wrong_ones(tree):
    os.chmod(jail_of(tree), 0o775)
    missing = os.path.join(tree, "srv/c9/fred")
    planned = {jail_of(tree): Planned(0, 0o750), os.path.join(tree, "srv/c9"): Planned(0, 0o755),
               missing: Planned(0, 0o750)}
    assert chroot.check_chroot(jail_of(tree), planned) == []
    assert chroot.check_chroot(missing, planned) == []
    # an unmanaged parent still counts as it is
    os.chmod(os.path.join(tree, "srv"), 0o775)
    assert chroot.check_chroot(missing, planned)[0].component == os.path.join(tree, "srv/")


@needs_root
def test_a_link_where_a_managed_directory_belongs_is_refused(tree):
    target = make(os.path.join(tree, "srv/real"))
    os.rmdir(jail_of(tree))
    os.symlink(target, jail_of(tree))
    findings = chroot.check_chroot(jail_of(tree), {jail_of(tree): Planned(0, 0o755)})
    assert [(f.level, f.rule, f.component) for f in findings] == [(FAIL, "managed-link", jail_of(tree))]


# -- tokens ---------------------------------------------------------------------------

FRED_ACCOUNT = Account("fred", FRED, FRED, "/home/fred")


def test_tokens_expand_as_sshd_expands_them():
    assert chroot.expand("/srv/%u", FRED_ACCOUNT) == "/srv/fred"
    assert chroot.expand("%h", FRED_ACCOUNT) == "/home/fred"
    assert chroot.expand("/srv/%U/100%%", FRED_ACCOUNT) == "/srv/4242/100%"
    assert chroot.expand("~/jail", FRED_ACCOUNT) == "/home/fred/jail"
    assert chroot.expand("~root/jail", FRED_ACCOUNT) == "/root/jail"
    assert chroot.expand("/%d/%u", FRED_ACCOUNT, tokens="duU") == "//home/fred/fred"


def test_an_unknown_token_is_an_error():
    with pytest.raises(OpenSSHConfigError, match="unknown token %x"):
        chroot.expand("/srv/%x", FRED_ACCOUNT)
    with pytest.raises(OpenSSHConfigError, match="unknown token %d"):
        chroot.expand("/srv/%d", FRED_ACCOUNT)  # %d is internal-sftp's, not ChrootDirectory's


# -- inside the chroot ------------------------------------------------------------------

@needs_root
def test_start_directory_must_exist_inside_the_chroot(tree):
    assert chroot.check_start(jail_of(tree), "/upload").rule == "start-directory"
    make(os.path.join(jail_of(tree), "upload"), 0o750, FRED, FRED)
    assert chroot.check_start(jail_of(tree), "/upload") is None


@needs_root
def test_dev_log_must_be_a_socket(tree):
    dev = make(os.path.join(jail_of(tree), "dev"))
    assert chroot.check_dev_log(jail_of(tree)).level == WARN
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        server.bind(os.path.join(dev, "log"))
        assert chroot.check_dev_log(jail_of(tree)) is None
    finally:
        server.close()


def test_internal_sftp_flags_are_read_from_the_command_line():
    assert chroot.parse_internal_sftp("internal-sftp -d /%u -u 0027 -R -P setstat,fsetstat") == {
        "d": "/%u", "u": "0027", "R": "", "P": "setstat,fsetstat"}
    assert chroot.parse_internal_sftp("internal-sftp -d/%u -u0027 -lINFO -fAUTH -R -Psetstat") == {
        "d": "/%u", "u": "0027", "l": "INFO", "f": "AUTH", "R": "", "P": "setstat"}


def test_words_after_the_ninth_are_dropped_as_sshd_drops_them():
    """session.c keeps ARGV_MAX - 1 = 9 words (8.4p1, 9.2p1, 10.0p2); observed: -R after -f AUTH is lost."""
    command = "internal-sftp -d /upload -u 0022 -l INFO -f AUTH -R"
    assert chroot.internal_sftp_words(command) == (command.split()[:9], ["-R"])
    assert "R" not in chroot.parse_internal_sftp(command)
    # -R first: the cut leaves -f without its argument (internal-sftp then ends the session)
    assert chroot.parse_internal_sftp("internal-sftp -R -d /upload -u 0022 -l INFO -f AUTH")["f"] == ""
    assert chroot.parse_internal_sftp("internal-sftp -lVERBOSE") == {"l": "VERBOSE"}
    assert chroot.parse_internal_sftp("/usr/lib/openssh/sftp-server") is None
    assert chroot.parse_internal_sftp(None) is None


@needs_root
def test_check_session_warns_about_flags_forcecommand_ignores(tree):
    account = Account("fred", FRED, FRED, "/home/fred")
    make(os.path.join(jail_of(tree), "upload"), 0o750, FRED, FRED)
    pattern = os.path.join(tree, "srv/c1/c2/%u")
    path, findings = chroot.check_session(account, pattern, "internal-sftp -d /upload",
                                          subsystem="internal-sftp -l VERBOSE -u 0077")
    assert path == jail_of(tree)
    assert [(f.rule, f.level) for f in findings] == [("flags", WARN)]
    assert "-l, -u" in findings[0].message
    _unused, findings = chroot.check_session(account, pattern, "internal-sftp -d /missing -l INFO")
    assert sorted(f.rule for f in findings) == ["dev-log", "start-directory"]
    _unused, findings = chroot.check_session(account, pattern, "internal-sftp -d /upload -u 0022 -l ERROR -f AUTH -R")
    assert [(f.rule, f.level) for f in findings] == [("flags", FAIL)]
    assert "drops '-R'" in findings[0].message
    assert chroot.check_session(account, "none", "internal-sftp") == (None, [])
