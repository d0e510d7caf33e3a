# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chroot preflight: would sshd accept this ChrootDirectory, and is the jail really a jail?

``sshd -t`` checks none of this: sshd checks the chroot path only at login,
after authentication, in ``safely_chroot()`` (session.c, identical in
OpenSSH 8.4p1, 9.2p1 and 10.0p2). A bad component then ends every login of
the user with ``Connection closed`` and a ``fatal:`` line in the server log.
This file checks, before sshd is reloaded, every chroot path a configuration
can select, with two rules:

1. **sshd's rule** (``sshd_rule``), a line-by-line model of safely_chroot():
   for each prefix of the literal path (``/``, ``/srv/``, ``/srv/c1/`` ...
   then the path itself) ``stat()``, which follows symbolic links, must
   succeed; the object must be owned by uid 0 with no group- or other-write
   bit (``mode & 022 == 0``; an ACL mask shows in the group bits) and must be
   a directory, tested in that order. The first failure is reported with
   the text sshd logs (``bad ownership or modes for chroot directory
   component "/srv/c1/"``), so the preflight's verdict and sshd's are the
   same on every case sshd decides.

2. **The resolution rule** (``resolution_rule``), which sshd does not apply:
   sshd stats each prefix *through* symbolic links, so
   ``/srv/c1/c2/fred -> /home/fredw/jail`` passes when ``jail`` is
   root-owned, although fred owns ``/home/fredw`` and can replace ``jail``
   with a link to ``/`` (the next login is then "chrooted" to the real
   root). The path is therefore resolved the way the kernel resolves it,
   one name at a time with ``lstat``, following each link from where it
   points, and every directory in which a name is looked up (the
   directories holding the links included; a check of
   ``realpath(chroot)`` alone misses a second link in a user's directory)
   must obey the same ownership rule. A symbolic link on a path that passes
   is reported as a warning: it is safe only as long as it stays where it is.

Findings name the component and say which rule failed. ``planned`` lets the
layout module check a tree it is about to create or fix: a managed
directory's planned owner and mode stand in for what is on disk (or
missing), and a symbolic link where it will manage a directory is refused
(it never follows links it did not create).

Nothing here changes anything on the host.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import re
import stat
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

#: PATH_MAX of Linux; sshd refuses a chroot path of this length or more ("chroot path too long").
PATH_MAX = 4096
#: the kernel's limit on symbolic links followed while resolving one path (ELOOP beyond it).
MAX_LINKS = 40

FAIL = "fail"
WARN = "warn"


class Finding(NamedTuple):
    """One result of the preflight.

    ``rule``: ownership, not-found, not-directory, path (sshd's rule: sshd
    refuses the login), resolution (the escape sshd does not see), managed-link,
    symlink (warning), start-directory, dev-log, flags. ``component``: the
    path named, in sshd's spelling for sshd's rule (intermediate components
    end with ``/``). ``sshd_message``: the text sshd logs after ``fatal:`` for
    the same case (empty when sshd accepts the login).
    """

    level: str
    rule: str
    chroot: str
    component: str
    message: str
    sshd_message: str = ""

    def as_dict(self) -> Dict[str, str]:
        return dict(self._asdict())


class Planned(NamedTuple):
    """What a managed directory will be once the layout is applied."""

    uid: int
    mode: int  # permission bits (with setgid/sticky), without the file type


class _Stat(NamedTuple):
    st_uid: int
    st_mode: int


def _planned_stat(plan: Planned) -> _Stat:
    return _Stat(plan.uid, stat.S_IFDIR | plan.mode)


def _key(path: str) -> str:
    """A path as the keys of ``planned`` spell it: normalised, no trailing slash (except /)."""
    return os.path.normpath(path) if path != "/" else "/"


def unsafe_reason(info) -> Optional[str]:
    """Why sshd would refuse this stat result as a chroot component (ownership and mode), or None."""
    problems = []
    if info.st_uid != 0:
        problems.append("owned by uid %d, not root" % info.st_uid)
    if info.st_mode & 0o022:
        problems.append("writable by %s (mode %04o)" % (
            " and ".join(who for who, bit in (("its group", 0o020), ("others", 0o002)) if info.st_mode & bit),
            stat.S_IMODE(info.st_mode)))
    return "; ".join(problems) or None


# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

class Account(NamedTuple):
    """The passwd fields sshd expands in ChrootDirectory (and internal-sftp in -d)."""

    name: str
    uid: int
    gid: int
    home: str

    @classmethod
    def lookup(cls, name: str) -> "Account":
        entry = pwd.getpwnam(name)
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir)


_TOKEN_RE = re.compile(r"%(.?)")


def _home_of(name: str) -> str:
    try:
        return pwd.getpwnam(name).pw_dir
    except KeyError:
        raise OpenSSHConfigError("~%s: no such user" % name)


def expand(pattern: str, account: Account, tokens: str = "huU") -> str:
    """``pattern`` as sshd expands it for ``account``.

    ChrootDirectory: ``tilde_expand_filename()`` then ``percent_expand()``
    with %h (home), %u (name), %U (uid) and %% (``tokens="huU"``).
    internal-sftp's ``-d`` has %d (home), %u, %U (``tokens="duU"``). An
    unknown token is an error, as it is for sshd (which dies on it at login).
    """
    if pattern.startswith("~"):
        head, sep, rest = pattern[1:].partition("/")
        home = account.home if head == "" else _home_of(head)
        pattern = home.rstrip("/") + "/" + rest if sep else home

    values = {"u": account.name, "U": str(account.uid)}
    values["h" if "h" in tokens else "d"] = account.home

    def replace(found):
        token = found.group(1)
        if token == "%":
            return "%"
        if token in tokens and token in values:
            return values[token]
        raise OpenSSHConfigError("unknown token %%%s in %r (sshd knows %s)"
                                 % (token, pattern, ", ".join("%" + t for t in tokens + "%")))
    return _TOKEN_RE.sub(replace, pattern)


# ---------------------------------------------------------------------------
# Rule 1: safely_chroot()
# ---------------------------------------------------------------------------

def sshd_components(path: str) -> List[Tuple[str, bool]]:
    """The prefixes safely_chroot() checks, in its order, as (text, is_the_chroot_itself).

    ``/srv/c1/c2/fred`` -> ``/``, ``/srv/``, ``/srv/c1/``, ``/srv/c1/c2/``,
    ``/srv/c1/c2/fred``. A trailing slash makes sshd check the last
    directory twice (``/home/`` as a component, then as the chroot).
    """
    result = []
    position = 0
    while True:
        slash = path.find("/", position)
        if slash < 0:
            result.append((path, True))
            return result
        position = slash + 1
        result.append((path[:position], False))


def sshd_rule(path: str, planned: Optional[Mapping[str, Planned]] = None,
              stat_fn: Callable[[str], os.stat_result] = os.stat) -> Optional[Finding]:
    """sshd's verdict on the chroot ``path``: None (login goes on) or the Finding of its fatal()."""
    planned = planned or {}
    if not path.startswith("/"):
        return Finding(FAIL, "path", path, path, "the chroot path %r does not begin at / (sshd refuses it)" % path,
                       "chroot path does not begin at root")
    if len(path) >= PATH_MAX:
        return Finding(FAIL, "path", path, path, "the chroot path is %d bytes long; sshd refuses %d or more"
                       % (len(path), PATH_MAX), "chroot path too long")
    for component, last in sshd_components(path):
        kind = "" if last else "component "
        plan = planned.get(_key(component))
        if plan is not None:
            info = _planned_stat(plan)
        else:
            try:
                info = stat_fn(component)
            except OSError as exc:
                text = 'safely_chroot: stat("%s"): %s' % (component, os.strerror(exc.errno or 0))
                return Finding(FAIL, "not-found", path, component,
                               "%s: %s (sshd: %s)" % (component, os.strerror(exc.errno or 0), text), text)
        reason = unsafe_reason(info)
        if reason:
            text = 'bad ownership or modes for chroot directory %s"%s"' % (kind, component)
            return Finding(FAIL, "ownership", path, component,
                           "chroot %s%s is %s (sshd: %s)" % (kind, component, reason, text), text)
        if not stat.S_ISDIR(info.st_mode):
            text = 'chroot path %s"%s" is not a directory' % (kind, component)
            return Finding(FAIL, "not-directory", path, component, "%s is not a directory (sshd: %s)"
                           % (component, text), text)
    return None


# ---------------------------------------------------------------------------
# Rule 2: resolve the path as the kernel does, check every directory on the way
# ---------------------------------------------------------------------------

class Step(NamedTuple):
    """One name looked up while resolving: the directory it was looked up in and what it was."""

    directory: str       # resolved path of the directory holding the name
    path: str            # resolved path of the name itself (before following it, if a link)
    link_target: str     # the link's text when the name is a symbolic link, else ""


def _split(path: str) -> List[str]:
    return [part for part in path.split("/") if part not in ("", ".")]


def resolve(path: str, planned: Optional[Mapping[str, Planned]] = None,
            lstat_fn: Callable[[str], os.stat_result] = os.lstat,
            readlink_fn: Callable[[str], str] = os.readlink
            ) -> Tuple[List[Tuple[str, object]], List[Step], str, List[Step]]:
    """Walk ``path`` one name at a time, following links as the kernel does.

    Returns (directories, steps, final, managed_links): every directory in
    which a name was looked up, with its stat (``/`` first, in walking order,
    each once), the steps taken, the resolved path, and the symbolic links
    found where ``planned`` says a managed directory belongs (followed all
    the same, so that where they lead is checked too). A missing name raises
    FileNotFoundError, a non-directory in the middle NotADirectoryError, too
    many links OSError(ELOOP).
    """
    planned = planned or {}
    pending = _split(path)
    current: List[str] = []
    links = 0
    directories: List[Tuple[str, object]] = []
    seen = set()
    steps: List[Step] = []
    managed_links: List[Step] = []

    def info_of(where: str):
        plan = planned.get(where)
        if plan is None:
            return lstat_fn(where)
        try:
            real = lstat_fn(where)
        except FileNotFoundError:
            real = None
        if real is not None and stat.S_ISLNK(real.st_mode):
            return real
        return _planned_stat(plan)

    def visit(where: str, info) -> None:
        if where not in seen:
            seen.add(where)
            directories.append((where, info))

    root_info = info_of("/")
    visit("/", root_info)
    here_info = root_info
    while pending:
        name = pending.pop(0)
        here = "/" + "/".join(current)
        if not stat.S_ISDIR(here_info.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), here)
        visit(here, here_info)
        if name == "..":
            if current:
                current.pop()
            here_info = info_of("/" + "/".join(current))
            continue
        candidate = "/" + "/".join(current + [name])
        info = info_of(candidate)
        if stat.S_ISLNK(info.st_mode):
            links += 1
            if links > MAX_LINKS:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
            target = readlink_fn(candidate)
            step = Step(here, candidate, target)
            steps.append(step)
            if candidate in planned:
                managed_links.append(step)
            if target.startswith("/"):
                current = []
                here_info = root_info
            pending[:0] = _split(target)
            continue
        steps.append(Step(here, candidate, ""))
        current.append(name)
        here_info = info
    final = "/" + "/".join(current)
    visit(final, here_info)
    return directories, steps, final, managed_links


def resolution_rule(path: str, planned: Optional[Mapping[str, Planned]] = None,
                    lstat_fn: Callable[[str], os.stat_result] = os.lstat,
                    readlink_fn: Callable[[str], str] = os.readlink) -> List[Finding]:
    """Every directory the kernel passes through to reach the chroot must be root's alone.

    Returns failures for directories that are not (the escape) and for a
    symbolic link where the layout manages a directory, or else one warning
    per symbolic link on the path. Missing components and non-directories
    are left to ``sshd_rule``, which reports them as sshd does.
    """
    try:
        directories, steps, final, managed_links = resolve(path, planned, lstat_fn, readlink_fn)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return [Finding(FAIL, "resolution", path, path, "%s: too many levels of symbolic links" % path)]
        return []  # missing / not a directory: sshd_rule names it as sshd does
    links = [step for step in steps if step.link_target]
    via = ""
    if links:
        via = " (%s)" % ", ".join("%s -> %s" % (step.path, step.link_target) for step in links)
    findings = []
    for where, info in directories:
        reason = unsafe_reason(info)
        if reason:
            findings.append(Finding(
                FAIL, "resolution", path, where,
                "chroot %s resolves to %s%s through %s, which is %s: whoever controls it can swap the jail "
                "for any directory, / included, and sshd does not check this (it stats the literal path "
                "through the links)" % (path, final, via, where, reason)))
    for step in managed_links:
        findings.append(Finding(
            FAIL, "managed-link", path, step.path,
            "%s is a symbolic link (to %s) where the layout manages a directory; it never follows or replaces "
            "a link it did not create: remove the link or change the layout" % (step.path, step.link_target)))
    if findings:
        return findings
    for step in links:
        findings.append(Finding(
            WARN, "symlink", path, step.path,
            "%s is a symbolic link to %s: sshd follows it; every directory on the way is root's alone, so "
            "the jail is %s, but it moves if the link is changed" % (step.path, step.link_target, final)))
    return findings


def check_chroot(path: str, planned: Optional[Mapping[str, Planned]] = None) -> List[Finding]:
    """Both rules. sshd's own failure (if any) comes first; the resolution rule then adds only
    what sshd's rule cannot see (directories reached through links, managed links)."""
    refused = sshd_rule(path, planned)
    if refused is None:
        return resolution_rule(path, planned)
    literal = {_key(component) for component, _unused in sshd_components(path)}
    return [refused] + [finding for finding in resolution_rule(path, planned)
                        if finding.level == FAIL and _key(finding.component) not in literal]


# ---------------------------------------------------------------------------
# Inside the chroot: start directory and /dev/log
# ---------------------------------------------------------------------------

def inside(chroot: str, path: str) -> str:
    """``path`` as seen from outside a chroot (``/srv/c/fred`` + ``/upload`` -> ``/srv/c/fred/upload``)."""
    return chroot.rstrip("/") + "/" + "/".join(_split(path))


def check_start(chroot: str, start: str, lstat_fn: Callable[[str], os.stat_result] = os.lstat
                ) -> Optional[Finding]:
    """internal-sftp ``-d``: the directory must exist inside the chroot.

    A missing one never fails the login: the user lands in ``/`` and the only
    trace is ``error: chdir to "..." failed`` (lost without /dev/log). Names
    are looked up without following links (a link inside the jail would be
    resolved inside it, which this check does not model: a warning).
    """
    where = chroot.rstrip("/")
    for name in _split(start):
        where = where + "/" + name
        try:
            info = lstat_fn(where)
        except FileNotFoundError:
            return Finding(FAIL, "start-directory", chroot, where,
                           "start directory %s (-d %s) does not exist: internal-sftp would start in / and only log "
                           "an error" % (where, start))
        if stat.S_ISLNK(info.st_mode):
            return Finding(WARN, "start-directory", chroot, where,
                           "start directory %s passes a symbolic link; not checked further" % where)
        if not stat.S_ISDIR(info.st_mode):
            return Finding(FAIL, "start-directory", chroot, where,
                           "start directory %s (-d %s) is not a directory" % (where, start))
    return None


def check_dev_log(chroot: str, lstat_fn: Callable[[str], os.stat_result] = os.lstat) -> Optional[Finding]:
    """``CHROOT/dev/log`` must be a socket, or internal-sftp and sshd's post-chroot lines are lost."""
    where = inside(chroot, "/dev/log")
    try:
        info = lstat_fn(where)
    except OSError:
        info = None
    if info is not None and stat.S_ISSOCK(info.st_mode):
        return None
    return Finding(WARN, "dev-log", chroot, where,
                   "%s is not a socket: internal-sftp's log lines and sshd's lines after the chroot (transfers, "
                   "'refusing non-sftp session', disconnects) are lost; one early line still arrives, so logging "
                   "looks configured" % where)


# ---------------------------------------------------------------------------
# ForceCommand internal-sftp
# ---------------------------------------------------------------------------

#: internal-sftp / sftp-server options that take an argument.
SFTP_OPTIONS_WITH_ARGUMENT = "dfluPp"
#: sshd passes at most this many words of ForceCommand to internal-sftp (session.c ARGV_MAX 10,
#: "internal-sftp" included; 8.4p1, 9.2p1, 10.0p2) and drops the rest silently.
INTERNAL_SFTP_MAX_WORDS = 9


def internal_sftp_words(command: Optional[str]) -> Tuple[List[str], List[str]]:
    """(words internal-sftp gets, words sshd drops): split at spaces only, as session.c's strtok does."""
    words = [word for word in (command or "").split(" ") if word]
    return words[:INTERNAL_SFTP_MAX_WORDS], words[INTERNAL_SFTP_MAX_WORDS:]


def parse_internal_sftp(command: Optional[str]) -> Optional[Dict[str, str]]:
    """The options internal-sftp really gets from ``internal-sftp -d /x -u 0027 ...``, as {flag: value}.

    None if the command is not internal-sftp. Words after the ninth are
    dropped first, as sshd drops them; a flag without argument maps to "".
    Only the simple form (words separated by spaces, no quotes) is modelled.
    """
    words, _unused = internal_sftp_words(command)
    if not words or words[0] != "internal-sftp":
        return None
    options: Dict[str, str] = {}
    index = 1
    while index < len(words):
        word = words[index]
        if word.startswith("-") and len(word) >= 2:
            flag = word[1]
            if flag in SFTP_OPTIONS_WITH_ARGUMENT:
                value = word[2:]
                if not value and index + 1 < len(words):
                    index += 1
                    value = words[index]
                options[flag] = value
            else:
                for letter in word[1:]:
                    options[letter] = ""
        index += 1
    return options


#: levels at which internal-sftp logs transfers (INFO and more verbose).
LOGGING_LEVELS = ("INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3")


def group_members(name: str) -> List[str]:
    """Every account Match Group selects: listed members and accounts whose primary group it is."""
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        return []
    names = list(entry.gr_mem)
    for account in pwd.getpwall():
        if account.pw_gid == entry.gr_gid and account.pw_name not in names:
            names.append(account.pw_name)
    return names


def check_session(account: Account, chroot_pattern: Optional[str], force_command: Optional[str],
                  subsystem: Optional[str] = None, planned: Optional[Mapping[str, Planned]] = None,
                  inside_checks: bool = True) -> Tuple[Optional[str], List[Finding]]:
    """The whole preflight for one account under one effective configuration.

    ``chroot_pattern``: ChrootDirectory as sshd -T prints it (tokens
    unexpanded; None or "none": no chroot). ``force_command``: ForceCommand.
    ``subsystem``: the sftp Subsystem command, to warn when its flags would
    be ignored. ``inside_checks``: also check the start directory and
    /dev/log (off while the layout is only planned). Returns (chroot, findings).
    """
    findings: List[Finding] = []
    if not chroot_pattern or chroot_pattern.lower() == "none":
        return None, findings
    try:
        chroot = expand(chroot_pattern, account)
    except OpenSSHConfigError as exc:
        return chroot_pattern, [Finding(FAIL, "path", chroot_pattern, chroot_pattern, str(exc),
                                        "percent_expand: unknown key")]
    findings += check_chroot(chroot, planned)
    options = parse_internal_sftp(force_command)
    if options is not None:
        _unused, dropped = internal_sftp_words(force_command)
        if dropped:
            limit = INTERNAL_SFTP_MAX_WORDS
            findings.append(Finding(
                FAIL, "flags", chroot, "ForceCommand",
                "ForceCommand %r has more than %d words: sshd passes only the first %d to internal-sftp and "
                "drops %r without a word (a -R or -P there is lost; a flag cut from its argument ends every "
                "login); attach the arguments (-u0027, -lINFO)" % (force_command, limit, limit, " ".join(dropped))))
    if options is not None and subsystem:
        sub = parse_internal_sftp(subsystem) or {}
        ignored = sorted(set(sub) - set(options))
        if ignored:
            findings.append(Finding(
                WARN, "flags", chroot, "Subsystem",
                "Subsystem sftp sets %s, which ForceCommand internal-sftp ignores: put the flags on the "
                "ForceCommand line" % ", ".join("-" + flag for flag in ignored)))
    if inside_checks and not any(f.level == FAIL for f in findings) and options is not None:
        start = options.get("d")
        if start:
            try:
                expanded = expand(start, account, tokens="duU")
            except OpenSSHConfigError as exc:
                findings.append(Finding(FAIL, "start-directory", chroot, start, str(exc)))
                expanded = None
            if expanded:
                found = check_start(chroot, expanded if expanded.startswith("/") else "/" + expanded)
                if found:
                    findings.append(found)
        if options.get("l", "ERROR").upper() in LOGGING_LEVELS:
            found = check_dev_log(chroot)
            if found:
                findings.append(found)
    return chroot, findings


def failures(findings: Sequence[Finding]) -> List[Finding]:
    return [finding for finding in findings if finding.level == FAIL]
