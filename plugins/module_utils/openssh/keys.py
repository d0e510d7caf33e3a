# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenSSH public keys, certificates and authorized_keys options.

One library for every part of the collection that reads or writes keys: the
authorized_keys module today, known_hosts and the certificate authority later.
Standard library only, Python 3.9 compatible (bullseye targets).

Three layers, each usable alone:

``PublicKey``
    ``parse_public_key("ssh-ed25519 AAAA... comment")`` decodes the base64
    blob the way sshd's sshkey_read() does: the key type named on the line must
    be the type inside the blob, ECDSA curves must match, no trailing bytes.
    It knows the key size in bits (RSA modulus, DSA p, ECDSA curve, 256 for
    Ed25519), the security-key application of sk-* keys, the certificate
    fields of *-cert-v01@openssh.com keys, and the SHA256 fingerprint exactly
    as ``ssh-keygen -lf`` prints it. Policy (minimum RSA size, DSA refused)
    is a separate call, ``check_key_policy``.

``KeyOption`` lists
    ``parse_options('restrict,command="x"')`` reads an option field the way
    sshd's sshauthopt_parse() does (case-insensitive names, double quotes,
    backslash-quote as the only escape). ``options_from_mapping({...})``
    builds the same list from structured data in a stable order.
    ``validate_options`` applies the rules of sshd(8) AUTHORIZED_KEYS FILE
    FORMAT plus the checks that make rendering safe: no control characters,
    no value that sshd would read differently from what was meant (a
    trailing backslash would escape the closing quote). ``render_options``
    writes the field back; ``parse_options(render_options(x)) == x``.

``AuthorizedKey``
    one authorized_keys line: options plus key. ``parse_authorized_key``
    splits a line like auth_check_authkey_line() does (a key at the start of
    the line means no options; otherwise the option field ends at the first
    unquoted blank). ``AuthorizedKey.render()`` gives the line back.

Every error is an ``OpenSSHConfigError(message, where)``; ``where`` is passed
in by the caller so messages point at the user's data.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import ipaddress
import re
import struct
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import check_text, split_lines
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

__all__ = [
    "KeyType",
    "KEY_TYPES",
    "PublicKey",
    "Certificate",
    "certificate_time",
    "KeyOption",
    "OptionSpec",
    "OPTION_SPECS",
    "AuthorizedKey",
    "decode_blob",
    "parse_public_key",
    "parse_options",
    "render_options",
    "options_from_mapping",
    "validate_options",
    "parse_authorized_key",
    "split_authorized_key_line",
    "check_key_policy",
    "check_text",
    "fingerprint_sha256",
    "is_comment_line",
    "blob_of_line",
    "iter_key_texts",
    "public_key_from_private",
]


# ---------------------------------------------------------------------------
# Key types
# ---------------------------------------------------------------------------

class KeyType(object):
    """One key type name as it appears on a key line and inside the blob.

    family        "rsa", "dsa", "ecdsa", "ed25519", "ecdsa-sk", "ed25519-sk"
    plain         name of the plain key type (itself for plain keys)
    certificate   True for *-cert-v01@openssh.com
    curve         ECDSA curve name inside the blob ("nistp256"...), else None
    bits          fixed size in bits, or None when it is read from the blob
    """

    __slots__ = ("name", "family", "plain", "certificate", "curve", "bits")

    def __init__(self, name, family, plain, certificate, curve=None, bits=None):
        self.name = name
        self.family = family
        self.plain = plain
        self.certificate = certificate
        self.curve = curve
        self.bits = bits

    @property
    def security_key(self) -> bool:
        return self.family.endswith("-sk")

    def __repr__(self):
        return "KeyType(%r)" % self.name


def _build_key_types() -> Dict[str, KeyType]:
    plain = [
        # name, family, curve, fixed bits
        ("ssh-rsa", "rsa", None, None),
        ("ssh-dss", "dsa", None, None),
        ("ecdsa-sha2-nistp256", "ecdsa", "nistp256", 256),
        ("ecdsa-sha2-nistp384", "ecdsa", "nistp384", 384),
        ("ecdsa-sha2-nistp521", "ecdsa", "nistp521", 521),
        ("ssh-ed25519", "ed25519", None, 256),
        ("sk-ecdsa-sha2-nistp256@openssh.com", "ecdsa-sk", "nistp256", 256),
        ("sk-ssh-ed25519@openssh.com", "ed25519-sk", None, 256),
    ]
    types = {}
    for name, family, curve, bits in plain:
        types[name] = KeyType(name, family, name, False, curve, bits)
        base = name[: -len("@openssh.com")] if name.endswith("@openssh.com") else name
        cert = base + "-cert-v01@openssh.com"
        types[cert] = KeyType(cert, family, name, True, curve, bits)
    return types


#: Every key type sshd(8) documents for authorized_keys, plus their certificates.
KEY_TYPES: Dict[str, KeyType] = _build_key_types()

# Byte length of one ECDSA coordinate per curve (uncompressed point = 04|X|Y).
_EC_COORDINATE = {"nistp256": 32, "nistp384": 48, "nistp521": 66}
_MAX_BIGNUM_BYTES = 16384 // 8  # sshbuf.h SSHBUF_MAX_BIGNUM
_ED25519_PUBLIC = 32


class _Reader(object):
    """Reads the SSH wire encoding (RFC 4251 section 5) from a blob."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def u32(self) -> int:
        end = self.pos + 4
        if end > len(self.data):
            raise ValueError("truncated blob")
        value = struct.unpack_from(">I", self.data, self.pos)[0]
        self.pos = end
        return value

    def u64(self) -> int:
        end = self.pos + 8
        if end > len(self.data):
            raise ValueError("truncated blob")
        value = struct.unpack_from(">Q", self.data, self.pos)[0]
        self.pos = end
        return value

    def string(self) -> bytes:
        length = self.u32()
        end = self.pos + length
        if end > len(self.data):
            raise ValueError("truncated blob")
        value = self.data[self.pos:end]
        self.pos = end
        return value

    def text(self) -> str:
        raw = self.string()
        if b"\0" in raw:
            raise ValueError("NUL byte inside a string")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("string is not UTF-8")

    def mpint_bits(self) -> int:
        """Bit length of a positive mpint (sshbuf_get_bignum2 rules)."""
        raw = self.string()
        if raw and raw[0] & 0x80:
            raise ValueError("negative integer")
        if len(raw) > _MAX_BIGNUM_BYTES + 1 or (len(raw) == _MAX_BIGNUM_BYTES + 1 and raw[0] != 0):
            raise ValueError("integer larger than 16384 bits")
        return int.from_bytes(raw, "big").bit_length()

    def at_end(self) -> bool:
        return self.pos == len(self.data)


def _read_public_fields(reader: _Reader, ktype: KeyType) -> Tuple[int, Optional[str]]:
    """Read the public key fields of ``ktype`` (after name and nonce).

    Returns (bits, security key application or None).
    """
    family = ktype.family
    if family == "rsa":
        exponent_bits = reader.mpint_bits()
        bits = reader.mpint_bits()
        if exponent_bits == 0 or bits == 0:
            raise ValueError("RSA exponent or modulus is zero")
        return bits, None
    if family == "dsa":
        bits = reader.mpint_bits()  # p
        for _unused in range(3):  # q, g, y
            reader.mpint_bits()
        return bits, None
    if family in ("ecdsa", "ecdsa-sk"):
        curve = reader.text()
        if curve != ktype.curve:
            raise ValueError("curve %s inside the blob does not match key type %s" % (curve, ktype.name))
        point = reader.string()
        size = _EC_COORDINATE[curve]
        if len(point) != 1 + 2 * size or point[0] != 4:
            raise ValueError("malformed ECDSA public point")
        application = reader.text() if family == "ecdsa-sk" else None
        return ktype.bits, application
    # ed25519, ed25519-sk
    point = reader.string()
    if len(point) != _ED25519_PUBLIC:
        raise ValueError("Ed25519 public key is %d bytes, not 32" % len(point))
    application = reader.text() if family == "ed25519-sk" else None
    return ktype.bits, application


class Certificate(object):
    """The fields of an OpenSSH certificate (PROTOCOL.certkeys).

    The CA's signature is parsed but not verified: that needs the CA's
    algorithm implementations, which the standard library does not have.
    """

    __slots__ = (
        "serial", "cert_type", "key_id", "principals", "valid_after",
        "valid_before", "critical_options", "extensions", "signature_key",
        "public_blob",
    )

    def __init__(self, serial, cert_type, key_id, principals, valid_after,
                 valid_before, critical_options, extensions, signature_key,
                 public_blob=b""):
        self.serial = serial
        self.cert_type = cert_type            # "user" or "host"
        self.key_id = key_id
        self.principals = principals          # tuple of str; empty = any
        self.valid_after = valid_after        # seconds since epoch
        self.valid_before = valid_before      # 0xffffffffffffffff = forever
        self.critical_options = critical_options  # dict name -> raw bytes
        self.extensions = extensions          # dict name -> raw bytes
        self.signature_key = signature_key    # PublicKey of the CA
        self.public_blob = public_blob        # blob of the certified plain key

    #: valid_before of a certificate that never expires
    FOREVER = 0xFFFFFFFFFFFFFFFF

    def option_values(self, critical: bool = True) -> Dict[str, str]:
        """Critical options (or extensions) as name -> text value.

        Values are SSH strings inside the option's data (``force-command``
        holds the command, ``source-address`` the address list); flag options
        and extensions (``permit-pty``) have empty data and give "".
        """
        raw = self.critical_options if critical else self.extensions
        result = {}
        for name, data in raw.items():
            if not data:
                result[name] = ""
                continue
            try:
                result[name] = _Reader(data).text()
            except ValueError:
                result[name] = data.hex()
        return result

    def expired(self, now: float) -> bool:
        return self.valid_before != self.FOREVER and now >= self.valid_before

    def info(self) -> Dict[str, Any]:
        """Every field as plain data (what ``ssh-keygen -L`` shows), times in UTC."""
        result = self.as_dict()
        result.update({
            "valid_from": certificate_time(self.valid_after),
            "valid_to": certificate_time(self.valid_before),
            "critical_options": self.option_values(True),
            "signing_ca": {"type": self.signature_key.type_name,
                           "fingerprint": self.signature_key.fingerprint,
                           "public_key": self.signature_key.text()},
            "key_fingerprint": fingerprint_sha256(self.public_blob),
        })
        del result["signature_key"]
        return result

    def as_dict(self) -> Dict[str, Any]:
        return {
            "serial": self.serial,
            "type": self.cert_type,
            "key_id": self.key_id,
            "principals": list(self.principals),
            "valid_after": self.valid_after,
            "valid_before": self.valid_before,
            "critical_options": sorted(self.critical_options),
            "extensions": sorted(self.extensions),
            "signature_key": self.signature_key.fingerprint,
        }


def certificate_time(epoch: int) -> str:
    """A certificate's validity bound in UTC (``2026-01-01T00:00:00Z``), or ``always`` / ``forever``."""
    if epoch <= 0:
        return "always"
    if epoch >= Certificate.FOREVER:
        return "forever"
    try:
        return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(epoch)


def _read_cert_options(raw: bytes) -> Dict[str, bytes]:
    reader = _Reader(raw)
    options = {}
    while not reader.at_end():
        name = reader.text()
        options[name] = reader.string()
    return options


def _read_certificate(reader: _Reader) -> Certificate:
    serial = reader.u64()
    kind = reader.u32()
    if kind not in (1, 2):
        raise ValueError("certificate type %d is neither user (1) nor host (2)" % kind)
    key_id = reader.text()
    principals_reader = _Reader(reader.string())
    principals = []
    while not principals_reader.at_end():
        principals.append(principals_reader.text())
    valid_after = reader.u64()
    valid_before = reader.u64()
    critical = _read_cert_options(reader.string())
    extensions = _read_cert_options(reader.string())
    reader.string()  # reserved
    signature_blob = reader.string()
    reader.string()  # signature, not verified
    try:
        signature_key = PublicKey.from_blob(signature_blob)
    except ValueError as exc:
        raise ValueError("certificate signature key: %s" % exc)
    if signature_key.is_certificate:
        raise ValueError("certificate is signed by another certificate")
    return Certificate(serial, "user" if kind == 1 else "host", key_id, tuple(principals),
                       valid_after, valid_before, critical, extensions, signature_key)


def decode_blob(blob: bytes) -> Tuple[KeyType, int, Optional[str], Optional[Certificate]]:
    """Decode a key blob: (key type, bits, sk application, certificate).

    Raises ValueError with a short reason when the blob is not a well formed
    key of a known type.
    """
    reader = _Reader(blob)
    try:
        name = reader.string().decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("key type inside the blob is not ASCII")
    ktype = KEY_TYPES.get(name)
    if ktype is None:
        raise ValueError("unknown key type %r inside the blob" % name[:60])
    certificate = None
    if ktype.certificate:
        reader.string()  # nonce
    fields_start = reader.pos
    bits, application = _read_public_fields(reader, ktype)
    if ktype.certificate:
        fields = blob[fields_start:reader.pos]
        certificate = _read_certificate(reader)
        plain = ktype.plain.encode("ascii")
        certificate.public_blob = struct.pack(">I", len(plain)) + plain + fields
    if not reader.at_end():
        raise ValueError("%d unexpected bytes after the key" % (len(blob) - reader.pos))
    return ktype, bits, application, certificate


def fingerprint_sha256(blob: bytes) -> str:
    """``SHA256:...`` as ssh-keygen -l prints it (unpadded base64)."""
    digest = hashlib.sha256(blob).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


# ---------------------------------------------------------------------------
# Public keys
# ---------------------------------------------------------------------------

class PublicKey(object):
    """One decoded public key (or certificate) with its comment.

    Equality and hashing use the blob only: the same key with another comment
    is the same key.
    """

    __slots__ = ("key_type", "blob", "comment", "bits", "application", "certificate", "_base64")

    def __init__(self, key_type: KeyType, blob: bytes, bits: int, comment: str = "",
                 application: Optional[str] = None, certificate: Optional[Certificate] = None,
                 encoded: Optional[str] = None):
        self.key_type = key_type
        self.blob = blob
        self.bits = bits
        self.comment = comment
        self.application = application
        self.certificate = certificate
        self._base64 = encoded

    @classmethod
    def from_blob(cls, blob: bytes, comment: str = "") -> "PublicKey":
        ktype, bits, application, certificate = decode_blob(blob)
        return cls(ktype, blob, bits, comment, application, certificate)

    # -- derived values --------------------------------------------------
    @property
    def type_name(self) -> str:
        return self.key_type.name

    @property
    def is_certificate(self) -> bool:
        return self.key_type.certificate

    @property
    def is_security_key(self) -> bool:
        return self.key_type.security_key

    @property
    def base64(self) -> str:
        if self._base64 is None:
            self._base64 = base64.b64encode(self.blob).decode("ascii")
        return self._base64

    @property
    def plain_blob(self) -> bytes:
        """Blob of the plain key (for a certificate: the certified key)."""
        return self.certificate.public_blob if self.certificate is not None else self.blob

    @property
    def fingerprint(self) -> str:
        """SHA256 fingerprint as ssh-keygen -l prints it (of the plain key for certificates)."""
        return fingerprint_sha256(self.plain_blob)

    def with_comment(self, comment: str) -> "PublicKey":
        return PublicKey(self.key_type, self.blob, self.bits, comment, self.application,
                         self.certificate, self._base64)

    def text(self) -> str:
        """``type base64[ comment]`` (the form of a .pub file)."""
        if self.comment:
            return "%s %s %s" % (self.key_type.name, self.base64, self.comment)
        return "%s %s" % (self.key_type.name, self.base64)

    def describe(self) -> str:
        """Short human form for messages: ``ssh-ed25519 SHA256:... (comment)``."""
        label = "%s %s" % (self.key_type.name, self.fingerprint)
        return "%s (%s)" % (label, self.comment) if self.comment else label

    def as_dict(self) -> Dict[str, Any]:
        result = {
            "type": self.key_type.name,
            "bits": self.bits,
            "fingerprint": self.fingerprint,
            "comment": self.comment,
        }
        if self.application is not None:
            result["application"] = self.application
        if self.certificate is not None:
            result["certificate"] = self.certificate.as_dict()
        return result

    def __eq__(self, other):
        return isinstance(other, PublicKey) and self.blob == other.blob

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.blob)

    def __repr__(self):
        return "PublicKey(%s)" % self.describe()


_BASE64_CHARS = re.compile(r"^[A-Za-z0-9+/]+={0,2}\Z")
_BLANKS = " \t"


def _decode_base64(text: str, where: str) -> bytes:
    if not _BASE64_CHARS.match(text) or len(text) % 4:
        raise OpenSSHConfigError("the key's base64 data is malformed (%s...)" % text[:20], where)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise OpenSSHConfigError("the key's base64 data is malformed (%s...)" % text[:20], where)


def parse_public_key(text: str, where: str = "") -> PublicKey:
    """Parse ``type base64 [comment]`` into a PublicKey.

    The type on the line must be a known key type and equal the type inside
    the blob; the comment is everything after the blob (blanks trimmed).
    """
    text = text.rstrip("\r\n")  # one trailing line end, as read from a .pub file
    check_text(text, where, "the key", allow_tab=True)
    stripped = text.strip(_BLANKS)
    parts = stripped.split(None, 2)
    if not parts:
        raise OpenSSHConfigError("the key is empty", where)
    name = parts[0]
    ktype = KEY_TYPES.get(name)
    if ktype is None:
        raise OpenSSHConfigError(
            "unknown key type %r (known: %s)" % (name[:60], ", ".join(sorted(t for t in KEY_TYPES if not KEY_TYPES[t].certificate))),
            where,
        )
    if len(parts) < 2:
        raise OpenSSHConfigError("the key has a type (%s) but no base64 data" % name, where)
    encoded = parts[1]
    blob = _decode_base64(encoded, where)
    try:
        inner, bits, application, certificate = decode_blob(blob)
    except ValueError as exc:
        raise OpenSSHConfigError("%s key data is invalid: %s" % (name, exc), where)
    if inner is not ktype:
        raise OpenSSHConfigError(
            "the line says %s but the key data is %s" % (name, inner.name), where
        )
    comment = parts[2].strip(_BLANKS) if len(parts) > 2 else ""
    canonical = encoded if base64.b64encode(blob).decode("ascii") == encoded else None
    return PublicKey(ktype, blob, bits, comment, application, certificate, canonical)


_OPENSSH_PRIVATE_BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----"
_OPENSSH_PRIVATE_END = "-----END OPENSSH PRIVATE KEY-----"
_OPENSSH_PRIVATE_MAGIC = b"openssh-key-v1\0"


def public_key_from_private(text: str, where: str = "") -> Optional[PublicKey]:
    """The public key written in clear inside an OpenSSH private key file.

    The ``openssh-key-v1`` format (PROTOCOL.key) stores the public key before
    the (possibly encrypted) private part, so the key a daemon will serve is
    known without decrypting anything or starting ssh-keygen. Returns None
    for the older PEM/PKCS#8 formats, whose public half has to be derived
    (``ssh-keygen -y``); raises OpenSSHConfigError for a file in the OpenSSH
    format that is damaged or holds anything but exactly one key.
    """
    stripped = text.strip()
    if not stripped.startswith(_OPENSSH_PRIVATE_BEGIN):
        return None
    end = stripped.find(_OPENSSH_PRIVATE_END)
    if end < 0:
        raise OpenSSHConfigError("the private key has no END line", where)
    body = "".join(stripped[len(_OPENSSH_PRIVATE_BEGIN):end].split())
    data = _decode_base64(body, where)
    if not data.startswith(_OPENSSH_PRIVATE_MAGIC):
        raise OpenSSHConfigError("the private key does not start with openssh-key-v1", where)
    reader = _Reader(data[len(_OPENSSH_PRIVATE_MAGIC):])
    try:
        for _unused in range(3):  # cipher name, KDF name, KDF options
            reader.string()
        count = reader.u32()
        if count != 1:
            raise ValueError("it holds %d keys, not one" % count)
        key = PublicKey.from_blob(reader.string())
    except ValueError as exc:
        raise OpenSSHConfigError("the private key file is damaged: %s" % exc, where)
    return key


def check_key_policy(key: PublicKey, where: str = "", rsa_min_bits: int = 2048,
                     allow_dsa: bool = False) -> None:
    """Refuse keys that sshd refuses or that are too weak for this site.

    - RSA (and RSA certificates) shorter than ``rsa_min_bits`` (never below
      1024, sshd's own floor);
    - DSA: removed from OpenSSH 9.8+ and disabled by default since 7.0;
    - for certificates the CA (signature) key is checked by the same rules.
    """
    family = key.key_type.family
    if family == "dsa" and not allow_dsa:
        raise OpenSSHConfigError(
            "%s: DSA keys are refused (disabled since OpenSSH 7.0, removed in 10.0)" % key.describe(),
            where,
        )
    if family == "rsa":
        floor = max(1024, rsa_min_bits)
        if key.bits < floor:
            raise OpenSSHConfigError(
                "%s: RSA key of %d bits is shorter than the minimum of %d bits" % (key.describe(), key.bits, floor),
                where,
            )
    if key.certificate is not None:
        try:
            check_key_policy(key.certificate.signature_key, where, rsa_min_bits, allow_dsa)
        except OpenSSHConfigError as exc:
            raise OpenSSHConfigError("certificate %s is signed by a refused CA key: %s" % (key.describe(), exc.message), where)


# ---------------------------------------------------------------------------
# authorized_keys options
# ---------------------------------------------------------------------------

class OptionSpec(object):
    """What sshd(8) accepts for one option.

    name      canonical spelling (man page spelling without a "no-" prefix)
    kind      "flag" (restrict, cert-authority), "toggle" (accepts no-NAME),
              or "value" (NAME="...")
    multiple  value options that may be repeated (environment, permitopen,
              permitlisten); others may appear once
    since     first OpenSSH version that accepts the option
    """

    __slots__ = ("name", "kind", "multiple", "since", "order")

    def __init__(self, name, kind, multiple=False, since="7.4", order=0):
        self.name = name
        self.kind = kind
        self.multiple = multiple
        self.since = since
        self.order = order


def _specs() -> Dict[str, OptionSpec]:
    table = [
        # stable rendering order: restrict first (it resets the toggles that follow)
        ("restrict", "flag", False, "7.2"),
        ("cert-authority", "flag", False, "5.4"),
        ("principals", "value", False, "5.6"),
        ("from", "value", False, "3.0"),
        ("expiry-time", "value", False, "7.7"),
        ("command", "value", False, "3.0"),
        ("environment", "value", True, "3.0"),
        ("permitopen", "value", True, "3.0"),
        ("permitlisten", "value", True, "7.8"),
        ("tunnel", "value", False, "4.3"),
        ("agent-forwarding", "toggle", False, "7.2"),
        ("port-forwarding", "toggle", False, "7.2"),
        ("pty", "toggle", False, "7.2"),
        ("user-rc", "toggle", False, "7.2"),
        ("X11-forwarding", "toggle", False, "7.2"),
        ("touch-required", "toggle", False, "8.2"),
        ("verify-required", "toggle", False, "8.4"),
    ]
    return {name.lower(): OptionSpec(name, kind, multiple, since, index)
            for index, (name, kind, multiple, since) in enumerate(table)}


#: Option specifications keyed by lower-case name (without "no-").
OPTION_SPECS: Dict[str, OptionSpec] = _specs()

# sshd tries the options in this order (auth-options.c); flags are matched as
# prefixes, so the order decides how a misspelt option is read.
_SSHD_FLAG_ORDER = (
    ("restrict", False), ("cert-authority", False), ("port-forwarding", True),
    ("agent-forwarding", True), ("x11-forwarding", True), ("touch-required", True),
    ("verify-required", True), ("pty", True), ("user-rc", True),
)
_SSHD_VALUE_ORDER = ("command", "principals", "from", "expiry-time", "environment",
                     "permitopen", "permitlisten", "tunnel")


class KeyOption(object):
    """One option of an authorized_keys line.

    ``name`` is the canonical spelling ("no-pty", "X11-forwarding",
    "command"); ``value`` is the unquoted value for value options, else None.
    """

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: Optional[str] = None):
        self.name = name
        self.value = value

    @property
    def spec(self) -> OptionSpec:
        lower = self.name.lower()
        if lower.startswith("no-") and lower[3:] in OPTION_SPECS and OPTION_SPECS[lower[3:]].kind == "toggle":
            return OPTION_SPECS[lower[3:]]
        return OPTION_SPECS[lower]

    @property
    def negated(self) -> bool:
        return self.name.lower().startswith("no-") and self.spec.kind == "toggle"

    def render(self) -> str:
        if self.value is None:
            return self.name
        return '%s="%s"' % (self.name, self.value.replace('"', '\\"'))

    def __eq__(self, other):
        return isinstance(other, KeyOption) and (self.name, self.value) == (other.name, other.value)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.name, self.value))

    def __repr__(self):
        return "KeyOption(%r)" % self.render()


def _canonical_flag(base: str, negated: bool) -> str:
    spelling = OPTION_SPECS[base].name
    return "no-" + spelling if negated else spelling


def _dequote(text: str, pos: int, where: str, name: str) -> Tuple[str, int]:
    """sshd's opt_dequote: value between double quotes, \\" is a quote."""
    if pos >= len(text) or text[pos] != '"':
        raise OpenSSHConfigError('option %s: missing start quote (write %s="...")' % (name, name), where)
    pos += 1
    out = []
    length = len(text)
    while pos < length and text[pos] != '"':
        if text[pos] == "\\" and pos + 1 < length and text[pos + 1] == '"':
            pos += 1
        out.append(text[pos])
        pos += 1
    if pos >= length:
        raise OpenSSHConfigError("option %s: missing end quote" % name, where)
    return "".join(out), pos + 1


def parse_options(text: str, where: str = "") -> List[KeyOption]:
    """Parse an option field ("restrict,command=\\"x\\"") like sshd does.

    Errors are the ones sshd would hit (unknown option, missing quote, bad
    separator); the value checks are ``validate_options``'s job. The field
    must not contain unquoted blanks: it is one field of the line.
    """
    check_text(text, where, "the options", allow_tab=True)
    options: List[KeyOption] = []
    pos = 0
    length = len(text)
    if length == 0:
        return options
    while True:
        rest = text[pos:]
        if rest[0] in _BLANKS:
            raise OpenSSHConfigError(
                "blank after a comma: options are separated by commas without spaces", where
            )
        lower = rest.lower()
        matched = None
        for base, negatable in _SSHD_FLAG_ORDER:
            negated = False
            probe = lower
            if negatable and probe.startswith("no-"):
                probe = probe[3:]
                negated = True
            if probe.startswith(base):
                consumed = len(base) + (3 if negated else 0)
                end = pos + consumed
                if end < length and text[end] not in ",":
                    if text[end] in _BLANKS:
                        raise OpenSSHConfigError(
                            "blank after option %s: options are separated by commas without spaces" % text[pos:end],
                            where,
                        )
                    raise OpenSSHConfigError("unknown option %r" % _option_word(rest), where)
                matched = KeyOption(_canonical_flag(base, negated))
                pos = end
                break
        if matched is None:
            for base in _SSHD_VALUE_ORDER:
                if lower.startswith(base + "="):
                    value, pos = _dequote(text, pos + len(base) + 1, where, base)
                    matched = KeyOption(OPTION_SPECS[base].name, value)
                    break
        if matched is None:
            word = _option_word(rest)
            hint = ""
            if word.lower() in _SSHD_VALUE_ORDER:
                hint = ' (it needs a value: %s="...")' % word
            raise OpenSSHConfigError("unknown option %r%s" % (word, hint), where)
        options.append(matched)
        if pos >= length:
            return options
        if text[pos] in _BLANKS:
            raise OpenSSHConfigError(
                "blank after option %s: options are separated by commas without spaces" % matched.render(), where
            )
        if text[pos] != ",":
            raise OpenSSHConfigError("unexpected %r after option %s" % (text[pos], matched.render()), where)
        pos += 1
        if pos >= length:
            raise OpenSSHConfigError("the options end with a comma", where)


def _option_word(text: str) -> str:
    match = re.match(r'[^,="\s]*', text)
    return match.group() if match and match.group() else text[:20]


def render_options(options: Sequence[KeyOption]) -> str:
    """The option field for ``options``, in the order given ("" for none)."""
    return ",".join(option.render() for option in options)


# -- structured input -------------------------------------------------------

#: option names as roles write them (x11_forwarding) -> the sshd option.
MAPPING_ALIASES = {
    "x11_forwarding": "x11-forwarding",
    "cert_authority": "cert-authority",
    "expiry_time": "expiry-time",
    "agent_forwarding": "agent-forwarding",
    "port_forwarding": "port-forwarding",
    "user_rc": "user-rc",
    "touch_required": "touch-required",
    "verify_required": "verify-required",
    "permit_open": "permitopen",
    "permit_listen": "permitlisten",
}


def _as_list(value: Any, where: str, name: str, split_commas: bool) -> List[str]:
    if isinstance(value, str):
        items = value.split(",") if split_commas else [value]
    elif isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if not isinstance(item, (str, int)) or isinstance(item, bool):
                raise OpenSSHConfigError("%s: each entry must be a string" % name, where)
            items.append(str(item))
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [str(value)]
    else:
        raise OpenSSHConfigError("%s must be a string or a list of strings" % name, where)
    return items


def options_from_mapping(mapping: Mapping[str, Any], where: str = "") -> List[KeyOption]:
    """Build an option list from structured data, in the stable order.

    Keys are option names, with "_" or "-" (``expiry_time``, ``from``,
    ``x11_forwarding``). Values:

    - ``restrict``, ``cert_authority``: true to set, false/None to leave out;
    - toggles (``pty``, ``port_forwarding``, ``agent_forwarding``,
      ``x11_forwarding``, ``user_rc``, ``touch_required``,
      ``verify_required``): true renders ``pty``, false renders ``no-pty``,
      None leaves it out;
    - ``from`` and ``principals``: a list or a comma-separated string, written
      as one comma-separated value;
    - ``permitopen``, ``permitlisten``: a list (one option per entry);
    - ``environment``: a mapping NAME -> value, or a list of "NAME=value";
    - ``command``, ``expiry_time``, ``tunnel``: a string (or number).

    None values are ignored so that an Ansible argument spec's defaults pass
    through. Rendering order: restrict, cert-authority, principals, from,
    expiry-time, command, environment, permitopen, permitlisten, tunnel, then
    the toggles; restrict comes first because it resets the toggles after it.
    """
    if not isinstance(mapping, Mapping):
        raise OpenSSHConfigError("options must be a mapping (or an option string)", where)
    collected: List[Tuple[int, int, KeyOption]] = []
    for sequence, (raw_name, value) in enumerate(mapping.items()):
        if value is None:
            continue
        if not isinstance(raw_name, str):
            raise OpenSSHConfigError("option names must be strings", where)
        lower = raw_name.lower()
        base = MAPPING_ALIASES.get(lower, lower.replace("_", "-"))
        here = "%s.%s" % (where, raw_name) if where else raw_name
        spec = OPTION_SPECS.get(base)
        if spec is None:
            hint = ""
            if base.startswith("no-") and base[3:] in OPTION_SPECS:
                hint = " (write %s: false)" % base[3:].replace("-", "_")
            raise OpenSSHConfigError("unknown option %r%s" % (raw_name, hint), here)
        if spec.kind in ("flag", "toggle"):
            if not isinstance(value, bool):
                raise OpenSSHConfigError("%s takes true or false" % raw_name, here)
            if spec.kind == "flag" and not value:
                continue
            name = spec.name if value else "no-" + spec.name
            collected.append((spec.order, sequence, KeyOption(name)))
            continue
        if base == "environment":
            if isinstance(value, Mapping):
                entries = []
                for env_name, env_value in value.items():
                    if env_value is None:
                        env_value = ""
                    if isinstance(env_value, bool) or not isinstance(env_value, (str, int, float)):
                        raise OpenSSHConfigError("environment %s: value must be a string" % env_name, here)
                    entries.append("%s=%s" % (env_name, env_value))
            else:
                entries = _as_list(value, here, raw_name, split_commas=False)
            for index, entry in enumerate(entries):
                collected.append((spec.order, index, KeyOption(spec.name, entry)))
            continue
        if base in ("from", "principals"):
            items = [item.strip() for item in _as_list(value, here, raw_name, split_commas=True)]
            collected.append((spec.order, 0, KeyOption(spec.name, ",".join(items))))
            continue
        if base in ("permitopen", "permitlisten"):
            for index, item in enumerate(_as_list(value, here, raw_name, split_commas=True)):
                collected.append((spec.order, index, KeyOption(spec.name, item.strip())))
            continue
        # command, expiry-time, tunnel
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise OpenSSHConfigError("%s must be a string" % raw_name, here)
        collected.append((spec.order, 0, KeyOption(spec.name, str(value))))
    collected.sort(key=lambda item: (item[0], item[1]))
    return [option for _unused, _unused, option in collected]


# -- validation -------------------------------------------------------------

_ENV_NAME = re.compile(r"^[A-Za-z0-9_]+\Z")
_EXPIRY = re.compile(r"^(\d{8})(?:(\d{4})(\d{2})?)?(Z|UTC)?\Z", re.IGNORECASE)
_HOST_PATTERN = re.compile(r"^[A-Za-z0-9_.:%*?\-]+\Z")
_HOSTNAME = re.compile(r"^[A-Za-z0-9_.\-]+\Z")
_PRINCIPAL_BAD = re.compile(r'[\s,"\\]')
_TUNID_MAX = 0x7FFFFFFF - 2


def _check_value_text(option: KeyOption, where: str) -> str:
    value = option.value
    check_text(value, where, "option %s" % option.name)
    if value.endswith("\\"):
        raise OpenSSHConfigError(
            "option %s ends with a backslash: sshd would read it as an escaped closing quote" % option.name,
            where,
        )
    return value


def _check_cidr(entry: str, where: str, name: str) -> None:
    try:
        ipaddress.ip_network(entry, strict=True)
    except ValueError as exc:
        raise OpenSSHConfigError("option %s: %r is not a valid CIDR network (%s)" % (name, entry, exc), where)


def _check_from(value: str, where: str) -> None:
    entries = value.split(",")
    for entry in entries:
        pattern = entry[1:] if entry.startswith("!") else entry
        if not pattern:
            raise OpenSSHConfigError('option from: empty pattern in "%s"' % value, where)
        if "/" in pattern:
            if "*" in pattern or "?" in pattern:
                raise OpenSSHConfigError("option from: %r mixes a CIDR mask with wildcards" % entry, where)
            _check_cidr(pattern, where, "from")
        elif not _HOST_PATTERN.match(pattern):
            raise OpenSSHConfigError(
                "option from: %r is not a host name, address or pattern (letters, digits, . - _ : %% * ?)" % entry,
                where,
            )
    if all(entry.startswith("!") for entry in entries):
        raise OpenSSHConfigError(
            'option from: "%s" only has negated patterns, so it matches no host; '
            "add a positive pattern (for example *) before the negations" % value,
            where,
        )


def _split_hostport(value: str, name: str, where: str) -> Tuple[str, str]:
    if value.startswith("["):
        close = value.find("]")
        if close < 0 or close + 1 >= len(value) or value[close + 1] != ":":
            raise OpenSSHConfigError('option %s: "%s" is not [address]:port' % (name, value), where)
        host = value[1:close]
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise OpenSSHConfigError("option %s: %r is not an IPv6 address" % (name, host), where)
        return host, value[close + 2:]
    if value.count(":") != 1:
        raise OpenSSHConfigError(
            'option %s: "%s" must be host:port (write IPv6 addresses as [address]:port)' % (name, value), where
        )
    host, port = value.split(":")
    return host, port


def _check_port(port: str, name: str, value: str, where: str) -> None:
    if port == "*":
        return
    if not port.isdigit() or not 0 < int(port) <= 65535:
        raise OpenSSHConfigError('option %s: port in "%s" must be 1-65535 or *' % (name, value), where)


def _check_permitopen(value: str, where: str) -> None:
    host, port = _split_hostport(value, "permitopen", where)
    if host != "*" and not _HOSTNAME.match(host) and ":" not in host:
        raise OpenSSHConfigError(
            'option permitopen: host in "%s" must be a literal name or address, or * for any host '
            "(sshd does no pattern matching here)" % value,
            where,
        )
    _check_port(port, "permitopen", value, where)


def _check_permitlisten(value: str, where: str) -> None:
    if ":" not in value:
        _check_port(value, "permitlisten", value, where)
        return
    host, port = _split_hostport(value, "permitlisten", where)
    if ":" not in host and not _HOST_PATTERN.match(host):
        raise OpenSSHConfigError('option permitlisten: host in "%s" is not a host name or pattern' % value, where)
    _check_port(port, "permitlisten", value, where)


def _check_expiry(value: str, where: str) -> None:
    match = _EXPIRY.match(value)
    if not match:
        raise OpenSSHConfigError(
            'option expiry-time: "%s" is not YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS (optionally followed by Z)' % value,
            where,
        )
    digits = match.group(1) + (match.group(2) or "0000") + (match.group(3) or "00")
    try:
        datetime.datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        raise OpenSSHConfigError('option expiry-time: "%s" is not a real date and time' % value, where)


def _check_principals(value: str, where: str) -> None:
    for entry in value.split(","):
        if not entry:
            raise OpenSSHConfigError('option principals: empty name in "%s"' % value, where)
        if _PRINCIPAL_BAD.search(entry):
            raise OpenSSHConfigError("option principals: %r contains a blank, quote or backslash" % entry, where)


def _check_tunnel(value: str, where: str) -> None:
    if value.lower() == "any":
        return
    if not value.isdigit() or int(value) > _TUNID_MAX:
        raise OpenSSHConfigError('option tunnel: "%s" must be a tun device number or "any"' % value, where)


_VALUE_CHECKS = {
    "from": _check_from,
    "permitopen": _check_permitopen,
    "permitlisten": _check_permitlisten,
    "expiry-time": _check_expiry,
    "principals": _check_principals,
    "tunnel": _check_tunnel,
}


def validate_options(options: Sequence[KeyOption], where: str = "",
                     key: Optional[PublicKey] = None) -> None:
    """Check an option list against sshd(8) and the rules that keep it safe.

    - every value free of control characters and not ending in a backslash;
    - command not empty; environment NAME=value with NAME of [A-Za-z0-9_];
      from a pattern list (CIDR checked); permitopen host:port with a literal
      host or *; permitlisten [host:]port; expiry-time a real date;
      principals a comma list of names; tunnel a number or "any";
    - single options (command, from, principals, expiry-time, tunnel,
      restrict, cert-authority) at most once; no toggle both on and off; no
      environment name twice (sshd would silently keep the first);
    - principals only with cert-authority (sshd ignores it otherwise);
    - touch-required/verify-required only on security keys or CA lines;
    - cert-authority not on a certificate.
    """
    seen: Dict[str, KeyOption] = {}
    env_names: Dict[str, str] = {}
    for option in options:
        spec = option.spec
        lower = spec.name.lower()
        if spec.kind == "value":
            if option.value is None:
                raise OpenSSHConfigError('option %s needs a value: %s="..."' % (spec.name, spec.name), where)
            value = _check_value_text(option, where)
            if lower == "command" and not value.strip():
                raise OpenSSHConfigError("option command is empty", where)
            if lower == "environment":
                name, sep, _unused = value.partition("=")
                if not sep or not _ENV_NAME.match(name):
                    raise OpenSSHConfigError(
                        'option environment: "%s" must be NAME=value with NAME made of letters, digits and _' % value,
                        where,
                    )
                if name in env_names:
                    raise OpenSSHConfigError(
                        "option environment: %s is set twice (sshd would ignore the second)" % name, where
                    )
                env_names[name] = value
            check = _VALUE_CHECKS.get(lower)
            if check is not None:
                check(value, where)
        elif option.value is not None:
            raise OpenSSHConfigError("option %s takes no value" % option.name, where)
        if not spec.multiple:
            previous = seen.get(lower)
            if previous is not None:
                if previous.name == option.name and spec.kind != "value":
                    raise OpenSSHConfigError("option %s is given twice" % option.name, where)
                if spec.kind == "toggle":
                    raise OpenSSHConfigError(
                        "options %s and %s contradict each other" % (previous.name, option.name), where
                    )
                raise OpenSSHConfigError("option %s may appear only once" % spec.name, where)
            seen[lower] = option
    if "principals" in seen and "cert-authority" not in seen:
        raise OpenSSHConfigError("option principals only applies together with cert-authority", where)
    if key is not None:
        if "cert-authority" in seen and key.is_certificate:
            raise OpenSSHConfigError("cert-authority needs the CA's plain public key, not a certificate", where)
        if not key.is_security_key and "cert-authority" not in seen:
            for name in ("touch-required", "verify-required"):
                if name in seen:
                    raise OpenSSHConfigError(
                        "option %s only applies to security keys (sk-*) or cert-authority lines, not %s"
                        % (seen[name].name, key.type_name),
                        where,
                    )
    restrict_index = next((i for i, o in enumerate(options) if o.name == "restrict"), None)
    if restrict_index is not None:
        for option in options[:restrict_index]:
            if option.spec.kind == "toggle":
                raise OpenSSHConfigError(
                    "option %s comes before restrict, which resets it; put restrict first" % option.name, where
                )


# ---------------------------------------------------------------------------
# authorized_keys lines
# ---------------------------------------------------------------------------

class AuthorizedKey(object):
    """One authorized_keys entry: options (a list of KeyOption) and a key."""

    __slots__ = ("options", "key")

    def __init__(self, key: PublicKey, options: Optional[Sequence[KeyOption]] = None):
        self.key = key
        self.options = list(options or ())

    def render(self) -> str:
        """The line, without a newline."""
        if self.options:
            return "%s %s" % (render_options(self.options), self.key.text())
        return self.key.text()

    def __eq__(self, other):
        return (isinstance(other, AuthorizedKey) and self.key.blob == other.key.blob
                and self.options == other.options and self.key.comment == other.key.comment)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.key.blob, tuple(self.options), self.key.comment))

    def __repr__(self):
        return "AuthorizedKey(%r)" % self.render()


def _skip_options_field(line: str) -> int:
    """Index just past the option field (sshkey_advance_past_options)."""
    quoted = False
    pos = 0
    length = len(line)
    while pos < length and (quoted or line[pos] not in _BLANKS):
        if line[pos] == "\\" and pos + 1 < length and line[pos + 1] == '"':
            pos += 2
            continue
        if line[pos] == '"':
            quoted = not quoted
        pos += 1
    if quoted:
        return -1
    return pos


def split_authorized_key_line(line: str) -> Tuple[str, str]:
    """Split a line into (option field, key text) the way sshd does.

    If the first word is a key type the line has no options. Otherwise the
    option field runs to the first blank outside double quotes. Raises
    OpenSSHConfigError for an unterminated quote. Comment and blank lines are
    the caller's business.
    """
    text = line.lstrip(_BLANKS)
    first = text.split(None, 1)[0] if text.strip() else ""
    if first in KEY_TYPES:
        return "", text
    end = _skip_options_field(text)
    if end < 0:
        raise OpenSSHConfigError("the options have an unterminated double quote", "")
    return text[:end], text[end:].lstrip(_BLANKS)


def parse_authorized_key(line: str, where: str = "", validate: bool = True) -> AuthorizedKey:
    """Parse one authorized_keys line ("[options ]type base64[ comment]").

    With ``validate`` the options also pass ``validate_options``. Comment and
    blank lines are errors here: callers skip them first (``is_comment_line``).
    """
    line = line.rstrip("\r\n")
    check_text(line, where, "the key line", allow_tab=True)
    try:
        option_text, key_text = split_authorized_key_line(line)
    except OpenSSHConfigError as exc:
        raise OpenSSHConfigError(exc.message, where)
    if not key_text:
        raise OpenSSHConfigError("no key found on the line %r" % line[:60], where)
    options = parse_options(option_text, where) if option_text else []
    key = parse_public_key(key_text, where)
    if validate:
        validate_options(options, where, key)
    return AuthorizedKey(key, options)


def is_comment_line(line: str) -> bool:
    """True for lines sshd skips: blank, or '#' after optional blanks."""
    stripped = line.lstrip(_BLANKS)
    return not stripped or stripped[0] in "#\r\n"


def blob_of_line(line: str) -> Optional[bytes]:
    """The key blob of an existing authorized_keys line, or None.

    Lenient and fast: used to find managed keys in files written by others.
    A line that sshd would not accept (unknown type, broken base64, bad
    quotes) gives None.
    """
    if is_comment_line(line):
        return None
    try:
        option_text, key_text = split_authorized_key_line(line.rstrip("\r\n"))
    except OpenSSHConfigError:
        return None
    parts = key_text.split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return None
    try:
        return base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None


def iter_key_texts(text: str) -> Iterable[Tuple[int, str]]:
    """(line number, line) for every non-comment line of a multi-line text."""
    for number, line in enumerate(split_lines(text), start=1):
        if not is_comment_line(line):
            yield number, line
