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

import os
import socket
import subprocess
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import effective as eff, fileio, keygen, keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import split_lines
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]

SSHD = "/usr/sbin/sshd"


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
                                   _PRIVATE_RUN, "/bin/true"], capture_output=True, timeout=10, check=False)
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


#: what a derived or partial Match connection spec uses for what it does not name
CONNECTION_DEFAULTS = {"host": "localhost", "addr": "127.0.0.1", "laddr": "127.0.0.1", "lport": "22"}


def complete_connection(spec: Mapping[str, Any], default_user: str) -> Dict[str, str]:
    """A block's own ``connection``, with CONNECTION_DEFAULTS for what it does not name."""
    complete = dict(CONNECTION_DEFAULTS, user=default_user)
    complete.update({str(k): str(v) for k, v in spec.items()})
    return complete


#: a connection that no Match block of a sane configuration names, for a "global" dump when
#: sshd needs a whole connection (Match LocalPort, LocalAddress or RDomain without -C fails).
PROBE_CONNECTION = {"user": "sshsuite-probe", "host": "sshsuite-probe.invalid", "addr": "192.0.2.1",
                    "laddr": "192.0.2.2", "lport": "1"}


def dump_effective(run: Runner, config: str, spec: Optional[Mapping[str, str]] = None,
                   create: bool = True, sshd: str = SSHD) -> Dict[str, List[str]]:
    """``sshd -T`` (with ``-C`` for ``spec``) of ``config``, parsed; the one way the collection asks."""
    text_spec = eff.connection_spec(**spec) if spec else None
    rc, out, err = sshd_dump(run, config, text_spec, sshd=sshd, create=create)
    if rc != 0 and spec is None and "not in connection test specification" in (err or out):
        # 'Match LocalPort' (LocalAddress, RDomain) makes sshd -T without -C fail on some
        # releases: the global values are then read for a connection no block names.
        return dump_effective(run, config, PROBE_CONNECTION, create, sshd)
    if rc != 0:
        raise OpenSSHConfigError("sshd -T -f %s%s failed: %s"
                                 % (config, (" -C " + text_spec) if text_spec else "", (err or out).strip()))
    return eff.parse_dump(out)


# ---------------------------------------------------------------------------
# Listening and serving
# ---------------------------------------------------------------------------

def listen_endpoints(effective: Dict[str, List[str]]) -> List[Tuple[str, int]]:
    """(address, port) pairs from sshd -T's listenaddress lines."""
    result = []
    for item in effective.get("listenaddress", []):
        text = item.split()[0]
        if text.startswith("["):
            host, _unused, port = text[1:].partition("]:")
        else:
            host, _unused, port = text.rpartition(":")
        try:
            result.append((host, int(port)))
        except ValueError:
            continue
    if not result:
        result = [("0.0.0.0", int(p)) for p in effective.get("port", ["22"])]
    return result


def listening_ports(effective: Dict[str, List[str]]) -> set:
    return {port for _unused, port in listen_endpoints(effective)}


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
                rc, out, _unused = self.run(["systemctl", "show", "-p", "LoadState", "--value",
                                             candidate + ".service"])
                if rc == 0 and out.strip() == "loaded":
                    return candidate
        return "ssh"

    def describe(self) -> Dict[str, object]:
        """What the rollback script needs to make sshd serve restored files."""
        return {"name": self.name, "systemd": self.systemd, "socket": self.socket_activated(), "sshd": SSHD}

    def socket_activated(self) -> bool:
        if not self.systemd:
            return False
        rc, out, _unused = self.run(["systemctl", "is-active", self.name + ".socket"])
        return out.strip() == "active"

    def socket_endpoints(self) -> List[Tuple[str, int]]:
        """(address, port) the socket unit listens on: under socket activation
        they, not sshd_config's Port/ListenAddress, decide where sshd answers."""
        rc, out, _unused = self.run(["systemctl", "show", "-p", "Listen", "--value", self.name + ".socket"])
        endpoints = []
        for item in out.split():
            if item.startswith("(") or ":" not in item:
                continue
            address, _unused, port = item.rpartition(":")
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
            rc, out, _unused = self.run(["systemctl", "is-active", self.name + ".service"])
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

HOST_KEY_TYPES = keygen.HOST_KEY_TYPES


def host_key_path(key_type: str, directory: str = "/etc/ssh") -> str:
    return os.path.join(directory, "ssh_host_%s_key" % key_type)


def _read_key_text(path: str) -> Optional[str]:
    data = fileio.read_file(path, owners=(0,))
    if data is None:
        return None
    return data.decode("ascii", "replace")


def load_public_key(path: str, run: Runner, agent: bool = False) -> Tuple[Optional[keys.PublicKey], List[str]]:
    """The public key sshd serves from the HostKey file ``path`` (None: no such file) and warnings."""
    warnings: List[str] = []
    private = _read_key_text(path)
    pub_text = _read_key_text(path + ".pub")
    pub = keys.parse_public_key(split_lines(pub_text)[0], path + ".pub") \
        if pub_text and pub_text.strip() else None
    if private is None:
        if agent and pub is not None:
            return pub, warnings
        return None, warnings
    key = keys.public_key_from_private(private, path)
    if key is None:
        key = keys.parse_public_key(keygen.public_of(run, path), path)
    if pub is not None and pub.blob != key.blob:
        warnings.append("%s.pub does not match the private key %s; sshd serves the private key's public half "
                        "(%s), which the records describe; fix or remove the .pub file"
                        % (path, path, key.fingerprint))
    return key, warnings


def key_info(run: Runner, path: str, write_pub: bool) -> Optional[Dict[str, object]]:
    """bits, fingerprint and type of an existing host key, or None when there is no key.

    The key is what sshd serves (load_public_key: the private key's public
    half). A missing ``.pub`` is written beside it only when ``write_pub``
    (never in check mode).
    """
    if fileio.file_stat(path) is None:
        return None
    try:
        key, _unused = load_public_key(path, run)
    except (OpenSSHConfigError, OSError) as exc:
        return {"path": path, "error": str(exc)}
    if key is None:
        return None
    if write_pub and fileio.file_stat(path + ".pub") is None:
        fileio.write_file(path + ".pub", (key.text() + "\n").encode("ascii"), 0, 0, 0o644)
    return {"path": path, "bits": key.bits, "fingerprint": keys.fingerprint_sha256(key.blob),
            "type": key.type_name}


ROTATION_PHASES = ("publish", "withdraw", "retire")
NEXT_SUFFIX = ".next"


def check_rotation(rotation: Any, where: str = "host_key_rotation") -> Dict[str, Dict[str, Any]]:
    """``{type: {phase: publish|retire, bits: N}}``, checked; raise OpenSSHConfigError otherwise."""
    if rotation in (None, ""):
        return {}
    if not isinstance(rotation, dict):
        raise OpenSSHConfigError("a mapping of key type to phase and bits", where)
    checked: Dict[str, Dict[str, Any]] = {}
    for key_type, item in rotation.items():
        here = "%s.%s" % (where, key_type)
        if key_type not in HOST_KEY_TYPES:
            raise OpenSSHConfigError("unknown host key type %r (use one of %s)"
                                     % (key_type, ", ".join(sorted(HOST_KEY_TYPES))), here)
        item = item or {}
        if not isinstance(item, dict) or set(item) - {"phase", "bits"}:
            raise OpenSSHConfigError("takes phase (publish, withdraw or retire) and, for rsa, bits", here)
        phase = item.get("phase", "publish")
        if phase not in ROTATION_PHASES:
            raise OpenSSHConfigError("phase must be publish, withdraw or retire, got %r" % (phase,),
                                     here + ".phase")
        bits = item.get("bits")
        if bits is not None and (key_type != "rsa" or not isinstance(bits, int) or bits < 3072 or bits > 16384):
            raise OpenSSHConfigError("bits is for rsa keys only, 3072 to 16384", here + ".bits")
        checked[key_type] = {"phase": phase, "bits": bits}
    return checked


def next_key_path(key_type: str, directory: str = "/etc/ssh") -> str:
    """Where a rotation keeps the new key until it is promoted."""
    return host_key_path(key_type, directory) + NEXT_SUFFIX


def plan_host_keys(run: Runner, wanted: Sequence[str], rsa_bits: int, remove: Sequence[str],
                   directory: str = "/etc/ssh", rotation: Optional[Dict[str, Dict[str, Any]]] = None
                   ) -> Tuple[List[Dict], List[str], List[Dict[str, Any]]]:
    """What the host keys need, without changing anything: (key infos, warnings, actions).

    An existing key is never regenerated: its fingerprint is what users trust.
    An RSA key shorter than ``rsa_bits`` is reported, not replaced. Actions:
    ``{"generate": type, "path": ...}``, ``{"fix": path, "mode": ...}``,
    ``{"remove": path}``, ``{"promote": path, "next": path}``.

    Rotation (opt-in, issue 19), per key type: ``publish`` generates the new
    key beside the current one (``ssh_host_<type>_key.next``) and sshd serves
    both, so clients (UpdateHostKeys) and host certificates can learn it;
    ``withdraw`` also generates it but serves neither key of the type (the
    safe step for SSHFP with 8.7+ clients: they fall back to another type
    while the record is replaced); ``retire`` renames it over the current
    key, which then is the only one served. Each phase changes nothing when
    run again.
    """
    rotation = rotation or {}
    infos: List[Dict] = []
    warnings: List[str] = []
    actions: List[Dict[str, Any]] = []
    for key_type in wanted:
        if key_type not in HOST_KEY_TYPES:
            raise OpenSSHConfigError("unknown host key type %r (use one of %s)"
                                     % (key_type, ", ".join(sorted(HOST_KEY_TYPES))), "host_keys")
        path = host_key_path(key_type, directory)
        info = key_info(run, path, write_pub=False)
        if info is None:
            actions.append({"generate": key_type, "path": path})
            infos.append({"path": path, "type": key_type, "generated": True})
            continue
        if key_type == "rsa" and isinstance(info.get("bits"), int) and info["bits"] < rsa_bits:
            warnings.append("%s has %d bits, fewer than %d; it is kept (a new key changes the "
                            "fingerprint users trust): rotate it deliberately"
                            % (path, info["bits"], rsa_bits))
        for file_path, wanted in ((path, 0o600), (path + ".pub", 0o644)):
            st = fileio.file_stat(file_path)
            if st is None:
                if file_path.endswith(".pub"):
                    actions.append({"pub": path})
                continue
            # root:root and the wanted mode, but a stricter mode is kept (issue 19)
            mode = fileio.kept_mode(st.st_mode & 0o7777, wanted)
            if (st.st_mode & 0o7777) != mode or st.st_uid != 0 or st.st_gid != 0:
                actions.append({"fix": file_path, "mode": mode})
        infos.append(info)
    for key_type, step in sorted(rotation.items()):
        path, upcoming = host_key_path(key_type, directory), next_key_path(key_type, directory)
        present = fileio.file_stat(upcoming) is not None
        if step["phase"] in ("publish", "withdraw"):
            if not present:
                actions.append({"generate": key_type, "path": upcoming, "bits": step.get("bits")})
                infos.append({"path": upcoming, "type": key_type, "generated": True,
                              "rotation": step["phase"] + "ed"})
            else:
                infos.append(dict(key_info(run, upcoming, write_pub=False) or {}, rotation=step["phase"] + "ed"))
        elif present:
            actions.append({"promote": path, "next": upcoming})
    for key_type in remove:
        path = host_key_path(key_type, directory)
        for file_path in (path, path + ".pub"):
            if fileio.file_stat(file_path) is not None:
                actions.append({"remove": file_path})
    return infos, warnings, actions


def apply_host_keys(run: Runner, actions: Sequence[Dict[str, Any]], rsa_bits: int, infos: List[Dict],
                    transaction: Any = None) -> None:
    """Carry out plan_host_keys' actions; every file is recorded in ``transaction`` before it changes."""
    for action in actions:
        if "generate" in action:
            path = action["path"]
            if transaction is not None:
                transaction.snapshot(path)
                transaction.snapshot(path + ".pub")
            keygen.generate_host_key(run, path, action["generate"], action.get("bits") or rsa_bits)
            for index, info in enumerate(infos):
                if info.get("path") == path:
                    infos[index] = dict(key_info(run, path, write_pub=True) or {}, generated=True)
        elif "pub" in action:
            if transaction is not None:
                transaction.snapshot(action["pub"] + ".pub")
            key_info(run, action["pub"], write_pub=True)
        elif "fix" in action:
            if transaction is not None:
                transaction.snapshot(action["fix"])
            fileio.set_metadata(action["fix"], 0, 0, action["mode"])
        elif "remove" in action:
            if transaction is not None:
                transaction.snapshot(action["remove"])
            fileio.remove_file(action["remove"])
        elif "promote" in action:
            current, upcoming = action["promote"], action["next"]
            if transaction is not None:
                for path in (current, current + ".pub", upcoming, upcoming + ".pub"):
                    transaction.snapshot(path)
            with fileio.Directory.open(os.path.dirname(current), trusted=True) as keys_dir:
                keys_dir.rename(os.path.basename(upcoming) + ".pub", os.path.basename(current) + ".pub")
                keys_dir.rename(os.path.basename(upcoming), os.path.basename(current))
                keys_dir.sync()
