# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sftp module on the host: accounts, the layout, /dev/log in every chroot, the preflight.

One pass, in an order that keeps the promise "refused means nothing changed":

1. ``plan``: who each block selects (declared accounts, and every member of
   a group, by supplementary *and* primary group, as sshd's Match Group
   does), the directories each chroot needs with owner and mode, the mount
   units. Nothing is written. A symbolic link or a non-directory where the
   layout manages a directory is a problem of the plan.
2. The preflight (chroot.py) on the *planned* tree: every component of every
   chroot, with sshd's rule and the resolution rule; managed directories
   count with their planned owner and mode. Any failure stops the run here,
   before an account or a directory is created.
3. Accounts (groupadd / useradd / usermod -a -G), the layout through
   fileio.Directory (each managed directory opened from its parent's
   descriptor with O_NOFOLLOW, owner and mode set on the descriptor, nothing
   ever created inside a directory an account owns), the mount units.
4. The preflight again, on the real tree, plus each start directory and each
   ``CHROOT/dev/log`` socket.

``/dev/log`` inside a chroot is a bind mount of journald's socket, made by a
systemd .mount unit that requires ``systemd-journald-dev-log.socket`` and is
wanted by it (so a restarted socket brings the mount back) and by
multi-user.target (so it is there after a reboot): the combination the
recipe verified on systemd 247, 252 and 257. The mount point is created as
an empty file first (systemd 247 would make a directory).
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    chroot as jail,
    guard,
    fileio,
    sftp,
    text,
    version as ver,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    ApplyFailed,
    OpenSSHConfigError,
)

Runner = Callable[[List[str]], Tuple[int, str, str]]

UNIT_DIR = "/etc/systemd/system"
UNIT_HEADER = "# Managed by sshsuite.openssh.sftp"
JOURNAL_SOCKET = "/run/systemd/journal/dev-log"
JOURNAL_SOCKET_UNIT = "systemd-journald-dev-log.socket"
SYSTEMD_RUNNING = "/run/systemd/system"  # exists when systemd is PID 1 (sd_booted())
UNKNOWN = -1  # uid/gid of an account that does not exist yet

BASE_MODE = {"per_user": 0o755, "shared": 0o711}
JAIL_MODE = 0o750          # per_user and home: root:<account's group>
PRIVATE_MODE = 0o700       # shared: <root>/<account>, owned by the account
DEV_MODE = 0o755


# ---------------------------------------------------------------------------
# systemd
# ---------------------------------------------------------------------------

_UNIT_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.")


def systemd_escape_path(path: str) -> str:
    """``systemd-escape --path``: ``/srv/sftp/a-b/dev/log`` -> ``srv-sftp-a\\x2db-dev-log``."""
    parts = [part for part in path.split("/") if part]
    if not parts:
        return "-"
    out = []
    for index, char in enumerate("/".join(parts)):
        if char == "/":
            out.append("-")
        elif char in _UNIT_SAFE and not (index == 0 and char == "."):
            out.append(char)
        else:
            out.extend("\\x%02x" % byte for byte in char.encode("utf-8"))
    return "".join(out)


def mount_unit_name(where: str) -> str:
    return systemd_escape_path(where) + ".mount"


def mount_unit_text(chroot: str, where: str) -> str:
    return "\n".join([
        "%s: /dev/log inside the SFTP chroot %s" % (UNIT_HEADER, chroot),
        "# (a bind mount of journald's socket; it follows the socket when that is restarted)",
        "[Unit]",
        "Description=/dev/log in the SFTP chroot %s" % chroot,
        "Requires=%s" % JOURNAL_SOCKET_UNIT,
        "After=%s" % JOURNAL_SOCKET_UNIT,
        "Before=ssh.service sshd.service",
        "",
        "[Mount]",
        "What=%s" % JOURNAL_SOCKET,
        "Where=%s" % where,
        "Type=none",
        "Options=bind",
        "",
        "[Install]",
        "WantedBy=multi-user.target %s" % JOURNAL_SOCKET_UNIT,
        "",
    ])


def unit_states(run: Runner, units: Sequence[str]) -> Dict[str, Dict[str, str]]:
    """``systemctl show`` of each unit: {unit: {LoadState, ActiveState, UnitFileState}} (read-only)."""
    if not units:
        return {}
    rc, out, err = run(["systemctl", "show", "--property=Id,LoadState,ActiveState,UnitFileState", "--"]
                       + list(units))
    if rc != 0:
        raise OpenSSHConfigError("systemctl show failed: %s" % (err or out).strip())
    states: Dict[str, Dict[str, str]] = {}
    blocks = [block for block in out.split("\n\n") if block.strip()]
    for unit, block in zip(units, blocks):
        values = {}
        for line in text.split_lines(block):
            key, _unused, value = line.partition("=")
            values[key.strip()] = value.strip()
        states[unit] = values
    return states


def _systemctl(run: Runner, *args: str) -> None:
    rc, out, err = run(["systemctl"] + list(args))
    if rc != 0:
        raise OpenSSHConfigError("systemctl %s failed: %s" % (" ".join(args), (err or out).strip()))


# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------

def _account(name: str) -> Optional[jail.Account]:
    try:
        return jail.Account.lookup(name)
    except KeyError:
        return None


def _gid(name: str) -> Optional[int]:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def _home_for(block: sftp.Block, name: str) -> str:
    return block.root + "/" + name


class AccountAction(NamedTuple):
    argv: List[str]
    message: str


def plan_accounts(blocks: Sequence[sftp.Block], create: bool, shell: str) -> Tuple[List[AccountAction], List[str]]:
    """The groupadd/useradd/usermod commands the data needs, and problems (missing names when not creating)."""
    actions: List[AccountAction] = []
    problems: List[str] = []
    groups_made = set()

    def need_group(name: str, where: str) -> None:
        if _gid(name) is not None or name in groups_made:
            return
        if not create:
            problems.append("%s: group %s does not exist (create_accounts is false)" % (where, name))
            return
        groups_made.add(name)
        actions.append(AccountAction(["groupadd", "--", name], "create group %s" % name))

    users_made = set()
    for block in blocks:
        if block.kind == "group":
            need_group(block.name, block.where)
        for entry in block.shared:
            need_group(entry.group, block.where + ".shared")
        for member in block.members:
            account = _account(member)
            if account is None:
                if member in users_made:
                    continue
                if not create:
                    problems.append("%s: account %s does not exist (create_accounts is false)" % (block.where, member))
                    continue
                users_made.add(member)
                argv = ["useradd", "--home-dir", _home_for(block, member), "--no-create-home",
                        "--shell", shell, "--user-group"]
                if block.kind == "group":
                    argv += ["--groups", block.name]
                actions.append(AccountAction(argv + ["--", member], "create account %s (home %s, shell %s)"
                                             % (member, _home_for(block, member), shell)))
            elif block.kind == "group" and member not in jail.group_members(block.name):
                if not create:
                    problems.append("%s: %s is not a member of %s (create_accounts is false)"
                                    % (block.where, member, block.name))
                    continue
                actions.append(AccountAction(["usermod", "--append", "--groups", block.name, "--", member],
                                             "add %s to group %s" % (member, block.name)))
    return actions, problems


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------

class Entry(NamedTuple):
    """One managed object: a directory, or the /dev/log mount point (kind "mountpoint")."""

    path: str
    uid: int
    gid: int
    mode: int
    kind: str = "dir"
    acl_access: Optional[bytes] = None
    acl_default: Optional[bytes] = None
    owner: str = ""     # names for reports
    group: str = ""


class Jail(NamedTuple):
    account: jail.Account
    block: sftp.Block
    chroot: str


class Plan(NamedTuple):
    jails: List[Jail]
    anchors: List[str]          # existing-or-created parents the managed trees hang from
    created_parents: List[str]  # anchors (and their parents) that do not exist yet
    entries: List[Entry]        # parents before children
    units: Dict[str, Tuple[str, str]]  # unit name -> (chroot, where)
    problems: List[str]


def _shared_acl(gid: int, mode: int) -> bytes:
    owner, group, other = (mode >> 6) & 7, (mode >> 3) & 7, mode & 7
    return fileio.posix_acl([(fileio.ACL_USER_OBJ, 0, owner), (fileio.ACL_GROUP_OBJ, 0, group),
                             (fileio.ACL_GROUP, gid, group), (fileio.ACL_MASK, 0, group),
                             (fileio.ACL_OTHER, 0, other)])


def _name_of_uid(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return str(uid)


def _name_of_gid(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except (KeyError, OverflowError):
        return str(gid)


def selected(blocks: Sequence[sftp.Block]) -> List[Tuple[jail.Account, sftp.Block]]:
    """(account, block) for every account a block selects; an account takes the first block in Match order."""
    ordered = [b for b in blocks if b.kind == "user"] + [b for b in blocks if b.kind == "group"]
    taken: Dict[str, sftp.Block] = {}
    result = []
    for block in ordered:
        names = list(block.members)
        if block.kind == "group":
            names += [name for name in jail.group_members(block.name) if name not in names]
        for name in names:
            if name in taken:
                continue
            taken[name] = block
            account = _account(name)
            if account is None:  # declared, not created yet (check mode, or before the account step)
                account = jail.Account(name, UNKNOWN, UNKNOWN, _home_for(block, name))
            result.append((account, block))
    return result


def plan(blocks: Sequence[sftp.Block]) -> Plan:
    jails: List[Jail] = []
    entries: Dict[str, Entry] = {}
    units: Dict[str, Tuple[str, str]] = {}
    problems: List[str] = []
    anchors: List[str] = []

    def add(entry: Entry) -> None:
        old = entries.get(entry.path)
        if old is not None and old[:5] != entry[:5]:
            problems.append("%s is wanted as %s %s:%s %04o and as %s:%s %04o by two blocks"
                            % (entry.path, entry.kind, entry.owner, entry.group, entry.mode,
                               old.owner, old.group, old.mode))
            return
        entries.setdefault(entry.path, entry)

    def anchor(path: str) -> None:
        parent = os.path.dirname(path)
        if parent not in anchors:
            anchors.append(parent)

    def dev_log(block: sftp.Block, chroot: str) -> None:
        if not block.dev_log:
            return
        add(Entry(chroot + "/dev", 0, 0, DEV_MODE, owner="root", group="root"))
        where = chroot + "/dev/log"
        add(Entry(where, 0, 0, 0o644, "mountpoint", owner="root", group="root"))
        units[mount_unit_name(where)] = (chroot, where)

    shared_done = set()
    for account, block in selected(blocks):
        if block.layout == "home":
            chroot = account.home.rstrip("/") or "/"
            if chroot == "/":
                problems.append("%s: %s's home directory is /, which cannot be a jail" % (block.where, account.name))
                continue
        elif block.layout == "per_user":
            chroot = block.root + "/" + account.name
        else:
            chroot = block.root
        jails.append(Jail(account, block, chroot))
        uid, gid = account.uid, account.gid
        gname = _name_of_gid(gid) if gid != UNKNOWN else account.name
        if block.layout in ("per_user", "shared"):
            anchor(block.root)
            add(Entry(block.root, 0, 0, BASE_MODE[block.layout], owner="root", group="root"))
        if block.layout in ("per_user", "home"):
            if block.layout == "home":
                anchor(chroot)
            add(Entry(chroot, 0, gid, JAIL_MODE, owner="root", group=gname))
            for name in block.writable:
                add(Entry(chroot + "/" + name, uid, gid, block.writable_mode, owner=account.name, group=gname))
            dev_log(block, chroot)
        else:
            add(Entry(chroot + "/" + account.name, uid, gid, PRIVATE_MODE, owner=account.name, group=gname))
            if block.root not in shared_done:
                shared_done.add(block.root)
                dev_log(block, chroot)
                for item in block.shared:
                    group_id = _gid(item.group)
                    group_id = UNKNOWN if group_id is None else group_id
                    acl = _shared_acl(group_id, item.mode) if item.acl and group_id != UNKNOWN else None
                    add(Entry(chroot + "/" + item.name, 0, group_id, item.mode, acl_access=acl, acl_default=acl,
                              owner="root", group=item.group))
    # shared layout: blocks without any selected account still get their jail and shared directories
    for block in blocks:
        if block.layout == "shared" and block.root not in shared_done:
            shared_done.add(block.root)
            anchor(block.root)
            add(Entry(block.root, 0, 0, BASE_MODE["shared"], owner="root", group="root"))
            dev_log(block, block.root)
            for item in block.shared:
                group_id = _gid(item.group)
                group_id = UNKNOWN if group_id is None else group_id
                acl = _shared_acl(group_id, item.mode) if item.acl and group_id != UNKNOWN else None
                add(Entry(block.root + "/" + item.name, 0, group_id, item.mode, acl_access=acl, acl_default=acl,
                          owner="root", group=item.group))

    created = []
    for path in anchors:
        while path != "/" and not os.path.lexists(path):
            if path not in created:
                created.append(path)
            path = os.path.dirname(path)
    ordered = sorted(entries.values(), key=lambda e: (e.path.count("/"), e.path))
    return Plan(jails, anchors, sorted(created, key=lambda p: p.count("/")), ordered, units, problems)


def _resolved_key(path: str) -> str:
    """``path`` with the links above it resolved (not a link at ``path`` itself): where the kernel
    looks its last name up once the missing parents exist."""
    head, last = os.path.split(path)
    missing = [last]
    while head != "/" and not os.path.lexists(head):
        head, tail = os.path.split(head)
        missing.insert(0, tail)
    return os.path.join(os.path.realpath(head), *missing)


def planned_tree(the_plan: Plan) -> Dict[str, jail.Planned]:
    """What the preflight assumes for managed directories and parents still to be created.

    Each is keyed by its literal path (sshd's rule stats literal prefixes) and
    by the path the kernel reaches it under when a link lies above it (the
    resolution rule walks resolved paths).
    """
    planned: Dict[str, jail.Planned] = {}

    def put(path: str, plan: jail.Planned) -> None:
        planned[path] = plan
        planned.setdefault(_resolved_key(path), plan)

    for path in the_plan.created_parents:
        put(path, jail.Planned(0, 0o755))
    for entry in the_plan.entries:
        if entry.kind == "dir":
            put(entry.path, jail.Planned(entry.uid, entry.mode))
    return planned


# ---------------------------------------------------------------------------
# Comparing with the host
# ---------------------------------------------------------------------------

def describe(info: Optional[os.stat_result]) -> str:
    if info is None:
        return "missing"
    kind = "d" if stat.S_ISDIR(info.st_mode) else "s" if stat.S_ISSOCK(info.st_mode) else \
        "l" if stat.S_ISLNK(info.st_mode) else "f" if stat.S_ISREG(info.st_mode) else "?"
    return "%s %04o %s:%s" % (kind, stat.S_IMODE(info.st_mode), _name_of_uid(info.st_uid), _name_of_gid(info.st_gid))


def _want(entry: Entry) -> str:
    if entry.kind == "mountpoint":
        return "s (a socket once mounted; an empty file before)"
    return "d %04o %s:%s%s" % (entry.mode, entry.owner, entry.group, " +acl" if entry.acl_access else "")


def _acl_of(path: str) -> Tuple[Optional[bytes], Optional[bytes]]:
    values = []
    for name in ("system.posix_acl_access", "system.posix_acl_default"):
        try:
            values.append(os.getxattr(path, name, follow_symlinks=False))
        except OSError:
            values.append(None)
    return values[0], values[1]


def differences(entries: Sequence[Entry]) -> Tuple[List[str], List[str], List[Tuple[str, str]]]:
    """(changes, problems, before/after lines) of the managed entries; lstat only, nothing followed."""
    changes: List[str] = []
    problems: List[str] = []
    lines: List[Tuple[str, str]] = []
    for entry in entries:
        info = fileio.file_stat(entry.path)
        lines.append(("%s %s" % (entry.path, describe(info)), "%s %s" % (entry.path, _want(entry))))
        if info is None:
            changes.append("create %s: %s" % (entry.path, _want(entry)))
            continue
        if stat.S_ISLNK(info.st_mode):
            kind = "directory" if entry.kind == "dir" else "file"
            problems.append("%s is a symbolic link (to %s) where the layout manages a %s; it never follows or "
                            "replaces a link it did not create" % (entry.path, os.readlink(entry.path), kind))
            continue
        if entry.kind == "mountpoint":
            if not (stat.S_ISSOCK(info.st_mode) or stat.S_ISREG(info.st_mode)):
                problems.append("%s is %s, not a socket or a mount point file" % (entry.path, describe(info)))
            continue
        if not stat.S_ISDIR(info.st_mode):
            problems.append("%s is %s where the layout needs a directory" % (entry.path, describe(info)))
            continue
        known = UNKNOWN not in (entry.uid, entry.gid)  # an account still to be created: mode only
        fixes = fileio.metadata_fixes(info, entry.uid if known else info.st_uid,
                                      entry.gid if known else info.st_gid, entry.mode)
        if entry.acl_access is not None and _acl_of(entry.path) != (entry.acl_access, entry.acl_default):
            fixes.append("ACL (group %s rwx, inherited)" % entry.group)
        if fixes:
            changes.append("fix %s: %s" % (entry.path, ", ".join(fixes)))
    return changes, problems, lines


# ---------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------

def apply_layout(the_plan: Plan) -> None:
    """Create and fix every managed entry, each through its parent's descriptor, links never followed.

    The anchors (parents of the managed trees) passed the preflight: every
    directory on the way to them is root's alone, so a link root made there
    (``/home -> /var/home``) cannot be changed by anyone else. Missing ones
    are created (root 0755), then each is resolved once and walked from /
    without following any link (Directory.walk), and must be root's and
    writable by nobody else.
    """
    open_dirs: Dict[str, fileio.Directory] = {}
    try:
        for anchor in the_plan.anchors:
            if anchor not in open_dirs:
                if not os.path.lexists(anchor):
                    os.makedirs(anchor, 0o755)
                directory = fileio.Directory.walk(os.path.realpath(anchor), (0,))
                directory.path = anchor
                open_dirs[anchor] = directory
        for entry in the_plan.entries:
            parent_path = os.path.dirname(entry.path)
            parent = open_dirs.get(parent_path)
            if parent is None:
                raise fileio.FileRefused("%s: its parent %s is not a managed directory" % (entry.path, parent_path),
                                         entry.path)
            name = os.path.basename(entry.path)
            if entry.kind == "mountpoint":
                if parent.lstat(name) is None:
                    parent.write(name, b"", 0, 0, 0o644)
                continue
            child = parent.child(name, create_mode=entry.mode, owner=(entry.uid, entry.gid))
            open_dirs[entry.path] = child
            child.set_own_metadata(entry.uid, entry.gid, entry.mode)
            if entry.acl_access is not None:
                child.set_own_acl(entry.acl_access, entry.acl_default)
            info = os.fstat(child.fd)
            if not stat.S_ISDIR(info.st_mode):
                raise fileio.FileRefused("%s is not a directory" % entry.path, entry.path)
    finally:
        for directory in open_dirs.values():
            directory.sync()
            directory.close()


def managed_units() -> Dict[str, str]:
    """Mount units this module wrote earlier: {unit name: path}."""
    found = {}
    try:
        names = sorted(os.listdir(UNIT_DIR))
    except FileNotFoundError:
        return found
    for name in names:
        if not name.endswith(".mount"):
            continue
        path = os.path.join(UNIT_DIR, name)
        try:
            data = fileio.read_file(path, owners=(0,), max_bytes=64 * 1024)
        except fileio.FileRefused:
            continue
        if data is not None and data.startswith(UNIT_HEADER.encode()):
            found[name] = path
    return found


def plan_units(the_plan: Plan, run: Runner) -> Tuple[Dict[str, str], List[str], List[str], List[str]]:
    """(unit files to write {path: text}, units to start, units to restart, stale units to remove)."""
    writes: Dict[str, str] = {}
    wanted = {}
    for name, (chroot, where) in sorted(the_plan.units.items()):
        body = mount_unit_text(chroot, where)
        path = os.path.join(UNIT_DIR, name)
        wanted[name] = path
        if fileio.read_file(path, owners=(0,), max_bytes=64 * 1024) != body.encode("utf-8"):
            writes[path] = body
    stale = sorted(set(managed_units()) - set(wanted))
    states = unit_states(run, sorted(wanted)) if wanted else {}
    start, restart = [], []
    for name, path in sorted(wanted.items()):
        state = states.get(name, {})
        if path in writes and state.get("ActiveState") == "active":
            restart.append(name)
        elif state.get("ActiveState") != "active" or state.get("UnitFileState") != "enabled":
            start.append(name)
    return writes, start, restart, stale


def apply_units(run: Runner, writes: Mapping[str, str], start: Sequence[str], restart: Sequence[str],
                stale: Sequence[str]) -> None:
    if stale:
        _systemctl(run, "disable", "--now", "--", *stale)
        for name in stale:
            fileio.remove_file(os.path.join(UNIT_DIR, name))
    for path, body in writes.items():
        fileio.write_file(path, body.encode("utf-8"), 0, 0, 0o644)
    if writes or stale:
        _systemctl(run, "daemon-reload")
    if start:
        _systemctl(run, "enable", "--now", "--", *start)
    if restart:
        _systemctl(run, "enable", "--", *restart)
        _systemctl(run, "restart", "--", *restart)


# ---------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------

def _format(findings: Sequence[jail.Finding], label: Mapping[str, str]) -> str:
    return "\n".join("  - %s%s" % (label.get(f.chroot, ""), f.message) for f in findings)


def _preflight(the_plan: Plan, planned: Optional[Mapping[str, jail.Planned]], inside: bool
               ) -> Tuple[List[Dict[str, Any]], List[jail.Finding], Dict[str, str]]:
    reports = []
    failed: List[jail.Finding] = []
    label: Dict[str, str] = {}
    done: Dict[str, List[jail.Finding]] = {}
    for item in the_plan.jails:
        if item.chroot not in done:
            done[item.chroot] = jail.check_chroot(item.chroot, planned)
        findings = list(done[item.chroot])
        if inside and not jail.failures(findings):
            if item.block.start:
                start = jail.expand(item.block.start, item.account, tokens="duU")
                found = jail.check_start(item.chroot, start)
                if found:
                    findings.append(found)
            if item.block.dev_log:
                found = jail.check_dev_log(item.chroot)
                if found:
                    findings.append(found._replace(level=jail.FAIL))
        label.setdefault(item.chroot, "%s (%s): " % (item.account.name, item.block.where))
        failed += [f for f in jail.failures(findings) if f not in failed]
        reports.append({"account": item.account.name, "block": item.block.where, "chroot": item.chroot,
                        "findings": [f.as_dict() for f in findings]})
    return reports, failed, label


def apply(params: Mapping[str, Any], run: Runner, check_mode: bool = False, want_diff: bool = False,
          backup: Any = None) -> Dict[str, Any]:
    blocks = sftp.normalise(params)
    warnings: List[str] = []
    result: Dict[str, Any] = {"changed": False}
    result["sshd_contribution"] = sftp.contribution(blocks, params.get("authorized_keys_file") or "",
                                                    params.get("subsystem") or "")
    rc, out, err = run(["ssh", "-V"])
    version, _unused = ver.parse_version((err or "") + "\n" + (out or ""))
    identifiers = sftp.journal_identifiers(version)
    result.update(version=version, log_identifiers=identifiers,
                  log_command="journalctl " + " ".join("-t " + name for name in identifiers))

    # 1. Plan, and refuse what the layout cannot safely do.
    actions, account_problems = plan_accounts(blocks, bool(params.get("create_accounts", True)),
                                              params.get("account_shell") or "/usr/sbin/nologin")
    the_plan = plan(blocks)
    changes, problems, lines = differences(the_plan.entries)
    problems = account_problems + the_plan.problems + problems
    if the_plan.units and not os.path.isdir(SYSTEMD_RUNNING):
        problems.append("dev_log needs systemd (a bind mount of %s in each chroot); this host does not run it: "
                        "set dev_log: false" % JOURNAL_SOCKET)

    # 2. The preflight on the planned tree (managed directories as they will be).
    reports, failed, label = _preflight(the_plan, planned_tree(the_plan), inside=False)
    result["chroots"] = reports
    named = {finding.component.rstrip("/") for finding in failed}
    problems = [p for p in problems if p.split(" ", 1)[0] not in named]
    if failed:
        raise ApplyFailed("the chroot preflight refused, nothing was changed (sshd would refuse these logins, or "
                          "the jail could be escaped):\n%s%s"
                          % (_format(failed, label), "".join("\n  - " + p for p in problems)), **result)
    if problems:
        raise OpenSSHConfigError("the SFTP layout cannot be applied, nothing was changed:\n%s"
                                 % "\n".join("  - " + p for p in problems))
    for report in reports:
        for finding in report["findings"]:
            if finding["level"] == jail.WARN:
                warnings.append("%s: %s" % (report["account"], finding["message"]))

    systemd = os.path.isdir(SYSTEMD_RUNNING)
    writes, start, restart, stale = plan_units(the_plan, run) if systemd else ({}, [], [], [])
    changes = [a.message for a in actions] + ["create parent directory %s (root 0755)" % p
                                              for p in the_plan.created_parents] + changes
    changes += ["write %s" % path for path in writes]
    changes += ["enable and start %s" % name for name in start] + ["restart %s" % name for name in restart]
    changes += ["remove %s (no chroot needs it any more)" % name for name in stale]
    result["changes"] = changes
    result["changed"] = bool(changes)
    result["accounts"] = sorted({item.account.name for item in the_plan.jails})
    result["mount_units"] = sorted(the_plan.units)
    if want_diff:
        result["diff"] = {"before": "\n".join(b for b, _unused in lines) + "\n",
                          "after": "\n".join(a for _unused, a in lines) + "\n",
                          "before_header": "SFTP layout", "after_header": "SFTP layout"}
    if check_mode or not changes:
        if not check_mode:
            reports, failed, label = _preflight(the_plan, None, inside=True)
            result["chroots"] = reports
            if failed:
                raise ApplyFailed("the chroot preflight found problems on the host:\n%s" % _format(failed, label),
                                  **result)
        result["warnings"] = warnings
        return result

    # 3. Apply: accounts, then (with their real ids) the layout, then the units.
    for action in actions:
        rc, out, err = run(action.argv)
        if rc != 0:
            raise ApplyFailed("%s failed: %s" % (" ".join(action.argv), (err or out).strip()), **result)
    if actions:
        the_plan = plan(blocks)
        _unused, problems, _unused = differences(the_plan.entries)
        if problems:
            raise ApplyFailed("after creating the accounts: %s" % "; ".join(problems), **result)
    apply_layout(the_plan)
    if writes or start or restart or stale:
        apply_units(run, writes, start, restart, stale)

    # 4. The preflight on the real tree, with the start directories and the sockets.
    reports, failed, label = _preflight(the_plan, None, inside=True)
    result["chroots"] = reports
    if failed:
        raise ApplyFailed("the layout was applied but the chroot check still fails (sshd_config was not "
                          "changed):\n%s" % _format(failed, label), **result)
    result["warnings"] = warnings
    return result


# ---------------------------------------------------------------------------
# The read-only preflight of a live (or candidate) sshd configuration
# ---------------------------------------------------------------------------

PREFLIGHT_SPEC: Dict[str, Any] = dict(
    users=dict(type="list", elements="str", default=[]),
    groups=dict(type="list", elements="str", default=[]),
    addresses=dict(type="list", elements="str", default=["127.0.0.1"]),
    config=dict(type="path", default="/etc/ssh/sshd_config"),
    fail_on=dict(type="str", choices=["fail", "warn", "never"], default="fail"),
)


def preflight_config(params: Mapping[str, Any], run: Runner, check_mode: bool = False, want_diff: bool = False,
                     backup: Any = None) -> Dict[str, Any]:
    """Ask sshd which chroot each account gets (``sshd -T -C``), and check it as sshd will at login.

    Every account named, and every member of every group named, is
    evaluated from every address given: the configuration "selects" the
    chroot through its Match blocks, whoever wrote them. Nothing changes.
    """
    names: List[str] = []
    for index, name in enumerate(params.get("users") or []):
        names.append(sftp.check_account_name(name, "users[%d]" % index))
    for index, group in enumerate(params.get("groups") or []):
        sftp.check_account_name(group, "groups[%d]" % index, "group name")
        if _gid(group) is None:
            raise OpenSSHConfigError("group %s does not exist" % group, "groups[%d]" % index)
        names += [name for name in jail.group_members(group) if name not in names]
    addresses = []
    for index, address in enumerate(params.get("addresses") or []):
        text.check_text(address, "addresses[%d]" % index, "address")
        addresses.append(address)
    config = params.get("config") or "/etc/ssh/sshd_config"
    text.check_path(config, "config")
    for name in names:
        if _account(name) is None:
            raise OpenSSHConfigError("account %s does not exist" % name, "users")
    results = guard.chroot_verdicts(run, config, names, addresses, create=not check_mode)
    worst = None
    for item in results:
        for finding in item["findings"]:
            if finding["level"] == jail.FAIL:
                worst = jail.FAIL
            elif worst is None:
                worst = jail.WARN
    result = {"changed": False, "results": results, "ok": worst != jail.FAIL}
    fail_on = params.get("fail_on") or "fail"
    if (fail_on == "fail" and worst == jail.FAIL) or (fail_on == "warn" and worst is not None):
        lines = ["  - %s from %s: %s" % (r["account"], r["address"], f["message"])
                 for r in results for f in r["findings"] if f["level"] == jail.FAIL or fail_on == "warn"]
        raise ApplyFailed("the chroot preflight found problems:\n%s" % "\n".join(lines), **result)
    return result
