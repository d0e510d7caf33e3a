# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host-side steps of applying an sshd configuration safely.

Everything here runs on the managed host inside one module execution:
probe, render, validate the combination sshd will read, guard against
locking out the operator, install atomically, reload, check that sshd serves,
roll back. Commands are run through an injected ``run(argv) -> (rc, out, err)``
so the logic can be unit-tested without a host.
"""

from __future__ import annotations

import fnmatch
import glob
import grp
import os
import pwd
import shlex
import socket
import subprocess
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]

SSHD = "/usr/sbin/sshd"
SSHD_CANDIDATE_SUFFIX = ".sshsuite-candidate"


# ---------------------------------------------------------------------------
# Which files sshd reads
# ---------------------------------------------------------------------------

def _include_patterns(line: str) -> List[str]:
    words = shlex.split(line, comments=True)
    if len(words) < 2 or words[0].lower() != "include":
        return []
    return words[1:]


def expand_include(pattern: str, base_dir: str = "/etc/ssh") -> List[str]:
    """Files an ``Include`` pattern names, in the order sshd reads them.

    sshd expands the pattern with glob(3), which sorts the names; relative
    patterns are taken from /etc/ssh.
    """
    if not os.path.isabs(pattern):
        pattern = os.path.join(base_dir, pattern)
    if any(ch in pattern for ch in "*?["):
        return sorted(glob.glob(pattern))
    return [pattern] if os.path.exists(pattern) else []


def files_read(main_path: str, _seen: Optional[set] = None) -> List[str]:
    """Every file sshd reads for ``main_path``, main file first, includes in order."""
    seen = _seen if _seen is not None else set()
    if main_path in seen or not os.path.exists(main_path):
        return []
    seen.add(main_path)
    result = [main_path]
    with open(main_path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            for pattern in _include_patterns(line.strip()):
                for path in expand_include(pattern):
                    result.extend(files_read(path, seen))
    return result


def main_includes(main_path: str, path: str) -> bool:
    """Does the main config (directly or through includes) read ``path``'s directory glob?"""
    directory = os.path.dirname(path)
    if not os.path.exists(main_path):
        return False
    with open(main_path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            for pattern in _include_patterns(line.strip()):
                full = pattern if os.path.isabs(pattern) else os.path.join("/etc/ssh", pattern)
                if full == path or (os.path.dirname(full) == directory and
                                    fnmatch.fnmatch(os.path.basename(path), os.path.basename(full))):
                    return True
    return False


def validation_main(main_path: str, replace: Dict[str, str], work_dir: str) -> str:
    """Write a copy of the main config in which every Include is spelled out.

    sshd must validate the combination it will really read: the main file, each
    drop-in in glob order, with our candidate standing where the live file will
    be. Include lines become one Include per existing file (same order), with
    ``replace`` (live path -> candidate path) applied. Returns the copy's path.
    """
    lines: List[str] = []
    live_included = set()
    with open(main_path, encoding="utf-8", errors="replace") as handle:
        source = replace.get(main_path)
        if source:
            with open(source, encoding="utf-8", errors="replace") as cand:
                text = cand.read()
        else:
            text = handle.read()
    for line in text.splitlines():
        patterns = _include_patterns(line.strip())
        if not patterns:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        for pattern in patterns:
            matched = expand_include(pattern)
            for live, cand in replace.items():
                full = pattern if os.path.isabs(pattern) else os.path.join("/etc/ssh", pattern)
                if live != main_path and live not in matched and fnmatch.fnmatch(live, full):
                    matched = sorted(matched + [live])
            for path in matched:
                live_included.add(path)
                lines.append("%sInclude %s" % (indent, replace.get(path, path)))
    out = os.path.join(work_dir, "sshd_config.validate")
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return out


# ---------------------------------------------------------------------------
# Running sshd -t / -T
# ---------------------------------------------------------------------------

PRIVSEP_DIR = "/run/sshd"
_PRIVATE_RUN_FAILED = 97
#: sh script: a private tmpfs on /run with an empty privilege separation directory, then sshd.
_PRIVATE_RUN = ('mount -t tmpfs -o mode=0755,size=1m sshsuite-run /run 2>/dev/null || exit %d; '
                'mkdir -m 0755 %s || exit %d; exec "$0" "$@"' % (_PRIVATE_RUN_FAILED, PRIVSEP_DIR,
                                                                  _PRIVATE_RUN_FAILED))
_private_run_works: Optional[bool] = None


class PrivsepMissing(OpenSSHConfigError):
    """sshd cannot run here without /run/sshd, and creating it is not allowed (check mode)."""


def _private_run_available() -> bool:
    global _private_run_works
    if _private_run_works is None:
        try:
            done = subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                                   _PRIVATE_RUN, "/bin/true"], capture_output=True, timeout=10)
            _private_run_works = done.returncode == 0
        except (OSError, subprocess.SubprocessError):  # no unshare binary
            _private_run_works = False
    return _private_run_works


def sshd_argv(args: Sequence[str], sshd: str = SSHD, create: bool = False) -> List[str]:
    """The argv that runs ``sshd args`` (-t, -T ...) on this machine, as it is now.

    Debian's sshd refuses to run, even for ``-t``, without its privilege
    separation directory /run/sshd. systemd creates it for ssh.service; on a
    machine where sshd never ran (a controller, a freshly booted host with
    socket activation) /run is an empty tmpfs. Then sshd runs in a private
    mount namespace with its own empty /run, so nothing on the machine
    changes; where that is not possible (a container without CAP_SYS_ADMIN)
    the directory is created as systemd would create it, but only when
    ``create`` is true (never in check mode): otherwise PrivsepMissing.
    """
    argv = [sshd] + list(args)
    if os.path.isdir(PRIVSEP_DIR):
        return argv
    if _private_run_available():
        return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", _PRIVATE_RUN] + argv
    if not create:
        raise PrivsepMissing("%s does not exist and sshd cannot run without it; check mode does not create "
                             "it (a normal run creates it, as systemd does for ssh.service)" % PRIVSEP_DIR)
    try:
        os.mkdir(PRIVSEP_DIR, 0o755)
    except FileExistsError:
        pass
    return argv


def sshd_test(run: Runner, config: str, sshd: str = SSHD, create: bool = True) -> Tuple[bool, str]:
    rc, out, err = run(sshd_argv(["-t", "-f", config], sshd, create))
    return rc == 0, (err or out).strip()


def sshd_dump(run: Runner, config: str, spec: Optional[str] = None,
              sshd: str = SSHD, create: bool = True) -> Tuple[int, str, str]:
    argv = ["-T", "-f", config]
    if spec:
        argv += ["-C", spec]
    return run(sshd_argv(argv, sshd, create))


# ---------------------------------------------------------------------------
# Lockout guard
# ---------------------------------------------------------------------------

def _pattern_match(value: str, pattern_list: Iterable[str]) -> Optional[bool]:
    """sshd's pattern-list semantics: True if matched, False if negated, None if no match."""
    result = None
    for pattern in pattern_list:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        if fnmatch.fnmatchcase(value, pat):
            if negate:
                return False
            result = True
    return result


def _user_entry_matches(entry: str, user: str, host: Optional[str], addr: Optional[str]) -> bool:
    """One AllowUsers/DenyUsers entry: USER or USER@HOST (host part is a pattern or CIDR)."""
    if "@" in entry:
        upat, hpat = entry.split("@", 1)
        if not fnmatch.fnmatchcase(user, upat):
            return False
        candidates = [c for c in (addr, host) if c]
        return any(fnmatch.fnmatchcase(c, hpat) for c in candidates) or not candidates
    return fnmatch.fnmatchcase(user, entry)


def user_groups(user: str) -> List[str]:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return []
    names = set()
    try:
        names.add(grp.getgrgid(entry.pw_gid).gr_name)
    except KeyError:
        pass
    for group in grp.getgrall():
        if user in group.gr_mem:
            names.add(group.gr_name)
    return sorted(names)


def lockout_problems(effective: Dict[str, List[str]], user: str, port: Optional[int],
                     auth: str = "publickey", host: Optional[str] = None,
                     addr: Optional[str] = None,
                     groups: Optional[List[str]] = None,
                     key_files_present: Optional[bool] = None) -> List[str]:
    """Reasons why ``user`` could no longer log in under ``effective`` (sshd -T -C output).

    ``auth`` is how the operator authenticates: publickey or password.
    ``key_files_present``: whether the user's key file exists where the new
    AuthorizedKeysFile says (None: not checked).
    """
    problems: List[str] = []

    def values(key: str) -> List[str]:
        out: List[str] = []
        for item in effective.get(key, []):
            out.extend(item.split())
        return out

    def first(key: str, default: str = "") -> str:
        got = effective.get(key)
        return got[0] if got else default

    groups = groups if groups is not None else user_groups(user)
    deny_users = values("denyusers")
    if any(_user_entry_matches(e, user, host, addr) for e in deny_users):
        problems.append("DenyUsers %s matches %s" % (" ".join(deny_users), user))
    allow_users = values("allowusers")
    if allow_users and not any(_user_entry_matches(e, user, host, addr) for e in allow_users):
        problems.append("AllowUsers %s does not include %s" % (" ".join(allow_users), user))
    deny_groups = values("denygroups")
    if deny_groups and any(_pattern_match(g, deny_groups) for g in groups):
        problems.append("DenyGroups %s matches a group of %s (%s)"
                        % (" ".join(deny_groups), user, ", ".join(groups)))
    allow_groups = values("allowgroups")
    if allow_groups and not any(_pattern_match(g, allow_groups) for g in groups):
        problems.append("AllowGroups %s matches no group of %s (%s)"
                        % (" ".join(allow_groups), user, ", ".join(groups) or "none"))

    if user == "root":
        prl = first("permitrootlogin", "yes")
        if prl == "no":
            problems.append("PermitRootLogin no shuts out root, the user Ansible connects as")
        elif prl == "forced-commands-only":
            problems.append("PermitRootLogin forced-commands-only lets root run only forced commands")
        elif prl in ("prohibit-password", "without-password") and auth == "password":
            problems.append("PermitRootLogin %s refuses root's password login" % prl)

    method_on = {
        "publickey": first("pubkeyauthentication", "yes") == "yes",
        "password": first("passwordauthentication", "yes") == "yes",
    }
    if not method_on.get(auth, True):
        problems.append("%s authentication is turned off, and Ansible logs in with it"
                        % ("PubkeyAuthentication" if auth == "publickey" else "PasswordAuthentication"))
    methods = first("authenticationmethods", "any")
    if methods not in ("any", ""):
        usable = False
        for alternative in methods.split():
            steps = [s.split(":", 1)[0] for s in alternative.split(",")]
            if all(s == auth for s in steps):
                usable = True
        if not usable:
            problems.append("AuthenticationMethods %s asks for more than %s, which is all Ansible has"
                            % (methods, auth))

    if port is not None:
        ports = listening_ports(effective)
        if ports and port not in ports:
            problems.append("sshd would listen on port(s) %s, but the inventory connects to port %d"
                            % (", ".join(str(p) for p in sorted(ports)), port))
    if key_files_present is False and auth == "publickey":
        problems.append("AuthorizedKeysFile %s names no existing key file for %s"
                        % (first("authorizedkeysfile"), user))
    return problems


def authorized_keys_present(effective: Dict[str, List[str]], user: str) -> Optional[bool]:
    """Whether any file named by AuthorizedKeysFile exists for ``user`` (None if unknown)."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    raw = " ".join(effective.get("authorizedkeysfile", [])).split()
    if not raw or raw == ["none"]:
        # AuthorizedKeysCommand may still supply keys: cannot tell.
        return None if effective.get("authorizedkeyscommand", ["none"])[0] != "none" else False
    if effective.get("authorizedkeyscommand", ["none"])[0] != "none":
        return None
    for item in raw:
        path = item.replace("%%", "\0").replace("%h", entry.pw_dir).replace(
            "%u", user).replace("%U", str(entry.pw_uid)).replace("\0", "%")
        if not os.path.isabs(path):
            path = os.path.join(entry.pw_dir, path)
        if glob.glob(path):
            return True
    return False


# ---------------------------------------------------------------------------
# Listening and serving
# ---------------------------------------------------------------------------

def listen_endpoints(effective: Dict[str, List[str]]) -> List[Tuple[str, int]]:
    """(address, port) pairs from sshd -T's listenaddress lines."""
    result = []
    for item in effective.get("listenaddress", []):
        text = item.split()[0]
        if text.startswith("["):
            host, _, port = text[1:].partition("]:")
        else:
            host, _, port = text.rpartition(":")
        try:
            result.append((host, int(port)))
        except ValueError:
            continue
    if not result:
        result = [("0.0.0.0", int(p)) for p in effective.get("port", ["22"])]
    return result


def listening_ports(effective: Dict[str, List[str]]) -> set:
    return {port for _, port in listen_endpoints(effective)}


def banner_on(address: str, port: int, timeout: float = 2.0) -> Optional[str]:
    """Connect and read the SSH identification string; None if nothing answers."""
    if address in ("0.0.0.0", ""):
        address = "127.0.0.1"
    elif address in ("::",):
        address = "::1"
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect((address, port))
            data = sock.recv(256)
    except OSError:
        return None
    text = data.decode("ascii", "replace").strip()
    return text if text.startswith("SSH-") else None


def wait_serving(endpoints: Sequence[Tuple[str, int]], seconds: float = 10.0) -> Tuple[bool, List[str]]:
    """Wait until every (address, port) answers with an SSH banner."""
    deadline = time.time() + seconds
    missing: List[str] = []
    while True:
        missing = []
        for address, port in endpoints:
            if banner_on(address, port) is None:
                missing.append("%s:%d" % (address, port))
        if not missing or time.time() > deadline:
            return not missing, missing
        time.sleep(0.25)


# ---------------------------------------------------------------------------
# Service manager
# ---------------------------------------------------------------------------

class Service:
    """Reload/restart sshd through systemd when it runs, else through the pid file."""

    def __init__(self, run: Runner, name: Optional[str] = None):
        self.run = run
        self.systemd = os.path.isdir("/run/systemd/system")
        self.name = name or self._detect_name()

    def _detect_name(self) -> str:
        if self.systemd:
            for candidate in ("ssh", "sshd"):
                rc, out, _ = self.run(["systemctl", "show", "-p", "LoadState", "--value",
                                       candidate + ".service"])
                if rc == 0 and out.strip() == "loaded":
                    return candidate
        return "ssh"

    def socket_activated(self) -> bool:
        if not self.systemd:
            return False
        rc, out, _ = self.run(["systemctl", "is-active", self.name + ".socket"])
        return out.strip() == "active"

    def socket_endpoints(self) -> List[Tuple[str, int]]:
        """(address, port) the socket unit listens on: under socket activation
        they, not sshd_config's Port/ListenAddress, decide where sshd answers."""
        rc, out, _ = self.run(["systemctl", "show", "-p", "Listen", "--value", self.name + ".socket"])
        endpoints = []
        for item in out.split():
            if item.startswith("(") or ":" not in item:
                continue
            address, _, port = item.rpartition(":")
            address = address.strip("[]") or "0.0.0.0"
            try:
                endpoints.append((address, int(port)))
            except ValueError:
                continue
        return endpoints

    def endpoints(self, effective: Dict[str, List[str]]) -> List[Tuple[str, int]]:
        if self.socket_activated():
            return self.socket_endpoints() or listen_endpoints(effective)
        return listen_endpoints(effective)

    def active(self) -> bool:
        if self.systemd:
            if self.socket_activated():
                return True
            rc, out, _ = self.run(["systemctl", "is-active", self.name + ".service"])
            return out.strip() in ("active", "reloading")
        return self._pid() is not None

    def _pid(self) -> Optional[int]:
        for path in ("/run/sshd.pid", "/var/run/sshd.pid"):
            try:
                with open(path) as handle:
                    pid = int(handle.read().strip())
                os.kill(pid, 0)
                return pid
            except (OSError, ValueError):
                continue
        return None

    def reload(self, listeners_changed: bool = False) -> Tuple[bool, str, str]:
        """Make sshd read the new config. Returns (ok, action, message).

        sshd re-executes itself on SIGHUP, so a reload picks up every
        sshd_config keyword, listeners included, and keeps open sessions.
        Under socket activation the listening socket belongs to systemd:
        a changed Port/ListenAddress needs `daemon-reload` (the generator
        turns sshd_config into socket units) and a restart of the socket.
        """
        if self.systemd:
            if self.socket_activated():
                if listeners_changed:
                    self.run(["systemctl", "daemon-reload"])
                    rc, out, err = self.run(["systemctl", "restart", self.name + ".socket"])
                    return rc == 0, "restarted %s.socket" % self.name, (err or out).strip()
                return True, "none (socket activated: each connection reads the new config)", ""
            if self.active():
                rc, out, err = self.run(["systemctl", "reload", self.name + ".service"])
                return rc == 0, "reloaded %s.service" % self.name, (err or out).strip()
            rc, out, err = self.run(["systemctl", "start", self.name + ".service"])
            return rc == 0, "started %s.service" % self.name, (err or out).strip()
        pid = self._pid()
        if pid is None:
            rc, out, err = self.run([SSHD])
            return rc == 0, "started sshd", (err or out).strip()
        os.kill(pid, 1)
        return True, "sent SIGHUP to sshd (pid %d)" % pid, ""

    def restart(self) -> Tuple[bool, str]:
        if self.systemd:
            unit = self.name + (".socket" if self.socket_activated() else ".service")
            self.run(["systemctl", "reset-failed", self.name + ".service"])
            rc, out, err = self.run(["systemctl", "restart", unit])
            return rc == 0, (err or out).strip()
        pid = self._pid()
        if pid is not None:
            os.kill(pid, 15)
            time.sleep(0.5)
        rc, out, err = self.run([SSHD])
        return rc == 0, (err or out).strip()


# ---------------------------------------------------------------------------
# Host keys
# ---------------------------------------------------------------------------

HOST_KEY_TYPES = {
    "ed25519": ["-t", "ed25519"],
    "rsa": ["-t", "rsa"],
    "ecdsa": ["-t", "ecdsa", "-b", "256"],
}


def host_key_path(key_type: str, directory: str = "/etc/ssh") -> str:
    return os.path.join(directory, "ssh_host_%s_key" % key_type)


def key_info(run: Runner, path: str) -> Optional[Dict[str, object]]:
    """bits, fingerprint and type of an existing key (from its .pub), or None."""
    pub = path + ".pub"
    if not os.path.exists(path):
        return None
    if not os.path.exists(pub):
        rc, out, _ = run(["ssh-keygen", "-y", "-f", path])
        if rc != 0:
            return {"path": path, "error": "cannot read the private key"}
        with open(pub, "w") as handle:
            handle.write(out)
    # Parsed in-process with the collection's key parser: no ssh-keygen per key.
    try:
        with open(pub, encoding="ascii", errors="replace") as handle:
            key = keys.parse_public_key(handle.read().strip(), pub)
    except (OSError, OpenSSHConfigError) as exc:
        return {"path": path, "error": str(exc)}
    return {"path": path, "bits": key.bits, "fingerprint": keys.fingerprint_sha256(key.blob),
            "type": key.type_name}


def ensure_host_keys(run: Runner, wanted: Sequence[str], rsa_bits: int, remove: Sequence[str],
                     check_mode: bool, directory: str = "/etc/ssh") -> Tuple[List[Dict], List[str], bool]:
    """Create missing host keys, fix modes, remove keys of dropped types.

    An existing key is never regenerated: its fingerprint is what users trust.
    An RSA key shorter than ``rsa_bits`` is reported, not replaced.
    Returns (keys, warnings, changed).
    """
    keys: List[Dict] = []
    warnings: List[str] = []
    changed = False
    for key_type in wanted:
        if key_type not in HOST_KEY_TYPES:
            raise OpenSSHConfigError("unknown host key type %r (use one of %s)"
                                     % (key_type, ", ".join(sorted(HOST_KEY_TYPES))), "host_keys")
        path = host_key_path(key_type, directory)
        info = key_info(run, path)
        if info is None:
            changed = True
            info = {"path": path, "type": key_type, "generated": True}
            if not check_mode:
                argv = ["ssh-keygen", "-q", "-N", "", "-C", "", "-f", path] + HOST_KEY_TYPES[key_type]
                if key_type == "rsa":
                    argv += ["-b", str(rsa_bits)]
                rc, out, err = run(argv)
                if rc != 0:
                    raise OpenSSHConfigError("ssh-keygen failed for %s: %s" % (path, err.strip()), "host_keys")
                info = dict(key_info(run, path) or {}, generated=True)
        elif key_type == "rsa" and isinstance(info.get("bits"), int) and info["bits"] < rsa_bits:
            warnings.append("%s has %d bits, fewer than %d; it is kept (a new key changes the "
                            "fingerprint users trust): rotate it deliberately"
                            % (path, info["bits"], rsa_bits))
        for file_path, mode in ((path, 0o600), (path + ".pub", 0o644)):
            if os.path.exists(file_path):
                st = os.lstat(file_path)
                if (st.st_mode & 0o7777) != mode or st.st_uid != 0:
                    changed = True
                    if not check_mode:
                        os.chown(file_path, 0, 0)
                        os.chmod(file_path, mode)
        keys.append(info)
    for key_type in remove:
        path = host_key_path(key_type, directory)
        for file_path in (path, path + ".pub"):
            if os.path.exists(file_path):
                changed = True
                if not check_mode:
                    os.unlink(file_path)
    return keys, warnings, changed


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

def read_bytes(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_candidate(path: str, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` and flush it to disk (no rename yet)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)
    os.chown(path, 0, 0)


def install(candidate: str, live: str) -> None:
    """Atomically move the candidate over the live file and flush the directory."""
    os.rename(candidate, live)
    dir_fd = os.open(os.path.dirname(live) or ".", os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
