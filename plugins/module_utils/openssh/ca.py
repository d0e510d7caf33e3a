# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate authority's decisions: what to sign, with which serial, what a KRL holds.

Pure logic (plus the controller's registry file); the commands are in
keygen.py, keys and certificates are parsed by keys.py.

``CertRequest``
    one certificate that should exist: key, key ID, principals, validity
    (a duration renewed when a share of it has passed, or a fixed window),
    critical options and extensions. ``user_request`` builds one from data.
``renewal_reasons(existing, request, ca, now, renew_fraction)``
    why an existing certificate must be replaced: missing, another key, another
    CA (a rotation), principals/options/key ID changed, validity changed, or
    the configured share of its validity has passed. No reason: keep it.
``Registry``
    serial allocation and issuance log on the controller: ``serials.json``
    (the next free serial) and ``issued.jsonl`` (one JSON line per certificate:
    serial, key ID, principals, validity, key fingerprint, CA), both under an
    exclusive ``flock`` so parallel forks never hand out one serial twice.
    Serials start at 1 and are never reused: the next one follows both
    ``serials.json`` and the highest serial in the log.
``Revocations``
    revoked serials (and ranges), key IDs, plain keys and whole certificates,
    turned into ``ssh-keygen -k`` spec sections per CA (``krl_sections``).
"""

from __future__ import annotations

import base64
import calendar
import contextlib
import datetime
import fcntl
import ipaddress
import json
import os
import re
import stat
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio, keygen, keys, text, values
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)

FOREVER = keys.Certificate.FOREVER
#: certificates start this long before they are signed (clock skew between CA and hosts)
BACKDATE = 300
DEFAULT_RENEW_FRACTION = 0.5
#: ssh-keygen's default user-certificate extensions
DEFAULT_EXTENSIONS = ("permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding",
                      "permit-pty", "permit-user-rc")
#: convenience flags of the data -> the extension they remove
RESTRICTIONS = {
    "no_pty": "permit-pty",
    "no_port_forwarding": "permit-port-forwarding",
    "no_agent_forwarding": "permit-agent-forwarding",
    "no_x11_forwarding": "permit-X11-forwarding",
    "no_user_rc": "permit-user-rc",
}
_PRINCIPAL_BAD = re.compile(r"[\s,]")
_USER_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?\Z")
_OPTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]*\Z")


# ---------------------------------------------------------------------------
# Times and windows
# ---------------------------------------------------------------------------

_ABSOLUTE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?Z?\Z")


def parse_time(value: Any, where: str) -> int:
    """An absolute time in UTC -> seconds since the epoch.

    ``2026-01-01``, ``2026-01-01T08:00:00Z``, ``20260101080000``, an epoch
    number, ``always`` (0) or ``forever``.
    """
    if isinstance(value, bool):
        raise OpenSSHConfigError("expected a time, got a boolean", where)
    if isinstance(value, int):
        if value < 0:
            raise OpenSSHConfigError("a time must not be negative", where)
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        value = value.isoformat()
    if not isinstance(value, str):
        raise OpenSSHConfigError("expected a time such as 2026-01-01T00:00:00Z, got %s" % type(value).__name__, where)
    textual = value.strip()
    if textual == "always":
        return 0
    if textual == "forever":
        return FOREVER
    match = _ABSOLUTE.match(textual)
    if not match:
        raise OpenSSHConfigError("%r is not a time: use 2026-01-01, 2026-01-01T08:00:00Z (UTC), always or forever"
                                 % textual, where)
    parts = [int(p) if p else 0 for p in match.groups()]
    try:
        moment = datetime.datetime(*parts)
    except ValueError as exc:
        raise OpenSSHConfigError("%r is not a real date and time (%s)" % (textual, exc), where)
    return calendar.timegm(moment.timetuple())


#: a validity bound as text (UTC, always, forever): the same words as certificate_info
iso = keys.certificate_time


class Window(object):
    """Validity: ``duration`` seconds from signing (renewed), or a fixed (after, before)."""

    __slots__ = ("duration", "after", "before")

    def __init__(self, duration: Optional[int] = None, after: Optional[int] = None, before: Optional[int] = None):
        self.duration = duration
        self.after = after
        self.before = before

    @property
    def fixed(self) -> bool:
        return self.duration is None

    def at(self, now: int) -> Tuple[int, int]:
        """(valid_after, valid_before) of a certificate signed at ``now``."""
        if self.fixed:
            return self.after, self.before
        if self.duration >= FOREVER:
            return max(0, now - BACKDATE), FOREVER
        return max(0, now - BACKDATE), now + self.duration

    def describe(self) -> str:
        if self.fixed:
            return "%s to %s" % (iso(self.after), iso(self.before))
        return "forever" if self.duration >= FOREVER else "%d s from signing" % self.duration


def window_from_data(validity: Any, valid_from: Any, valid_to: Any, where: str) -> Window:
    """``validity: 30d`` (renewed) or ``valid_from``/``valid_to`` (fixed, both UTC)."""
    if valid_from is not None or valid_to is not None:
        if valid_to is None:
            raise OpenSSHConfigError("valid_from needs valid_to (a fixed window); or give validity: 30d", where)
        after = parse_time(valid_from if valid_from is not None else "always", where + ".valid_from")
        before = parse_time(valid_to, where + ".valid_to")
        if before <= after:
            raise OpenSSHConfigError("valid_to (%s) must be after valid_from (%s)" % (iso(before), iso(after)), where)
        return Window(after=after, before=before)
    if validity in (None, ""):
        raise OpenSSHConfigError("give validity (a duration such as 30d or 52w, or forever) or valid_from/valid_to",
                                 where)
    if validity == "forever":
        return Window(duration=FOREVER)
    seconds = values.parse_duration(validity, where + ".validity")
    if seconds < 60:
        raise OpenSSHConfigError("validity %r is shorter than a minute" % validity, where + ".validity")
    return Window(duration=seconds)


def check_fraction(value: Any, where: str) -> float:
    try:
        fraction = float(value)
    except (TypeError, ValueError):
        raise OpenSSHConfigError("renew_fraction must be a number between 0 and 1, got %r" % (value,), where)
    if not 0 < fraction <= 1:
        raise OpenSSHConfigError("renew_fraction must be > 0 and <= 1 (share of the validity after which a "
                                 "certificate is renewed), got %r" % (value,), where)
    return fraction


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------

def check_principal(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise OpenSSHConfigError("a principal is a string, got %s" % type(value).__name__, where)
    principal = text.check_text(str(value), where, "the principal")
    if not principal or _PRINCIPAL_BAD.search(principal):
        raise OpenSSHConfigError("principal %r is empty or contains a blank or a comma" % principal, where)
    return principal


def check_principals(value: Any, where: str, required: bool = True) -> Tuple[str, ...]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise OpenSSHConfigError("principals must be a list of names", where)
    result: List[str] = []
    for index, item in enumerate(value):
        principal = check_principal(item, "%s[%d]" % (where, index))
        if principal not in result:
            result.append(principal)
    if required and not result:
        raise OpenSSHConfigError("a certificate without principals is valid for every user or host; "
                                 "list at least one principal", where)
    return tuple(result)


def check_key_id(value: Any, where: str) -> str:
    """A key ID: text without control characters, not empty, and no blank at either end.

    ssh-keygen -k trims the ``id:`` value of a KRL spec, so a certificate whose
    key ID starts or ends with a blank could never be revoked by key ID.
    """
    key_id = text.check_text(str(value), where, "the key ID")
    if not key_id.strip():
        raise OpenSSHConfigError("the key ID is empty", where)
    if key_id != key_id.strip():
        raise OpenSSHConfigError("key ID %r starts or ends with a blank: ssh-keygen trims it in a KRL, so the "
                                 "certificate could not be revoked by key ID" % key_id, where)
    return key_id


class CertRequest(object):
    """One certificate that should exist."""

    __slots__ = ("name", "kind", "key", "key_id", "principals", "window", "critical", "extensions", "where")

    def __init__(self, name: str, kind: str, key: keys.PublicKey, key_id: str, principals: Sequence[str],
                 window: Window, critical: Optional[Mapping[str, str]] = None,
                 extensions: Optional[Mapping[str, str]] = None, where: str = ""):
        self.name = name
        self.kind = kind
        self.key = key
        self.key_id = key_id
        self.principals = tuple(principals)
        self.window = window
        self.critical = dict(critical or {})
        self.extensions = dict(extensions or {}) if kind == "user" else {}
        self.where = where


def _option_map(value: Any, where: str) -> Dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise OpenSSHConfigError("expected a mapping of name -> value", where)
    result = {}
    for name, item in value.items():
        here = "%s.%s" % (where, name)
        name = str(name)
        if not _OPTION_NAME.match(name):
            raise OpenSSHConfigError("%r is not an option name" % name, here)
        if item is True or item is None:
            item = ""
        elif item is False:
            continue
        result[name] = text.check_text(str(item), here)
    return result


def _cidr_list(value: Any, where: str) -> str:
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    checked = []
    for index, item in enumerate(items):
        entry = str(item).strip()
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise OpenSSHConfigError("%r is not an address or CIDR network" % entry, "%s[%d]" % (where, index))
        checked.append(entry)
    if not checked:
        raise OpenSSHConfigError("source_address needs at least one address or network", where)
    return ",".join(checked)


_USER_KEYS = frozenset({"name", "public_key", "principals", "key_id", "validity", "valid_from", "valid_to",
                        "force_command", "source_address", "verify_required", "extensions",
                        "critical_options", "path", "state"} | set(RESTRICTIONS))


def user_request(item: Any, where: str) -> CertRequest:
    """A user certificate from data::

        {name: alice-laptop, public_key: "ssh-ed25519 AAAA...", principals: [alice, ops],
         validity: 8h | valid_from/valid_to, key_id: optional (default: name),
         force_command: "...", source_address: [10.0.0.0/8], no_pty: true, ...,
         extensions: {permit-pty: true, ...} (replaces the defaults), critical_options: {...}}
    """
    if not isinstance(item, Mapping):
        raise OpenSSHConfigError("a certificate is a mapping (name, public_key, principals, validity ...)", where)
    unknown = sorted(str(k) for k in item if k not in _USER_KEYS)
    if unknown:
        raise OpenSSHConfigError("unknown key(s) %s; known: %s" % (", ".join(unknown), ", ".join(sorted(_USER_KEYS))),
                                 where)
    name = item.get("name")
    if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9@._-]*\Z", name):
        raise OpenSSHConfigError("name must be a file-name-safe string (letters, digits, @ . _ -), got %r" % (name,),
                                 where + ".name")
    where = "%s (%s)" % (where, name)
    key_text = item.get("public_key")
    if not isinstance(key_text, str):
        raise OpenSSHConfigError("public_key must be the key text ('ssh-ed25519 AAAA...')", where + ".public_key")
    key = keys.parse_public_key(key_text.strip(), where + ".public_key")
    if key.is_certificate:
        raise OpenSSHConfigError("public_key must be a plain key, not a certificate", where + ".public_key")
    keys.check_key_policy(key, where + ".public_key")
    principals = check_principals(item.get("principals"), where + ".principals")
    window = window_from_data(item.get("validity"), item.get("valid_from"), item.get("valid_to"), where)
    critical = _option_map(item.get("critical_options"), where + ".critical_options")
    if item.get("force_command") not in (None, ""):
        critical["force-command"] = text.check_text(str(item["force_command"]), where + ".force_command")
    if item.get("source_address") not in (None, "", []):
        critical["source-address"] = _cidr_list(item["source_address"], where + ".source_address")
    if item.get("verify_required"):
        critical["verify-required"] = ""
    if item.get("extensions") is not None:
        extensions = _option_map(item.get("extensions"), where + ".extensions")
    else:
        extensions = dict.fromkeys(DEFAULT_EXTENSIONS, "")
    for flag, extension in RESTRICTIONS.items():
        if item.get(flag):
            extensions.pop(extension, None)
    key_id = check_key_id(item.get("key_id") or name, where + ".key_id")
    return CertRequest(name, "user", key.with_comment(""), key_id, principals, window, critical, extensions, where)


# ---------------------------------------------------------------------------
# Renewal
# ---------------------------------------------------------------------------

def renewal_reasons(existing: Optional[keys.PublicKey], request: CertRequest, ca: keys.PublicKey, now: int,
                    renew_fraction: float = DEFAULT_RENEW_FRACTION) -> List[str]:
    """Why the existing certificate must be replaced; empty when it is what the request asks for."""
    if existing is None:
        return ["no certificate yet"]
    cert = existing.certificate
    if cert is None:
        return ["the file holds a plain key, not a certificate"]
    reasons = []
    if cert.cert_type != request.kind:
        reasons.append("it is a %s certificate, not a %s certificate" % (cert.cert_type, request.kind))
    if cert.public_blob != request.key.plain_blob:
        reasons.append("it certifies another key (%s)" % keys.fingerprint_sha256(cert.public_blob))
    if cert.signature_key.blob != ca.blob:
        reasons.append("signed by another CA (%s, now %s)" % (cert.signature_key.fingerprint, ca.fingerprint))
    if set(cert.principals) != set(request.principals):
        reasons.append("principals changed (%s -> %s)"
                       % (",".join(sorted(cert.principals)), ",".join(sorted(request.principals))))
    if cert.key_id != request.key_id:
        reasons.append("key ID changed (%r -> %r)" % (cert.key_id, request.key_id))
    if cert.option_values(True) != request.critical:
        reasons.append("critical options changed")
    if request.kind == "user" and cert.option_values(False) != request.extensions:
        reasons.append("extensions changed")
    if cert.serial == 0:
        reasons.append("serial 0 (revocable only by key ID)")
    window = request.window
    if window.fixed:
        if (cert.valid_after, cert.valid_before) != (window.after, window.before):
            reasons.append("validity changed (%s to %s -> %s)"
                           % (iso(cert.valid_after), iso(cert.valid_before), window.describe()))
    else:
        after, before = window.at(now)
        span = before - after if before < FOREVER else FOREVER
        have = cert.valid_before - cert.valid_after if cert.valid_before < FOREVER else FOREVER
        if span != have:
            had = "forever" if have >= FOREVER else "%d s" % have
            reasons.append("validity changed (%s -> %s)" % (had, window.describe()))
        elif cert.valid_before < FOREVER:
            elapsed = (now - cert.valid_after) / float(have)
            if elapsed >= renew_fraction:
                reasons.append("%.0f%% of its validity has passed (renewal at %.0f%%)"
                               % (min(elapsed, 1.0) * 100, renew_fraction * 100))
    return reasons


def parse_existing(text_or_none: Optional[str], where: str) -> Optional[keys.PublicKey]:
    """An existing certificate file's text -> PublicKey; None when missing, empty or unreadable."""
    if not text_or_none or not text_or_none.strip():
        return None
    try:
        return keys.parse_public_key(text_or_none.strip(), where)
    except OpenSSHConfigError:
        return None


# ---------------------------------------------------------------------------
# Serial registry and issuance log
# ---------------------------------------------------------------------------

class Registry(object):
    """``serials.json`` + ``issued.jsonl`` in a controller directory, under one flock.

    The directory must belong to the user running Ansible and be writable by nobody else: whoever
    can write there can make serials repeat. Every file in it is opened relative to a checked
    descriptor of the directory, never through a symbolic link (O_NOFOLLOW), and read only when
    it is a regular file with one link owned by that user (fileio's reader).
    """

    SERIALS = "serials.json"
    LOG = "issued.jsonl"
    LOCK = ".lock"
    #: the issuance log only grows; it is read whole to find the highest serial
    MAX_LOG = 1 << 30

    def __init__(self, directory: str):
        text.check_text(directory, "state_dir", "the registry directory")
        os.makedirs(directory, 0o700, exist_ok=True)
        self.directory = directory
        self._open().close()

    def _open(self) -> fileio.Directory:
        """The state directory, opened and checked: owned by this user, not group/world writable."""
        # walked from / without following any link: a link put in place of the directory
        # (by whoever can write its parent) would lead to another registry and repeat serials
        directory = fileio.Directory.walk(os.path.abspath(self.directory), None)  # owner and mode checked below
        try:
            info = os.fstat(directory.fd)
            uid = os.getuid()
            if info.st_uid != uid:
                raise OpenSSHConfigError(
                    "the serial registry %s is owned by uid %d, not by uid %d that runs Ansible; another user could "
                    "make serials repeat: give it to uid %d (chown) or choose another state_dir"
                    % (self.directory, info.st_uid, uid, uid), "state_dir")
            if info.st_mode & 0o022:
                raise OpenSSHConfigError(
                    "the serial registry %s is writable by group or others (mode %04o); another user could make "
                    "serials repeat: chmod 0700 it" % (self.directory, stat.S_IMODE(info.st_mode)), "state_dir")
        except BaseException:
            directory.close()
            raise
        return directory

    def _open_file(self, directory: fileio.Directory, name: str, flags: int) -> int:
        """``name`` in the checked directory, through fileio's one opener (created 0600, no link followed)."""
        try:
            return directory.open_own(name, flags, (os.getuid(),))
        except fileio.FileRefused as exc:
            raise OpenSSHConfigError("the serial registry cannot be used: %s" % exc, "state_dir")

    @contextlib.contextmanager
    def locked(self):
        with self._open() as directory:
            fd = self._open_file(directory, self.LOCK, os.O_RDWR | os.O_CREAT)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield directory
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def _read(self, directory: fileio.Directory, name: str, max_bytes: int = fileio.MAX_READ) -> Optional[bytes]:
        try:
            return directory.read(name, owners=(os.getuid(),), max_bytes=max_bytes)[0]
        except fileio.FileRefused as exc:
            raise OpenSSHConfigError("the serial registry cannot be read: %s" % exc, "state_dir")

    def _entries(self, directory: fileio.Directory) -> List[Dict[str, Any]]:
        path = os.path.join(self.directory, self.LOG)
        content = self._read(directory, self.LOG, self.MAX_LOG)
        entries = []
        for number, line in enumerate(text.split_lines((content or b"").decode("utf-8", "replace")), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError as exc:
                raise OpenSSHConfigError("%s line %d is damaged (%s); fix it by hand: it is the record of every "
                                         "serial issued" % (path, number, exc), "state_dir")
            if not isinstance(entry, dict):
                raise OpenSSHConfigError("%s line %d is not a JSON object" % (path, number), "state_dir")
            entries.append(entry)
        return entries

    def _read_next(self, directory: fileio.Directory) -> int:
        """The next free serial: after both serials.json and the highest serial in the log, so a lost,
        restored or edited serials.json never hands out a serial that was issued."""
        path = os.path.join(self.directory, self.SERIALS)
        highest = 0
        for entry in self._entries(directory):
            serial = entry.get("serial")
            if isinstance(serial, int) and not isinstance(serial, bool):
                highest = max(highest, serial)
        data = self._read(directory, self.SERIALS)
        if data is None:
            return highest + 1
        try:
            recorded = int(json.loads(data.decode("utf-8"))["next"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise OpenSSHConfigError("%s is damaged (%s); fix it by hand: serials must never be reused" % (path, exc),
                                     "state_dir")
        return max(1, recorded, highest + 1)

    def allocate(self, count: int) -> int:
        """Reserve ``count`` new serials; returns the first. Never 0, never reused."""
        if count <= 0:
            raise ValueError("count must be positive")
        with self.locked() as directory:
            first = self._read_next(directory)
            data = json.dumps({"next": first + count}).encode("ascii") + b"\n"
            directory.write(self.SERIALS, data, os.getuid(), os.getgid(), 0o600)
            return first

    def record(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Append issued certificates to the log (one JSON object per line)."""
        lines = "".join(json.dumps(dict(entry), sort_keys=True) + "\n" for entry in entries)
        if not lines:
            return
        with self.locked() as directory:
            fd = self._open_file(directory, self.LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                os.write(fd, lines.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self) -> List[Dict[str, Any]]:
        with self._open() as directory:
            return self._entries(directory)


def log_entry(request: CertRequest, certificate: keys.PublicKey, ca: keys.PublicKey, reasons: Sequence[str],
              now: int) -> Dict[str, Any]:
    cert = certificate.certificate
    return {
        "issued_at": iso(now), "serial": cert.serial, "key_id": cert.key_id, "type": cert.cert_type,
        "subject": request.name, "principals": list(cert.principals),
        "valid_after": cert.valid_after, "valid_before": cert.valid_before,
        "valid_from": iso(cert.valid_after), "valid_to": iso(cert.valid_before),
        "key_fingerprint": keys.fingerprint_sha256(cert.public_blob), "ca_fingerprint": ca.fingerprint,
        "critical_options": cert.option_values(True), "extensions": sorted(cert.extensions),
        "reasons": list(reasons),
    }


# ---------------------------------------------------------------------------
# Revocation
# ---------------------------------------------------------------------------

_SERIAL_RANGE = re.compile(r"^(\d+)(?:-(\d+))?\Z")


class Revocations(object):
    """What the KRL revokes."""

    __slots__ = ("serials", "key_ids", "keys", "certificates")

    def __init__(self, serials=(), key_ids=(), keys_=(), certificates=()):
        self.serials: List[Tuple[int, int]] = list(serials)
        self.key_ids: List[str] = list(key_ids)
        self.keys: List[keys.PublicKey] = list(keys_)
        self.certificates: List[keys.PublicKey] = list(certificates)

    def empty(self) -> bool:
        return not (self.serials or self.key_ids or self.keys or self.certificates)

    def serial_revoked(self, serial: int) -> bool:
        return any(low <= serial <= high for low, high in self.serials)

    def reason(self, key: keys.PublicKey) -> Optional[str]:
        """Why a key or certificate is revoked by this data (certificates: their serial, key ID,
        the certificate itself, or the certified key), or None."""
        if key.certificate is not None:
            cert = key.certificate
            if cert.serial and self.serial_revoked(cert.serial):
                return "serial %d is revoked" % cert.serial
            if cert.key_id in self.key_ids:
                return "key ID %r is revoked" % cert.key_id
            if any(other.blob == key.blob for other in self.certificates):
                return "the certificate is revoked"
            plain = cert.public_blob
        else:
            plain = key.blob
        if any(other.blob == plain for other in self.keys):
            return "the key %s is revoked" % keys.fingerprint_sha256(plain)
        return None


def revocations_from_data(data: Any, where: str = "revoked") -> Revocations:
    """``{serials: [12, "20-30"], key_ids: [bob-laptop], keys: ["ssh-ed25519 ..."], certificates: ["...-cert..."]}``"""
    if data in (None, ""):
        return Revocations()
    if not isinstance(data, Mapping):
        raise OpenSSHConfigError("expected a mapping with serials, key_ids, keys and/or certificates", where)
    unknown = sorted(str(k) for k in data if k not in ("serials", "key_ids", "keys", "certificates"))
    if unknown:
        raise OpenSSHConfigError("unknown key(s) %s (known: serials, key_ids, keys, certificates)" % ", ".join(unknown),
                                 where)
    problems = Problems()
    serials = []
    for index, item in enumerate(data.get("serials") or []):
        here = "%s.serials[%d]" % (where, index)
        match = _SERIAL_RANGE.match(str(item).strip()) if not isinstance(item, bool) else None
        if not match:
            problems.add("%r is not a serial or a range such as 20-30" % (item,), here)
            continue
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low == 0 or high < low or high >= FOREVER:
            problems.add("%r is not a valid serial range (1 .. 2^64-2, low <= high)" % (item,), here)
            continue
        serials.append((low, high))
    key_ids = []
    for index, item in enumerate(data.get("key_ids") or []):
        try:
            key_ids.append(check_key_id(item, "%s.key_ids[%d]" % (where, index)))
        except OpenSSHConfigError as error:
            problems.append(error)
    plain, certs = [], []
    for field, wanted_cert in (("keys", False), ("certificates", True)):
        for index, item in enumerate(data.get(field) or []):
            here = "%s.%s[%d]" % (where, field, index)
            try:
                key = keys.parse_public_key(str(item).strip(), here)
            except OpenSSHConfigError as error:
                problems.append(error)
                continue
            if key.is_certificate != wanted_cert:
                problems.add("expected a %s" % ("certificate" if wanted_cert else "plain public key (give "
                                                "certificates under certificates)"), here)
                continue
            (certs if wanted_cert else plain).append(key.with_comment(""))
    problems.raise_if_any()
    return Revocations(serials, key_ids, plain, certs)


def krl_sections(revocations: Revocations, ca_keys: Sequence[keys.PublicKey]) -> List[Tuple[Optional[str], str]]:
    """``ssh-keygen -k`` spec sections ``[(CA public key text or None, spec), ...]``.

    Serials and key IDs are revoked under every CA in ``ca_keys`` (the trusted
    user CAs: serials come from one registry and are never reused, so this
    revokes no other certificate). Whole certificates are revoked under their
    own CA by serial (by key ID for serial 0); plain keys once.
    """
    if (revocations.serials or revocations.key_ids) and not ca_keys:
        # ssh-keygen -k revokes a serial or key ID only under a CA key; without one they would vanish
        raise OpenSSHConfigError("serials and key IDs are revoked under the trusted user CA keys, and none is given "
                                 "(user_ca_keys; role: ssh_ca_trusted_user_ca_keys): the KRL would not revoke "
                                 "them. List the CA keys, or revoke whole certificates (revoked.certificates) or "
                                 "keys (revoked.keys)", "revoked")
    per_ca: Dict[bytes, Tuple[keys.PublicKey, List[str]]] = {}
    order: List[bytes] = []

    def section(ca: keys.PublicKey) -> List[str]:
        if ca.blob not in per_ca:
            per_ca[ca.blob] = (ca, [])
            order.append(ca.blob)
        return per_ca[ca.blob][1]

    for ca in ca_keys:
        lines = section(ca)
        lines += ["serial: %d" % low if low == high else "serial: %d-%d" % (low, high)
                  for low, high in revocations.serials]
        lines += ["id: %s" % key_id for key_id in revocations.key_ids]
    for cert_key in revocations.certificates:
        cert = cert_key.certificate
        lines = section(cert.signature_key.with_comment(""))
        lines.append("serial: %d" % cert.serial if cert.serial else "id: %s" % cert.key_id)
    key_lines = ["key: %s" % key.text() for key in revocations.keys]
    result: List[Tuple[Optional[str], str]] = []
    for index, blob in enumerate(order):
        ca, lines = per_ca[blob]
        if index == 0:
            lines = lines + key_lines
        if lines:
            result.append((ca.text(), "".join(line + "\n" for line in lines)))
    if not order and key_lines:
        result.append((None, "".join(line + "\n" for line in key_lines)))
    return result


def krl_missing(listing: keygen.KrlListing, revocations: Revocations,
                ca_keys: Sequence[keys.PublicKey]) -> List[str]:
    """What the data revokes and the KRL's listing does not: empty when the KRL holds everything."""
    missing = []
    for ca in ca_keys:
        for low, high in revocations.serials:
            if not listing.serial_covered(ca.fingerprint, low, high):
                missing.append("serial %s under CA %s" % (low if low == high else "%d-%d" % (low, high),
                                                          ca.fingerprint))
        for key_id in revocations.key_ids:
            if key_id not in listing.key_ids.get(ca.fingerprint, []):
                missing.append("key ID %r under CA %s" % (key_id, ca.fingerprint))
    for cert_key in revocations.certificates:
        cert = cert_key.certificate
        authority = cert.signature_key.fingerprint
        if cert.serial:
            if not listing.serial_covered(authority, cert.serial, cert.serial):
                missing.append("certificate serial %d under CA %s" % (cert.serial, authority))
        elif cert.key_id not in listing.key_ids.get(authority, []):
            missing.append("certificate key ID %r under CA %s" % (cert.key_id, authority))
    for key in revocations.keys:
        # listed as the fingerprint's base64 (explicit keys) or its hex (hash: revocations)
        digest = key.fingerprint.split(":", 1)[1]
        forms = {digest, base64.b64decode(digest + "=" * (-len(digest) % 4)).hex()}
        if not any(value in forms or value.lower() in forms for value in listing.hashes):
            missing.append("key %s" % key.fingerprint)
    return missing


def build_krl(revocations: Revocations, ca_keys: Sequence[keys.PublicKey], run=None) -> bytes:
    """The KRL for this data, built with ssh-keygen -k and read back with ssh-keygen -Q -l.

    Refused (nothing is installed) unless the listing holds every requested
    serial, key ID, certificate and key: a revocation must never vanish.
    """
    data, listing = keygen.build_and_list_krl(krl_sections(revocations, ca_keys), run)
    missing = krl_missing(keygen.parse_krl_listing(listing), revocations, ca_keys)
    if missing:
        raise OpenSSHConfigError("the KRL ssh-keygen built does not revoke %s; nothing was installed"
                                 % "; ".join(missing), "revoked")
    return data


# ---------------------------------------------------------------------------
# Files for the hosts
# ---------------------------------------------------------------------------

def ca_keys_from_data(value: Any, where: str) -> List[keys.PublicKey]:
    """CA public keys (texts, one per item; an item may hold several lines), checked and deduplicated."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    result: List[keys.PublicKey] = []
    problems = Problems()
    for index, item in enumerate(items):
        here = "%s[%d]" % (where, index)
        if not isinstance(item, str):
            problems.add("a CA key is its public key text", here)
            continue
        for line in text.split_lines(item):
            if keys.is_comment_line(line):
                continue
            try:
                key = keys.parse_public_key(line.strip(), here)
                keys.check_key_policy(key, here)
            except OpenSSHConfigError as error:
                problems.append(error)
                continue
            if key.is_certificate:
                problems.add("a CA key is a plain public key, not a certificate", here)
                continue
            if all(other.blob != key.blob for other in result):
                result.append(key)
    problems.raise_if_any()
    return result


def trusted_keys_text(ca_keys: Sequence[keys.PublicKey], header: str) -> str:
    """The TrustedUserCAKeys file: one CA key per line (several during a rotation)."""
    lines = ["# " + text.check_text(header, "header")] + [key.text() for key in ca_keys]
    return "".join(line + "\n" for line in lines)


def check_user_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not _USER_NAME.match(name):
        raise OpenSSHConfigError("%r is not an account name" % (name,), where)
    return name


def principals_data(data: Any, where: str) -> Dict[str, Tuple[str, ...]]:
    """account -> principals, every account name and principal checked (the one check, on the controller
    and again on the host)."""
    if data in (None, ""):
        return {}
    if not isinstance(data, Mapping):
        raise OpenSSHConfigError("expected a mapping of account -> list of principals", where)
    problems = Problems()
    result = {}
    for account in sorted(data, key=str):
        here = "%s.%s" % (where, account)
        try:
            name = check_user_name(account, here)
            principals = check_principals(data[account] or [], here, required=False)
        except OpenSSHConfigError as error:
            problems.append(error)
            continue
        result[name] = principals
    problems.raise_if_any()
    return result


#: first line of every principals file the collection writes (sshd ignores comment lines): the host
#: removes a file of an account no longer listed only when it starts with this line
PRINCIPALS_MARKER = "# Managed by Ansible (sshsuite.openssh.ssh_ca principals file); local changes will be overwritten."


def principals_files(data: Any, where: str) -> Dict[str, str]:
    """account -> AuthorizedPrincipalsFile content (the marker line, then one principal per line)."""
    return {name: "".join(line + "\n" for line in (PRINCIPALS_MARKER,) + principals)
            for name, principals in principals_data(data, where).items()}


def is_managed_principals_file(data: Optional[bytes]) -> bool:
    """True for a file principals_files wrote (its first line is the marker)."""
    return bool(data) and data.split(b"\n", 1)[0] == PRINCIPALS_MARKER.encode("ascii")


def principals_by_group(group_names: Sequence[str], per_group: Any, explicit: Any = None) -> Dict[str, List[str]]:
    """Merge ``{group: {account: [principals]}}`` for the groups a host is in (``all`` included),
    then ``explicit`` ``{account: [principals]}`` on top (added, not replaced)."""
    merged: Dict[str, List[str]] = {}

    def add(mapping: Any, where: str) -> None:
        if mapping in (None, ""):
            return
        if not isinstance(mapping, Mapping):
            raise OpenSSHConfigError("expected a mapping of account -> list of principals", where)
        for account, principals in mapping.items():
            here = "%s.%s" % (where, account)
            check_user_name(account, here)
            for principal in check_principals(principals or [], here, required=False):
                merged.setdefault(account, [])
                if principal not in merged[account]:
                    merged[account].append(principal)

    if per_group not in (None, ""):
        if not isinstance(per_group, Mapping):
            raise OpenSSHConfigError("expected a mapping of group -> account -> principals", "principals_per_group")
        member = set(group_names) | {"all"}
        for group in sorted(per_group, key=str):
            if group in member:
                add(per_group[group], "principals_per_group.%s" % group)
    add(explicit, "principals")
    return merged


#: ssh matches a host certificate's principals as patterns (``*``, ``?``, ``!`` negation): a host
#: principal must be a literal name, or one certificate would be valid for other hosts' names
_HOST_PATTERN = re.compile(r"[*?!]")


def check_host_principal(value: Any, where: str) -> str:
    """One host principal: check_principal, lower-cased, and no pattern character."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise OpenSSHConfigError("a host principal is a string, got %s" % type(value).__name__, where)
    principal = check_principal(str(value).lower(), where)
    found = _HOST_PATTERN.search(principal)
    if found:
        raise OpenSSHConfigError("host principal %r contains %r: ssh reads it as a pattern, so the certificate "
                                 "would be valid for other hosts' names; give literal names and addresses"
                                 % (principal, found.group()), where)
    return principal


def host_principals(names: Sequence[Any], where: str) -> Tuple[str, ...]:
    """Host principals: the names and addresses clients type, deduplicated, lower-cased
    (ssh lower-cases the host name before it compares it with the certificate)."""
    result: List[str] = []
    for index, name in enumerate(names):
        if name in (None, ""):
            continue
        principal = check_host_principal(name, "%s[%d]" % (where, index))
        if principal not in result:
            result.append(principal)
    if not result:
        raise OpenSSHConfigError("no host principals: a host certificate without principals is valid for any "
                                 "host name", where)
    return tuple(result)


def check_domains(value: Any, where: str) -> Tuple[str, ...]:
    """DNS domains under which a host may name itself (``example.org``: ``web1.example.org``)."""
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise OpenSSHConfigError("expected a list of DNS domains such as example.org", where)
    result: List[str] = []
    for index, item in enumerate(value):
        here = "%s[%d]" % (where, index)
        if not isinstance(item, str):
            raise OpenSSHConfigError("a domain is a string, got %s" % type(item).__name__, here)
        domain = item.strip(".").lower()
        if not domain:
            raise OpenSSHConfigError("%r is not a domain: an empty domain would let a host name itself anything"
                                     % item, here)
        domain = check_host_principal(domain, here)
        if domain not in result:
            result.append(domain)
    return tuple(result)


def host_certificate_principals(configured: Any, inventory_hostname: Any, ansible_host: Any,
                                reported: Sequence[Any] = (), domains: Sequence[str] = (),
                                where: str = "host_principals") -> Tuple[Tuple[str, ...], List[str]]:
    """(principals, warnings) of a host certificate; the names come from the controller.

    ``configured`` (the operator's list), default the inventory name and
    ``ansible_host``. ``reported``: names the host gave for itself (host name,
    FQDN); whoever is root there, or controls its reverse DNS, chooses them.
    One is added only when it equals the inventory name, ``ansible_host`` or a
    configured principal, or lies under one of ``domains`` (checked with
    check_domains); any other is left out with a warning, never signed.
    """
    names = list(configured) if configured else [inventory_hostname, ansible_host]
    principals = list(host_principals(names, where))
    trusted = set(principals)
    for name in (inventory_hostname, ansible_host):
        if name not in (None, ""):
            trusted.add(str(name).lower())
    warnings: List[str] = []
    for name in reported:
        if name in (None, ""):
            continue
        try:
            principal = check_host_principal(name, "the name the host reports")
        except OpenSSHConfigError as exc:
            warnings.append("the host reports the name %r, which is not signed: %s" % (name, exc))
            continue
        if principal in trusted or any(principal.endswith("." + domain) for domain in domains):
            if principal not in principals:
                principals.append(principal)
            continue
        warnings.append("the host reports the name %r, which is not signed: it is neither its inventory name, "
                        "ansible_host nor a configured principal, and not under host_principal_domains (%s)"
                        % (principal, ", ".join(domains) or "none"))
    return tuple(principals), warnings


def cert_authority_entries(ca_keys: Any, patterns: Any, where: str = "host CA keys") -> List[Dict[str, Any]]:
    """known_hosts entries (the ssh_client role's data) that trust host certificates of these CAs."""
    parsed = ca_keys_from_data(ca_keys, where)
    if isinstance(patterns, str):
        patterns = [patterns]
    if not patterns:
        raise OpenSSHConfigError("name the hosts the CA is trusted for (patterns such as *.example.org)", where)
    return [{"hosts": list(patterns), "keys": [key.text() for key in parsed], "marker": "cert-authority"}]


# ---------------------------------------------------------------------------
# Controller: the CA, and planning + signing a batch
# ---------------------------------------------------------------------------

CA_SPEC: Dict[str, Any] = dict(
    public_key=dict(type="str"),
    private_key=dict(type="path"),
    passphrase=dict(type="str", no_log=True),
    pkcs11_provider=dict(type="path"),
    agent_socket=dict(type="path"),
    signature_algorithm=dict(type="str", choices=["rsa-sha2-256", "rsa-sha2-512", "ssh-ed25519"]),
)


def ca_public_key(spec: Mapping[str, Any], where: str) -> keys.PublicKey:
    """The CA's public key: ``public_key`` as text or a controller path; default ``<private_key>.pub``.

    A blank ``public_key`` (empty or only whitespace, as an unset inventory variable gives) counts as
    not given."""
    value = str(spec.get("public_key") or "").strip()
    if not value and spec.get("private_key"):
        value = str(spec["private_key"]).strip() + ".pub"
    if not value:
        raise OpenSSHConfigError("give the CA's public_key (text or path) or private_key; public_key is empty", where)
    if not value.split(None, 1)[0] in keys.KEY_TYPES:
        path = value
        try:
            with open(path, encoding="ascii") as handle:
                value = handle.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise OpenSSHConfigError("cannot read the CA public key %s on the controller: %s" % (path, exc), where)
        if not value:
            raise OpenSSHConfigError("the CA public key file %s on the controller is empty" % path, where)
    key = keys.parse_public_key(value, where + ".public_key")
    if key.is_certificate:
        raise OpenSSHConfigError("the CA key is a plain key, not a certificate", where + ".public_key")
    keys.check_key_policy(key, where + ".public_key")
    return key.with_comment("")


def signer_for(spec: Mapping[str, Any], ca: keys.PublicKey, where: str):
    """A keygen.Signer for this CA (nothing starts until the first signature)."""
    if not (spec.get("private_key") or spec.get("pkcs11_provider") or spec.get("agent_socket")):
        raise OpenSSHConfigError("a certificate must be signed but the CA has no private_key, pkcs11_provider or "
                                 "agent_socket", where)
    algorithm = spec.get("signature_algorithm")
    if ca.key_type.family == "rsa":
        algorithm = algorithm or "rsa-sha2-512"  # never ssh-rsa (SHA-1): refused by default since 8.2
    elif algorithm and algorithm.startswith("rsa-"):
        raise OpenSSHConfigError("signature_algorithm %s needs an RSA CA, not %s" % (algorithm, ca.type_name), where)
    else:
        algorithm = None
    return keygen.Signer(ca.text(), private_key=spec.get("private_key"), passphrase=spec.get("passphrase"),
                         pkcs11_provider=spec.get("pkcs11_provider"), agent_socket=spec.get("agent_socket"),
                         algorithm=algorithm)


def plan(requests: Sequence[CertRequest], existing: Mapping[str, Optional[str]], ca: keys.PublicKey, now: int,
         renew_fraction: float, revocations: Optional[Revocations] = None) -> List[Dict[str, Any]]:
    """One decision per request: keep, sign (with reasons), or held back because revoked."""
    revocations = revocations or Revocations()
    decisions = []
    for request in requests:
        current = parse_existing(existing.get(request.name), request.where)
        reasons = renewal_reasons(current, request, ca, now, renew_fraction)
        decision = {"request": request, "name": request.name, "reasons": reasons, "sign": bool(reasons),
                    "current": current, "revoked": None}
        key_revoked = revocations.reason(request.key)
        if key_revoked:
            decision.update(sign=False, revoked=key_revoked)
        elif request.key_id in revocations.key_ids:
            decision.update(sign=False, revoked="key ID %r is revoked" % request.key_id)
        elif current is not None and current.certificate is not None:
            held = revocations.reason(current)
            if held and current.certificate.public_blob == request.key.plain_blob:
                # Revocation wins: a revoked certificate is never silently replaced by a fresh one.
                decision.update(sign=False, revoked=held)
        decisions.append(decision)
    return decisions


def sign_planned(decisions: Sequence[Dict[str, Any]], signer, registry: Registry, ca: keys.PublicKey,
                 now: int) -> None:
    """Sign every decision marked ``sign``: serials from the registry, log appended, text stored."""
    todo = [d for d in decisions if d["sign"]]
    if not todo:
        return
    first = registry.allocate(len(todo))
    jobs = []
    for offset, decision in enumerate(todo):
        request = decision["request"]
        after, before = request.window.at(now)
        jobs.append(keygen.SignJob(request.key.text(), request.key_id, first + offset, request.principals,
                                   after, before, request.kind == "host", request.critical, request.extensions))
    texts = signer.sign(jobs)
    entries = []
    for decision, cert_text in zip(todo, texts):
        certificate = keys.parse_public_key(cert_text, decision["request"].where)
        decision["certificate"] = certificate
        entries.append(log_entry(decision["request"], certificate, ca, decision["reasons"], now))
    registry.record(entries)


def describe(decision: Mapping[str, Any]) -> Dict[str, Any]:
    """What a play sees of one decision."""
    certificate = decision.get("certificate") or decision.get("current")
    result = {"name": decision["name"], "renewed": bool(decision.get("certificate")),
              "reasons": list(decision["reasons"]) if decision["sign"] else [], "revoked": decision.get("revoked")}
    if certificate is not None and certificate.certificate is not None:
        cert = certificate.certificate
        result.update(serial=cert.serial, key_id=cert.key_id, principals=list(cert.principals),
                      valid_from=iso(cert.valid_after), valid_to=iso(cert.valid_before),
                      certificate=certificate.with_comment("").text())
    return result
