# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every ssh-keygen, ssh-agent and ssh-add command of the collection.

The certificate authority's signing and KRLs, and the host-side commands of
the other modules (host key generation, deriving a public key, listing a
known_hosts candidate): one file, so each command is written once.

One file runs them all, so the rules below hold everywhere:

* **No secret on a command line or in a readable file.** A CA passphrase (or
  a PKCS#11 PIN) reaches ``ssh-add`` through ``SSH_ASKPASS`` with
  ``SSH_ASKPASS_REQUIRE=force``: the askpass script in a private 0700
  directory prints an environment variable, and the environment of a process
  is readable only by its own uid (``/proc/PID/environ``). The script answers
  once (a wrong passphrase would otherwise make ``ssh-add`` ask forever) and
  holds no secret itself. Commands run in a new session without a
  controlling terminal, so nothing ever waits on a tty prompt.
* **Decrypt once, sign many.** The CA key is loaded into a private
  ``ssh-agent`` (socket in a ``mkdtemp`` directory, key lifetime
  ``-t``), every certificate is signed with ``ssh-keygen -U -s ca.pub``, and
  the agent is killed by its PID when signing ends, also on failure.
* **UTC everywhere.** ``TZ=UTC`` is set for every command: ``-V`` times are
  written without a zone suffix (8.4 rejects ``Z``) and mean UTC.

``run(argv) -> (rc, stdout, stderr)`` is injected for the commands that also
run on managed hosts (KRL listing and checks); ``local_run`` is the
controller's runner.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]

KEYGEN = "ssh-keygen"
AGENT = "ssh-agent"
ADD = "ssh-add"
FOREVER = 0xFFFFFFFFFFFFFFFF
#: how long the private agent keeps the CA key (seconds); signing a batch takes far less
AGENT_KEY_LIFETIME = 600
PASSPHRASE_VARIABLE = "SSHSUITE_CA_SECRET"
_ASKPASS = ("#!/bin/sh\n"
            "# Answers once: a wrong passphrase must fail, not loop.\n"
            "[ -e \"$0.used\" ] && exit 1\n"
            ": > \"$0.used\"\n"
            "printf '%s\\n' \"$" + PASSPHRASE_VARIABLE + "\"\n")

#: the user-certificate extensions ssh-keygen sets by default (and -O names)
STANDARD_EXTENSIONS = ("permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding",
                       "permit-pty", "permit-user-rc", "no-touch-required")
STANDARD_CRITICAL = ("force-command", "source-address", "verify-required")


class KeygenError(OpenSSHConfigError):
    """An ssh-keygen/ssh-agent/ssh-add command failed (the message names it, never a secret)."""


def _environment(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    env = {"PATH": os.environ.get("PATH") or "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC",
           "HOME": os.environ.get("HOME") or "/"}
    if extra:
        env.update(extra)
    return env


def local_run(argv: Sequence[str], env: Optional[Mapping[str, str]] = None,
              timeout: float = 120) -> Tuple[int, str, str]:
    """Run a command on the controller: C locale, UTC, no tty, stdin /dev/null."""
    try:
        done = subprocess.run(list(argv), env=_environment(env), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, start_new_session=True, check=False)
    except FileNotFoundError:
        return 127, "", "%s: command not found" % argv[0]
    except subprocess.TimeoutExpired:
        return 124, "", "%s timed out after %d s" % (argv[0], timeout)
    return done.returncode, done.stdout, done.stderr


# ---------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------

def utc_stamp(epoch: int) -> str:
    """``YYYYMMDDHHMMSS`` in UTC (ssh-keygen -V reads it as local time; TZ=UTC)."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch))


def validity_argument(valid_after: int, valid_before: int) -> Optional[str]:
    """The -V value, or None for a certificate valid always and forever."""
    if valid_after <= 0 and valid_before >= FOREVER:
        return None
    start = "always" if valid_after <= 0 else utc_stamp(valid_after)
    end = "forever" if valid_before >= FOREVER else utc_stamp(valid_before)
    return "%s:%s" % (start, end)


# ---------------------------------------------------------------------------
# The private agent
# ---------------------------------------------------------------------------

class Agent(object):
    """A private ssh-agent: socket in a 0700 mkdtemp directory, killed by PID on close."""

    def __init__(self, lifetime: int = AGENT_KEY_LIFETIME, start_timeout: float = 30.0):
        self.lifetime = lifetime
        self.directory = tempfile.mkdtemp(prefix="sshsuite-ca-")
        os.chmod(self.directory, 0o700)
        self.socket = os.path.join(self.directory, "agent.sock")
        self.process: Optional[subprocess.Popen] = None
        try:
            self.process = subprocess.Popen(
                [AGENT, "-D", "-a", self.socket], env=_environment(), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        except FileNotFoundError:
            self.close()
            raise KeygenError("ssh-agent was not found on the controller (openssh-client is needed to sign)")
        deadline = time.monotonic() + start_timeout
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                error = self.process.stderr.read().decode("utf-8", "replace").strip() if self.process.stderr else ""
                self.close()
                raise KeygenError("the private ssh-agent did not start: %s" % (error or "no socket"))
            time.sleep(0.01)

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process else None

    def environment(self) -> Dict[str, str]:
        return {"SSH_AUTH_SOCK": self.socket}

    def _askpass_environment(self, secret: Optional[str]) -> Dict[str, str]:
        script = os.path.join(self.directory, "askpass")
        for leftover in (script, script + ".used"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700)
        with os.fdopen(fd, "w") as handle:
            handle.write(_ASKPASS)
        env = self.environment()
        env.update({"SSH_ASKPASS": script, "SSH_ASKPASS_REQUIRE": "force", PASSPHRASE_VARIABLE: secret or ""})
        return env

    def add_key(self, private_key: str, passphrase: Optional[str] = None) -> None:
        """Load a private key (decrypted with ``passphrase`` through askpass) for ``lifetime`` seconds."""
        rc, out, err = local_run([ADD, "-q", "-t", str(self.lifetime), private_key],
                                 self._askpass_environment(passphrase), timeout=60)
        if rc != 0:
            reason = (err or out).strip() or "rc %d" % rc
            if passphrase is None and "passphrase" in reason.lower():
                reason += " (the CA key is encrypted: give its passphrase, e.g. from Ansible Vault)"
            raise KeygenError("could not load the CA key %s into the private agent: %s" % (private_key, reason))

    def add_pkcs11(self, provider: str, pin: Optional[str] = None) -> None:
        """Load the keys of a PKCS#11 token (``ssh-add -s``); the PIN goes through askpass."""
        rc, out, err = local_run([ADD, "-q", "-t", str(self.lifetime), "-s", provider],
                                 self._askpass_environment(pin), timeout=60)
        if rc != 0:
            raise KeygenError("could not load the keys of PKCS#11 provider %s into the private agent: %s"
                              % (provider, (err or out).strip() or "rc %d" % rc))

    def close(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(5)
            if self.process.stderr:
                self.process.stderr.close()
            self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "Agent":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# ---------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------

def option_arguments(critical: Mapping[str, str], extensions: Mapping[str, str]) -> List[str]:
    """-O arguments that give a user certificate exactly these options and extensions."""
    argv = ["-O", "clear"]
    for name in sorted(critical):
        value = critical[name]
        if name in STANDARD_CRITICAL:
            argv += ["-O", name if name == "verify-required" else "%s=%s" % (name, value)]
        else:
            argv += ["-O", "critical:%s" % name + ("=%s" % value if value else "")]
    for name in sorted(extensions):
        value = extensions[name]
        if name in STANDARD_EXTENSIONS and not value:
            argv += ["-O", name]
        else:
            argv += ["-O", "extension:%s" % name + ("=%s" % value if value else "")]
    return argv


def sign_argv(ca_public: str, key_path: str, key_id: str, serial: int, principals: Sequence[str],
              valid_after: int, valid_before: int, host: bool, critical: Mapping[str, str],
              extensions: Mapping[str, str], agent: bool = True, pkcs11_provider: Optional[str] = None,
              algorithm: Optional[str] = None, private_key: Optional[str] = None) -> List[str]:
    """The ssh-keygen command that signs ``key_path`` (the certificate goes next to it)."""
    if serial <= 0:
        raise KeygenError("refusing to sign with serial %d: serials start at 1 (serial 0 is revoked by key ID)" % serial)
    argv = [KEYGEN, "-q", "-s", private_key if private_key and not agent and not pkcs11_provider else ca_public]
    if agent:
        argv.append("-U")
    elif pkcs11_provider:
        argv += ["-D", pkcs11_provider]
    argv += ["-I", key_id, "-z", str(serial)]
    if host:
        argv.append("-h")
    if principals:
        argv += ["-n", ",".join(principals)]
    validity = validity_argument(valid_after, valid_before)
    if validity:
        argv += ["-V", validity]
    if not host:
        argv += option_arguments(critical, extensions)
    if algorithm:
        argv += ["-t", algorithm]
    argv.append(key_path)
    return argv


class SignJob(object):
    """One certificate to sign: the plain key text and what goes into the certificate."""

    __slots__ = ("key_text", "key_id", "serial", "principals", "valid_after", "valid_before", "host",
                 "critical", "extensions")

    def __init__(self, key_text, key_id, serial, principals, valid_after, valid_before, host,
                 critical=None, extensions=None):
        self.key_text = key_text
        self.key_id = key_id
        self.serial = serial
        self.principals = list(principals)
        self.valid_after = valid_after
        self.valid_before = valid_before
        self.host = host
        self.critical = dict(critical or {})
        self.extensions = dict(extensions or {})


class Signer(object):
    """Signs with one CA. The agent is started (and the CA key decrypted) only when the first
    certificate must be signed: an unchanged run never touches the private key.

    ``ca_public``: the CA's public key text. ``private_key``: path of the private key on the
    controller; ``passphrase``: its passphrase (never written anywhere); ``pkcs11_provider``: a
    PKCS#11 library whose token holds the CA key (loaded into the agent with ``ssh-add -s``, the
    PIN given as ``passphrase``); ``agent_socket``: an agent that already holds the CA key.
    """

    def __init__(self, ca_public: str, private_key: Optional[str] = None, passphrase: Optional[str] = None,
                 pkcs11_provider: Optional[str] = None, agent_socket: Optional[str] = None,
                 algorithm: Optional[str] = None, workers: Optional[int] = None):
        if not (private_key or pkcs11_provider or agent_socket):
            raise KeygenError("the CA needs private_key, pkcs11_provider or agent_socket to sign with")
        self.ca_public = ca_public.strip()
        self.private_key = private_key
        self.passphrase = passphrase
        self.pkcs11_provider = pkcs11_provider
        self.agent_socket = agent_socket
        self.algorithm = algorithm
        self.workers = workers or max(2, os.cpu_count() or 2)
        self.agent: Optional[Agent] = None
        self.workdir: Optional[str] = None

    def _start(self) -> Dict[str, str]:
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix="sshsuite-sign-")
            os.chmod(self.workdir, 0o700)
            with open(os.path.join(self.workdir, "ca.pub"), "w") as handle:
                handle.write(self.ca_public + "\n")
        if self.agent_socket:
            return {"SSH_AUTH_SOCK": self.agent_socket}
        if self.agent is None:
            agent = Agent()
            try:
                if self.pkcs11_provider:
                    agent.add_pkcs11(self.pkcs11_provider, self.passphrase)
                else:
                    agent.add_key(self.private_key, self.passphrase)
            except BaseException:
                agent.close()
                raise
            self.agent = agent
        return self.agent.environment()

    def _sign_one(self, index: int, job: SignJob, env: Dict[str, str]) -> str:
        key_path = os.path.join(self.workdir, "k%d.pub" % index)
        with open(key_path, "w") as handle:
            handle.write(job.key_text.strip() + "\n")
        argv = sign_argv(os.path.join(self.workdir, "ca.pub"), key_path, job.key_id, job.serial, job.principals,
                         job.valid_after, job.valid_before, job.host, job.critical, job.extensions,
                         agent=True, algorithm=self.algorithm)
        rc, out, err = local_run(argv, env)
        cert_path = os.path.join(self.workdir, "k%d-cert.pub" % index)
        if rc != 0 or not os.path.exists(cert_path):
            raise KeygenError("ssh-keygen could not sign %s (serial %d): %s"
                              % (job.key_id, job.serial, (err or out).strip() or "rc %d" % rc))
        with open(cert_path) as handle:
            text = handle.read().strip()
        os.unlink(cert_path)
        os.unlink(key_path)
        return text

    def sign(self, jobs: Sequence[SignJob]) -> List[str]:
        """Certificate texts, in the order of ``jobs``."""
        if not jobs:
            return []
        env = self._start()
        if len(jobs) == 1:
            return [self._sign_one(0, jobs[0], env)]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(self._sign_one, index, job, env) for index, job in enumerate(jobs)]
            return [future.result() for future in futures]

    def close(self) -> None:
        if self.agent is not None:
            self.agent.close()
            self.agent = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> "Signer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# ---------------------------------------------------------------------------
# Key revocation lists
# ---------------------------------------------------------------------------

def build_krl(sections: Sequence[Tuple[Optional[str], str]], run: Optional[Runner] = None) -> bytes:
    """KRL bytes from ``[(CA public key text or None, spec text), ...]``.

    The first section creates the KRL, the others are merged into it (``-u``);
    serial and key-ID lines need the section's CA. No section: an empty KRL.
    """
    runner = run or local_run
    workdir = tempfile.mkdtemp(prefix="sshsuite-krl-")
    try:
        path = os.path.join(workdir, "krl")
        if not sections:
            sections = [(None, "")]
        for index, (ca_text, spec) in enumerate(sections):
            argv = [KEYGEN, "-k"] + (["-u"] if index else []) + ["-f", path]
            if ca_text:
                ca_path = os.path.join(workdir, "ca%d.pub" % index)
                with open(ca_path, "w") as handle:
                    handle.write(ca_text.strip() + "\n")
                argv += ["-s", ca_path]
            if spec:
                spec_path = os.path.join(workdir, "spec%d" % index)
                with open(spec_path, "w") as handle:
                    handle.write(spec)
                argv.append(spec_path)
            rc, out, err = runner(argv)
            if rc != 0:
                raise KeygenError("ssh-keygen could not build the KRL: %s" % ((err or out).strip() or "rc %d" % rc))
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def normalise_listing(text: str) -> str:
    """A KRL listing without its generation time (the only part that changes when nothing else does)."""
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line and not line.startswith("# Generated at"))


def krl_listing(run: Runner, path: str) -> Tuple[bool, str]:
    """(True, normalised listing) for a valid KRL; (False, ssh-keygen's reason) otherwise.

    ``ssh-keygen -Q -l`` is the validator: an empty file, a text file, a
    plain key list or a truncated KRL are refused.
    """
    rc, out, err = run([KEYGEN, "-Q", "-l", "-f", path])
    if rc != 0:
        return False, (err or out).strip() or "ssh-keygen -Q -l failed with rc %d" % rc
    return True, normalise_listing(out)


def krl_revokes(run: Runner, krl_path: str, key_path: str) -> bool:
    """True when the KRL revokes the key or certificate in ``key_path`` (``ssh-keygen -Q -f``)."""
    rc, out, err = run([KEYGEN, "-Q", "-f", krl_path, key_path])
    if rc == 0:
        return False
    if rc == 1 and "REVOKED" in out:
        return True
    raise KeygenError("ssh-keygen -Q could not check %s against %s: %s" % (key_path, krl_path, (err or out).strip()))


# ---------------------------------------------------------------------------
# Host keys and key files (sshd and client modules)
# ---------------------------------------------------------------------------

#: ssh-keygen arguments per host key type the sshd role generates
HOST_KEY_TYPES = {"ed25519": ["-t", "ed25519"], "rsa": ["-t", "rsa"], "ecdsa": ["-t", "ecdsa", "-b", "256"]}


def generate_host_key(run: Runner, path: str, key_type: str, rsa_bits: int) -> None:
    """A new host key without passphrase or comment at ``path`` (and ``path.pub``)."""
    argv = [KEYGEN, "-q", "-N", "", "-C", "", "-f", path] + HOST_KEY_TYPES[key_type]
    if key_type == "rsa":
        argv += ["-b", str(rsa_bits)]
    rc, out, err = run(argv)
    if rc != 0:
        raise KeygenError("ssh-keygen failed for %s: %s" % (path, (err or out).strip()), "host_keys")


def public_of(run: Runner, path: str) -> str:
    """The public key of the private key file ``path`` (``ssh-keygen -y``), for formats the parser lacks."""
    rc, out, err = run([KEYGEN, "-y", "-f", path])
    if rc != 0:
        raise KeygenError("ssh-keygen -y cannot read %s: %s" % (path, (err or out).strip()), path)
    return out.strip()


def fingerprint_lines(run: Runner, path: str) -> Tuple[int, List[str], str]:
    """(rc, the lines ``ssh-keygen -l -f path`` prints, its error text): one line per key it read."""
    rc, out, err = run([KEYGEN, "-l", "-f", path])
    return rc, [line for line in out.split("\n") if line.strip()], (err or out).strip()
