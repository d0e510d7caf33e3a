# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chrooted SFTP-only accounts: the data, its checks, and what it asks of sshd.

Pure Python (no host access): the action plugin runs ``normalise`` on the
controller, so bad data fails before anything is sent; the module runs it
again on the host and then hands the blocks to sftp_host.py.

A *block* is one group of SFTP-only accounts (``Match Group``) or one account
(``Match User``) with its layout and internal-sftp settings. The layouts:

``per_user``  ChrootDirectory ``<root>/%u``: every account has its own jail
              (root-owned), with writable directories inside it owned by the
              account; the session starts in the first one.
``shared``    ChrootDirectory ``<root>``: one jail for the block (root 0711, so
              ``ls /`` is refused), a private directory ``<root>/<account>``
              (0700) per account where the session starts (``-d /%u``), and
              directories shared by a group (setgid, optionally a default ACL).
``home``      ChrootDirectory ``%h``: the account's home directory is the jail
              (made root-owned) with writable directories inside it.

What sshd gets (``contribution``): one Match block per block with
``ForceCommand internal-sftp`` carrying every flag on that line (flags on the
Subsystem line are ignored under ForceCommand), forwarding, PTY, tunnels, X11
and agent forwarding off, ChrootDirectory and the central AuthorizedKeysFile;
with ``addresses``, the block matches only those sources and a second block
denies the rest. The global ``Subsystem sftp`` is replaced (never a second
line: 8.4 and 9.2 refuse to start with two).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import chroot, text
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import version as ver
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)

LAYOUTS = ("per_user", "shared", "home")
#: internal-sftp -l (log.c log_levels[]).
LOG_LEVELS = ("QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3")
#: internal-sftp -f (log.c log_facilities[]; AUTHPRIV where the C library has it, as on Linux).
LOG_FACILITIES = ("DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4",
                  "LOCAL5", "LOCAL6", "LOCAL7")
#: request names of -P / -p (``sftp-server -Q requests``): 8.4, plus those 9.2 and 10.0 add.
REQUESTS_8_4 = ("open", "close", "read", "write", "lstat", "fstat", "setstat", "fsetstat", "opendir", "readdir",
                "remove", "mkdir", "rmdir", "realpath", "stat", "rename", "readlink", "symlink", "posix-rename",
                "statvfs", "fstatvfs", "hardlink", "fsync", "lsetstat")
REQUESTS_9_2 = REQUESTS_8_4 + ("limits", "expand-path", "copy-data", "home-directory", "users-groups-by-id")
REQUESTS = REQUESTS_9_2

#: Directory names the layouts use themselves.
RESERVED = ("dev",)

# Debian's NAME_REGEX, and no more than 32 bytes: names go into Match patterns
# (where * ? ! , are special), paths, useradd and systemd unit names.
_ACCOUNT_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")
_DIRECTORY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\Z")
_START_PART_RE = re.compile(r"^(%u|[A-Za-z0-9_][A-Za-z0-9._-]*)\Z")
_MODE_RE = re.compile(r"^0?[0-7]{4}\Z")
_ADDRESS_PATTERN_RE = re.compile(r"^[0-9A-Fa-f.:*?]+\Z")

#: Settings every block gets: everything but the SFTP channel is off.
LOCKED_DOWN = {
    "DisableForwarding": True,
    "AllowTcpForwarding": "no",
    "AllowStreamLocalForwarding": "no",
    "AllowAgentForwarding": False,
    "X11Forwarding": False,
    "PermitTTY": False,
    "PermitTunnel": "no",
}

# The module's (and the role's) options of one block; the argument spec and
# the checks below are written from this one table.
BLOCK_OPTIONS: Dict[str, Dict[str, Any]] = dict(
    name=dict(type="str", required=True),
    layout=dict(type="str", choices=list(LAYOUTS), default="per_user"),
    root=dict(type="str"),
    writable=dict(type="list", elements="str"),
    writable_mode=dict(type="str", default="0750"),
    start=dict(type="str"),
    read_only=dict(type="bool", default=False),
    umask=dict(type="str", default="0022"),
    log_level=dict(type="str", default="INFO"),
    log_facility=dict(type="str", default="AUTH"),
    allowed_requests=dict(type="list", elements="str", default=[]),
    denied_requests=dict(type="list", elements="str", default=[]),
    addresses=dict(type="list", elements="str", default=[]),
    shared=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        group=dict(type="str"),
        mode=dict(type="str", default="2770"),
        acl=dict(type="bool", default=False),
    )),
    dev_log=dict(type="bool", default=True),
)
GROUP_OPTIONS = dict(BLOCK_OPTIONS, members=dict(type="list", elements="str", default=[]))

ARGUMENT_SPEC: Dict[str, Any] = dict(
    groups=dict(type="list", elements="dict", default=[], options=GROUP_OPTIONS),
    users=dict(type="list", elements="dict", default=[], options=BLOCK_OPTIONS),
    create_accounts=dict(type="bool", default=True),
    account_shell=dict(type="str", default="/usr/sbin/nologin"),
    authorized_keys_file=dict(type="str", default="/etc/ssh/authorized_keys/%u"),
    subsystem=dict(type="str", default="internal-sftp"),
)


class Shared(NamedTuple):
    name: str
    group: str
    mode: int
    acl: bool


class Block(NamedTuple):
    """One normalised block (see the module documentation for each field)."""

    kind: str            # "group" or "user"
    name: str            # the group, or the account
    where: str           # e.g. "sftp_groups[0] (partners)"
    members: Tuple[str, ...]   # declared accounts (a user block: the account itself)
    layout: str
    root: str
    writable: Tuple[str, ...]
    writable_mode: int
    start: str           # -d argument, absolute inside the chroot ("" = none)
    read_only: bool
    umask: str
    log_level: str
    log_facility: str
    allowed_requests: Tuple[str, ...]
    denied_requests: Tuple[str, ...]
    addresses: Tuple[str, ...]
    shared: Tuple[Shared, ...]
    dev_log: bool

    @property
    def chroot_pattern(self) -> str:
        """ChrootDirectory as written to sshd_config (tokens unexpanded)."""
        if self.layout == "per_user":
            return self.root.rstrip("/") + "/%u"
        if self.layout == "shared":
            return self.root
        return "%h"

    @property
    def criteria_name(self) -> str:
        return "Group" if self.kind == "group" else "User"


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def check_account_name(name: Any, where: str, what: str = "account name") -> str:
    """A user or group name that is safe in a Match pattern, a path, useradd and a unit name."""
    if not isinstance(name, str):
        raise OpenSSHConfigError("%s must be a string" % what, where)
    text.check_text(name, where, what)
    if not _ACCOUNT_RE.match(name):
        raise OpenSSHConfigError(
            "%s %r is not a portable name (lower-case letters, digits, _ and -, starting with a letter or _, "
            "at most 32 characters); Match patterns give * ? ! and , a meaning of their own" % (what, name), where)
    return name


def parse_mode(value: Any, where: str, what: str = "mode") -> int:
    """``"0750"`` -> 0o750. Strings only: YAML reads an unquoted 0750 as 488 and 750 as 750 decimal."""
    if not isinstance(value, str) or not _MODE_RE.match(value):
        raise OpenSSHConfigError(
            "%s must be a quoted octal string such as '0750', got %r (quote it in YAML)" % (what, value), where)
    return int(value, 8)


def _check_directory_name(name: Any, where: str) -> str:
    if not isinstance(name, str):
        raise OpenSSHConfigError("a directory name must be a string", where)
    text.check_text(name, where, "directory name")
    if not _DIRECTORY_RE.match(name) or name in (".", ".."):
        raise OpenSSHConfigError("%r must be one plain directory name (letters, digits, . _ -; no /)" % name, where)
    if name in RESERVED:
        raise OpenSSHConfigError("%r is used by the layout itself (CHROOT/dev/log)" % name, where)
    return name


def _check_start(value: str, where: str) -> str:
    text.check_text(value, where, "start directory")
    parts = [part for part in value.strip("/").split("/") if part]
    for part in parts:
        if not _START_PART_RE.match(part) or part in (".", ".."):
            raise OpenSSHConfigError(
                "start %r: each part is a plain name or %%u (a path inside the chroot, no spaces or quotes)"
                % value, where)
    return "/" + "/".join(parts) if parts else ""


def _check_address(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise OpenSSHConfigError("an address must be a non-empty string", where)
    text.check_text(value, where, "address")
    if value.startswith("!"):
        raise OpenSSHConfigError("list only the addresses that may connect; the others are denied for you "
                                 "(%r starts with !)" % value, where)
    if "/" in value:
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise OpenSSHConfigError("%r is not a network in CIDR form: %s" % (value, exc), where)
        return value
    if any(char in value for char in "*?"):
        if not _ADDRESS_PATTERN_RE.match(value):
            raise OpenSSHConfigError("%r is not an address pattern" % value, where)
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise OpenSSHConfigError("%r is not an IP address, a CIDR network or an address pattern with * or ?"
                                 % value, where)
    return value


def _choice(value: Any, choices: Sequence[str], where: str, what: str) -> str:
    if not isinstance(value, str) or value.upper() not in choices:
        raise OpenSSHConfigError("%s must be one of %s, got %r" % (what, ", ".join(choices), value), where)
    return value.upper()


def _requests(values: Any, where: str, problems: Problems) -> Tuple[str, ...]:
    result = []
    for index, value in enumerate(values or []):
        if not isinstance(value, str) or value not in REQUESTS:
            problems.add("%r is not an SFTP request name (sftp-server -Q requests: %s)"
                         % (value, ", ".join(REQUESTS)), "%s[%d]" % (where, index))
            continue
        result.append(value)
    return tuple(result)


def _block(item: Mapping[str, Any], kind: str, where: str, problems: Problems) -> Optional[Block]:
    item = dict(item)
    for key, spec in (GROUP_OPTIONS if kind == "group" else BLOCK_OPTIONS).items():
        if item.get(key) is None and "default" in spec:
            item[key] = spec["default"]
    unknown = sorted(set(item) - set(GROUP_OPTIONS if kind == "group" else BLOCK_OPTIONS))
    if unknown:
        problems.add("unknown option%s %s" % ("s" if len(unknown) > 1 else "", ", ".join(unknown)), where)
    try:
        name = check_account_name(item.get("name"), where + ".name", "group name" if kind == "group" else "account name")
    except OpenSSHConfigError as exc:
        problems.append(exc)
        return None
    where = "%s (%s)" % (where, name)
    before = len(problems)

    def run(check, *args):
        try:
            return check(*args)
        except OpenSSHConfigError as exc:
            problems.append(exc)
            return None

    layout = item.get("layout") or "per_user"
    if layout not in LAYOUTS:
        problems.add("layout must be one of %s" % ", ".join(LAYOUTS), where + ".layout")
    root = item.get("root")
    if root in (None, ""):
        if layout == "home":
            root = "/home"
        else:
            problems.add("root is required for the %s layout (the directory that holds the chroot%s)"
                         % (layout, "s" if layout == "per_user" else ""), where + ".root")
            root = "/"
    else:
        run(text.check_path, root, where + ".root", "root")
        if isinstance(root, str) and "%" in root:
            problems.add("root %r must be a plain path (the layout adds the tokens)" % root, where + ".root")
        if isinstance(root, str) and root.rstrip("/") == "":
            problems.add("root cannot be / (a jail needs its own directory)", where + ".root")
    root = root.rstrip("/") if isinstance(root, str) else "/"

    writable = item.get("writable")
    if writable is None:
        writable = [] if layout == "shared" else ["upload"]
    if layout == "shared" and writable:
        problems.add("the shared layout gives each account its own writable directory <root>/<account>; "
                     "writable directories are for the per_user and home layouts", where + ".writable")
    names = []
    for index, value in enumerate(writable):
        checked = run(_check_directory_name, value, "%s.writable[%d]" % (where, index))
        if checked:
            names.append(checked)
    writable_mode = run(parse_mode, item.get("writable_mode"), where + ".writable_mode", "writable_mode") or 0o750
    if writable_mode & 0o7022:
        problems.add("writable_mode %04o would let others than the account write (or set special bits); "
                     "directories shared by a group are declared under shared" % writable_mode,
                     where + ".writable_mode")

    start = item.get("start")
    if start is None:
        if layout == "shared":
            start = "/%u"
        else:
            start = "/" + names[0] if names else ""
    else:
        start = run(_check_start, start, where + ".start") or ""

    umask = item.get("umask")
    umask_value = run(parse_mode, umask, where + ".umask", "umask")
    if umask_value is not None and umask_value > 0o777:
        problems.add("umask %r has special bits" % umask, where + ".umask")
    shared = []
    if item.get("shared") and layout != "shared":
        problems.add("shared directories need the shared layout (one chroot that every member sees)",
                     where + ".shared")
    for index, entry in enumerate(item.get("shared") or []):
        here = "%s.shared[%d]" % (where, index)
        if not isinstance(entry, Mapping):
            problems.add("expected a mapping with name, group, mode, acl", here)
            continue
        extra = sorted(set(entry) - {"name", "group", "mode", "acl"})
        if extra:
            problems.add("unknown option%s %s" % ("s" if len(extra) > 1 else "", ", ".join(extra)), here)
        shared_name = run(_check_directory_name, entry.get("name"), here + ".name")
        group = entry.get("group")
        if group in (None, ""):
            if kind != "group":
                problems.add("group is required for a shared directory of a single account", here + ".group")
            group = name
        else:
            run(check_account_name, group, here + ".group", "group name")
        mode = run(parse_mode, entry.get("mode") or "2770", here + ".mode", "mode")
        if mode is not None and mode & 0o007:
            problems.add("mode %04o gives others access to a shared directory; the jail's other members are "
                         "others too" % mode, here + ".mode")
        shared.append(Shared(shared_name or "", group, mode or 0o2770, bool(entry.get("acl"))))
    members = item.get("members") or []
    checked_members = []
    for index, member in enumerate(members):
        value = run(check_account_name, member, "%s.members[%d]" % (where, index))
        if value:
            checked_members.append(value)
    if kind == "user":
        checked_members = [name]
    for entry in shared:
        if entry.name in checked_members:
            problems.add("shared directory %r has the name of an account, whose private directory it would be"
                         % entry.name, where + ".shared")
    addresses = []
    for index, value in enumerate(item.get("addresses") or []):
        checked = run(_check_address, value, "%s.addresses[%d]" % (where, index))
        if checked:
            addresses.append(checked)
    log_level = run(_choice, item.get("log_level"), LOG_LEVELS, where + ".log_level", "log_level")
    log_facility = run(_choice, item.get("log_facility"), LOG_FACILITIES, where + ".log_facility", "log_facility")
    allowed = _requests(item.get("allowed_requests"), where + ".allowed_requests", problems)
    denied = _requests(item.get("denied_requests"), where + ".denied_requests", problems)
    if len(problems) > before:
        return None
    return Block(kind, name, where, tuple(checked_members), layout, root, tuple(names), writable_mode, start,
                 bool(item.get("read_only")), "%04o" % umask_value, log_level, log_facility, allowed, denied,
                 tuple(addresses), tuple(shared), bool(item.get("dev_log", True)))


def normalise(params: Mapping[str, Any], prefix: str = "sftp_") -> List[Block]:
    """Every block, checked; one OpenSSHConfigError lists every problem.

    ``prefix`` names the inventory variables in messages (``sftp_groups[0]``).
    Besides each block's own checks: an account or group declared twice, an
    account in blocks with different layouts or chroots, and two blocks whose
    chroots would overlap are errors (sshd would use the first matching
    block's ChrootDirectory and leave the other one's layout unused).
    """
    problems = Problems()
    blocks: List[Block] = []
    for kind, key in (("user", "users"), ("group", "groups")):
        items = params.get(key) or []
        if not isinstance(items, list):
            problems.add("expected a list", prefix + key)
            continue
        for index, item in enumerate(items):
            where = "%s%s[%d]" % (prefix, key, index)
            if not isinstance(item, Mapping):
                problems.add("expected a mapping", where)
                continue
            block = _block(item, kind, where, problems)
            if block is not None:
                blocks.append(block)
    seen: Dict[Tuple[str, str], str] = {}
    chroot_of: Dict[str, Tuple[str, str]] = {}
    for block in blocks:
        key = (block.kind, block.name)
        if key in seen:
            problems.add("%s %s is declared twice (also %s)" % (block.kind, block.name, seen[key]), block.where)
        seen[key] = block.where
        for member in block.members:
            if member in chroot_of and chroot_of[member][0] != block.chroot_pattern:
                problems.add("%s is declared in %s with ChrootDirectory %s and here with %s: sshd would use "
                             "only the first matching block" % (member, chroot_of[member][1],
                                                                chroot_of[member][0], block.chroot_pattern),
                             block.where)
            chroot_of.setdefault(member, (block.chroot_pattern, block.where))
    jails = [block for block in blocks if block.layout != "home"]
    for index, block in enumerate(jails):
        for other in jails[index + 1:]:
            if block.root == other.root:
                if block.layout == other.layout == "shared":
                    continue  # one jail shared by two blocks (e.g. two teams under /var/www)
                problems.add("root %s is also the root of %s: a per_user root holds nothing but the accounts' "
                             "jails" % (block.root, other.where), block.where)
            for inner, outer in ((block, other), (other, block)):
                if inner.root.startswith(outer.root + "/"):
                    problems.add("root %s lies inside %s's root %s: one jail inside another"
                                 % (inner.root, outer.where, outer.root), inner.where)
    for name in ("create_accounts",):
        if params.get(name) not in (None, True, False):
            problems.add("expected true or false", prefix + name)
    for name in ("account_shell",):
        if params.get(name):
            try:
                text.check_path(params[name], prefix + name, name)
            except OpenSSHConfigError as exc:
                problems.append(exc)
    if params.get("authorized_keys_file"):
        try:
            text.check_path(params["authorized_keys_file"], prefix + "authorized_keys_file", "authorized_keys_file")
        except OpenSSHConfigError as exc:
            problems.append(exc)
    subsystem = params.get("subsystem")
    if subsystem not in (None, ""):
        try:
            text.check_text(subsystem, prefix + "subsystem", "subsystem")
        except OpenSSHConfigError as exc:
            problems.append(exc)
    problems.raise_if_any()
    return blocks


# ---------------------------------------------------------------------------
# What sshd gets
# ---------------------------------------------------------------------------

def force_command(block: Block) -> str:
    """``internal-sftp`` with every flag of the block, in a fixed order, arguments attached.

    sshd splits ForceCommand at spaces and passes only the first 9 words to
    internal-sftp: ``internal-sftp -d /upload -u 0027 -l INFO -f AUTH -R``
    (10 words) loses ``-R`` silently, and with ``-P list`` after it the
    session is not read-only and chmod is not refused. With each argument
    attached (``-u0027``, getopt reads both forms) every flag fits: at most 8 words.
    """
    words = ["internal-sftp"]
    if block.start:
        words.append("-d" + block.start)
    words += ["-u" + block.umask, "-l" + block.log_level, "-f" + block.log_facility]
    if block.read_only:
        words.append("-R")
    if block.denied_requests:
        words.append("-P" + ",".join(block.denied_requests))
    if block.allowed_requests:
        words.append("-p" + ",".join(block.allowed_requests))
    command = " ".join(words)
    if chroot.internal_sftp_words(command)[1]:  # cannot happen with the flags above; never write a cut line
        raise OpenSSHConfigError("ForceCommand %s has more words than sshd passes to internal-sftp (%d)"
                                 % (command, chroot.INTERNAL_SFTP_MAX_WORDS), block.where)
    return command


def match_blocks(block: Block, authorized_keys_file: str = "") -> List[Dict[str, Any]]:
    """The Match blocks of one block, in the sshd role's format."""
    settings: Dict[str, Any] = {"ChrootDirectory": block.chroot_pattern, "ForceCommand": force_command(block)}
    settings.update(LOCKED_DOWN)
    if authorized_keys_file:
        settings["AuthorizedKeysFile"] = authorized_keys_file
    criteria: Dict[str, Any] = {block.criteria_name: block.name}
    result = []
    if block.addresses:
        criteria["Address"] = list(block.addresses)
        result.append({"criteria": criteria, "settings": settings})
        denied = {block.criteria_name: block.name, "Address": ["*"] + ["!" + a for a in block.addresses]}
        result.append({"criteria": denied,
                       "settings": {"DenyGroups" if block.kind == "group" else "DenyUsers": block.name}})
    else:
        result.append({"criteria": criteria, "settings": settings})
    return result


def contribution(blocks: Sequence[Block], authorized_keys_file: str = "", subsystem: str = "internal-sftp"
                 ) -> Dict[str, Any]:
    """``sshd_contribution_sftp``: account blocks first (their values win: sshd keeps the first), then groups."""
    ordered = [b for b in blocks if b.kind == "user"] + [b for b in blocks if b.kind == "group"]
    match: List[Dict[str, Any]] = []
    for block in ordered:
        match += match_blocks(block, authorized_keys_file)
    settings: Dict[str, Any] = {}
    if subsystem:
        settings["Subsystem"] = {"sftp": subsystem}
    return {"settings": settings, "match": match}


def journal_identifiers(version: str) -> List[str]:
    """syslog identifiers of the lines that show SFTP sessions: sshd's split (9.8) renamed the session's."""
    return ["internal-sftp", "sshd-session" if ver.at_least(version, "9.8") else "sshd"]
