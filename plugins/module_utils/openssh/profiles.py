# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security profiles for sshd: ``modern`` (default), ``fips`` and ``none``.

``profile_settings(profile, supported, version, options=None) -> (settings, warnings)``

* ``supported`` is what version.probe() returns for the target:
  ``{"version": "9.2", "kex": [...], "cipher": [...], "mac": [...],
  "key": [...], "sig": [...]}`` (the ``ssh -Q`` lists of the target's own
  binary). Every algorithm list of a profile is the profile's wish list
  intersected with what the binary offers, in the profile's order: Debian
  backports algorithms (sntrup761x25519-sha512 on 9.2, strict KEX on 8.4),
  so the probe decides, never the version number.
* ``version`` ("8.4", "9.2", "10.0" ...) decides only which *keywords* exist
  (RequiredRSASize 9.1+).
* ``settings`` maps canonical sshd_config keyword names (the newest spelling:
  PubkeyAcceptedAlgorithms, KbdInteractiveAuthentication) to Python values:
  lists for comma lists and repeated lines, bools for yes/no, ints, words.
  render.py writes them with catalogue.resolve, which picks the spelling the
  version knows (PubkeyAcceptedKeyTypes and ChallengeResponseAuthentication
  on 8.4). The operator's own mapping is merged over these per keyword.
* ``warnings`` are sentences the role prints (the post-quantum-only lockout).

Keepalive and idle timeouts are a separate concern: keepalive.idle_policy().

Options (all optional):

``pq_only`` (bool, default False)
    Offer only post-quantum hybrid key exchanges (drops curve25519). Allowed
    only where the binary offers one; locks out many clients (see
    PQ_ONLY_WARNING). Not with ``fips``.
``root_login`` ("no" default, "prohibit-password", "forced-commands-only")
    PermitRootLogin; passwords for root are never allowed.
``allow_passwords`` (bool, default False)
    PasswordAuthentication yes.
``allow_keyboard_interactive`` (bool, default False)
    KbdInteractiveAuthentication yes (PAM prompts, e.g. one-time codes).
``allow_forwarding`` (list of "tcp", "agent", "x11", "streamlocal",
    "tunnel", or True for all; default none)
    Each named kind is switched on and DisableForwarding is left off.
``rsa_host_key`` (bool, default True)
    Serve the RSA host key (>= 3072 bits) next to Ed25519 (modern) or ECDSA
    (fips). Without it clients that know only RSA host keys cannot connect.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import (
    at_least,
    vtuple,
)

PROFILES = ("modern", "fips", "none")
DEFAULT_PROFILE = "modern"

#: post-quantum hybrids, most preferred first (10.0 default order).
PQ_KEX = (
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
)
#: the classical fallback every mainstream client has; both names are needed
#: (libssh before 0.8 and older PuTTY know only the @libssh.org name).
CURVE25519_KEX = ("curve25519-sha256", "curve25519-sha256@libssh.org")

#: ciphers: every AEAD/CTR cipher; chacha20 keeps Dropbear, CTR keeps
#: paramiko < 3.5. The order is ssh-audit's hardening order (larger keys
#: first), which its "Hardened OpenSSH Server v10.0" policy checks exactly.
MODERN_CIPHERS = (
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-gcm@openssh.com",
    "aes128-ctr",
)
#: encrypt-then-MAC only; hmac-sha2-256-etm keeps PuTTY 0.78.
MODERN_MACS = (
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "umac-128-etm@openssh.com",
)
#: FIPS 140 approved key exchange as listed by the DISA STIG for Ubuntu 22.04
#: (UBTU-22-255060): NIST curves and group exchange with SHA-256.
FIPS_KEX = (
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group-exchange-sha256",
)
FIPS_CIPHERS = (
    "aes256-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-gcm@openssh.com",
    "aes128-ctr",
)
FIPS_MACS = (
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512",
    "hmac-sha2-256",
)

_CERT = "-cert-v01@openssh.com"

_ED25519_HOST = ("ssh-ed25519", "ssh-ed25519" + _CERT)
_ECDSA_HOST = (
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256" + _CERT,
    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384" + _CERT,
    "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521" + _CERT,
)
_RSA_SHA2 = (
    "rsa-sha2-512", "rsa-sha2-512" + _CERT,
    "rsa-sha2-256", "rsa-sha2-256" + _CERT,
)
_ED25519_USER = _ED25519_HOST + ("sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519" + _CERT)
_ECDSA_USER = _ECDSA_HOST + ("sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256" + _CERT)

_CA_MODERN = (
    "ssh-ed25519", "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512", "rsa-sha2-256",
)
_CA_FIPS = (
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512", "rsa-sha2-256",
)

HOST_KEY_FILES = {
    "rsa": "/etc/ssh/ssh_host_rsa_key",
    "ecdsa": "/etc/ssh/ssh_host_ecdsa_key",
    "ed25519": "/etc/ssh/ssh_host_ed25519_key",
}

REQUIRED_RSA_SIZE = 3072

FORWARDING_KINDS = ("tcp", "agent", "x11", "streamlocal", "tunnel")
ROOT_LOGIN_CHOICES = ("no", "prohibit-password", "forced-commands-only")

PQ_ONLY_WARNING = (
    "post-quantum-only key exchange ({kex}): clients without a post-quantum "
    "hybrid cannot connect at all. That locks out every OpenSSH 8.4 client, "
    "paramiko before 5.0, AsyncSSH 2.20 and older, libssh 0.11, libssh2 1.11 "
    "and Go x/crypto 0.25 (and any client older than these). Keep a console "
    "or another way in before applying it."
)

_OPTION_DEFAULTS: Dict[str, Any] = {
    "pq_only": False,
    "root_login": "no",
    "allow_passwords": False,
    "allow_keyboard_interactive": False,
    "allow_forwarding": (),
    "rsa_host_key": True,
}

_PROBE_LISTS = ("kex", "cipher", "mac", "key", "sig")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def fill_options(options: Optional[Mapping[str, Any]], defaults: Mapping[str, Any],
                 booleans: Sequence[str], what: str = "profile option",
                 skip_none: bool = False) -> Dict[str, Any]:
    """Check an options mapping against its defaults; return it complete.

    Shared by the server and client profiles: unknown names and non-boolean
    switches are errors naming the option.
    """
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise OpenSSHConfigError(
            f"expected a mapping of profile options, got {type(options).__name__}", "profile_options"
        )
    unknown = sorted(str(name) for name in options if name not in defaults)
    if unknown:
        raise OpenSSHConfigError(
            f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(defaults)}",
            "profile_options",
        )
    result = dict(defaults)
    result.update({name: value for name, value in options.items()
                   if not (skip_none and value is None)})
    for name in booleans:
        if not isinstance(result[name], bool):
            raise OpenSSHConfigError(
                f"expected true or false, got {result[name]!r}", f"profile_options.{name}"
            )
    return result


def forwarding_kinds(kinds: Any, known: Sequence[str], all_words: str, unknown_hint: str) -> Tuple[str, ...]:
    """``allow_forwarding``: a list of known kinds, or true for all; returned in ``known`` order."""
    if kinds is True:
        kinds = known
    elif kinds is False or kinds is None:
        kinds = ()
    if isinstance(kinds, str) or not isinstance(kinds, (list, tuple)):
        raise OpenSSHConfigError(
            f"expected a list of {', '.join(known)} (or true for {all_words}), got {kinds!r}",
            "profile_options.allow_forwarding",
        )
    bad = [k for k in kinds if k not in known]
    if bad:
        raise OpenSSHConfigError(
            f"unknown forwarding kind(s) {', '.join(map(str, bad))}; {unknown_hint}",
            "profile_options.allow_forwarding",
        )
    return tuple(k for k in known if k in kinds)


def check_options(options: Optional[Mapping[str, Any]], profile: str) -> Dict[str, Any]:
    """Validate profile options; return them complete (defaults filled in, normalised)."""
    result = fill_options(options, _OPTION_DEFAULTS,
                          ("pq_only", "allow_passwords", "allow_keyboard_interactive", "rsa_host_key"))
    root = result["root_login"]
    if root == "without-password":  # the old spelling sshd -T prints
        root = "prohibit-password"
    if root not in ROOT_LOGIN_CHOICES:
        raise OpenSSHConfigError(
            f"expected one of {', '.join(ROOT_LOGIN_CHOICES)}, got {root!r} "
            "(root logins with a password are never part of a profile)",
            "profile_options.root_login",
        )
    result["root_login"] = root
    result["allow_forwarding"] = forwarding_kinds(
        result["allow_forwarding"], FORWARDING_KINDS, "all", f"known: {', '.join(FORWARDING_KINDS)}")
    if result["pq_only"] and profile == "fips":
        raise OpenSSHConfigError(
            "pq_only cannot be combined with the fips profile: the post-quantum hybrids "
            "use X25519, which FIPS 140 environments do not approve",
            "profile_options.pq_only",
        )
    return result


def probe_lists(supported: Mapping[str, Any]) -> Dict[str, List[str]]:
    if not isinstance(supported, Mapping):
        raise OpenSSHConfigError(
            f"expected the probe result (a mapping), got {type(supported).__name__}", "supported"
        )
    lists: Dict[str, List[str]] = {}
    for name in _PROBE_LISTS:
        value = supported.get(name)
        if not value or not isinstance(value, (list, tuple)):
            raise OpenSSHConfigError(
                f"the probe of the target lists no '{name}' algorithms (ssh -Q {name}); "
                "a profile needs the target's own lists to choose algorithms",
                f"supported.{name}",
            )
        lists[name] = [str(item) for item in value]
    return lists


def _has_signature(name: str, lists: Mapping[str, List[str]]) -> bool:
    """Does the binary sign/verify with ``name`` (a plain or certificate algorithm)?"""
    if name.endswith(_CERT):
        if name in lists["key"]:
            return True
        base = name[: -len(_CERT)]
        # rsa-sha2-*-cert-v01 ride on the ssh-rsa certificate type
        return base.startswith("rsa-sha2-") and base in lists["sig"] and ("ssh-rsa" + _CERT) in lists["key"]
    return name in lists["sig"]


def offered(wanted: Sequence[str], available: Sequence[str]) -> List[str]:
    """The names of ``wanted`` the target lists, in ``wanted``'s order (server and client profiles)."""
    return [name for name in wanted if name in available]


def signatures_offered(wanted: Sequence[str], lists: Mapping[str, List[str]]) -> List[str]:
    """The signature algorithms of ``wanted`` the target can use."""
    return [name for name in wanted if _has_signature(name, lists)]


def need(chosen: List[str], what: str, keyword: str) -> List[str]:
    """``chosen``, or an error when the target offers none of what the profile allows."""
    if not chosen:
        raise OpenSSHConfigError(
            f"the target's OpenSSH offers none of the {what} this profile allows; "
            f"set {keyword} yourself or use the profile 'none'",
            keyword,
        )
    return chosen


def _keyword_exists(name: str, version: str) -> bool:
    try:
        kw = catalogue.lookup("sshd", name)
    except OpenSSHConfigError:
        return False
    return kw.exists_in(version)


# ---------------------------------------------------------------------------
# the profiles
# ---------------------------------------------------------------------------


def _crypto_modern(lists: Mapping[str, List[str]], version: str, opts: Mapping[str, Any]
                   ) -> Tuple[Dict[str, Any], List[str]]:
    warnings: List[str] = []
    pq = offered(PQ_KEX, lists["kex"])
    if opts["pq_only"]:
        if not pq:
            raise OpenSSHConfigError(
                f"pq_only needs a post-quantum key exchange ({', '.join(PQ_KEX)}), "
                f"but the target's OpenSSH {version} offers none",
                "profile_options.pq_only",
            )
        kex = pq
        warnings.append(PQ_ONLY_WARNING.format(kex=", ".join(kex)))
    else:
        kex = pq + offered(CURVE25519_KEX, lists["kex"])
    host_keys = ["rsa", "ed25519"] if opts["rsa_host_key"] else ["ed25519"]
    host_algorithms = _ED25519_HOST + (_RSA_SHA2 if opts["rsa_host_key"] else ())
    settings: Dict[str, Any] = {
        "KexAlgorithms": need(kex, "key exchanges", "KexAlgorithms"),
        "Ciphers": need(offered(MODERN_CIPHERS, lists["cipher"]), "ciphers", "Ciphers"),
        "MACs": need(offered(MODERN_MACS, lists["mac"]), "MACs", "MACs"),
        # RSA first: the host key order decides the order sshd offers
        # (ssh-audit's v10.0 policy expects rsa-sha2-512, rsa-sha2-256,
        # ssh-ed25519); clients still pick by their own preference.
        "HostKey": [HOST_KEY_FILES[kind] for kind in host_keys],
        "HostKeyAlgorithms": need(signatures_offered(host_algorithms, lists), "host key algorithms",
                                  "HostKeyAlgorithms"),
        "PubkeyAcceptedAlgorithms": need(
            signatures_offered(_ED25519_USER + _ECDSA_USER + _RSA_SHA2, lists),
            "user key algorithms", "PubkeyAcceptedAlgorithms"),
        "CASignatureAlgorithms": need(signatures_offered(_CA_MODERN, lists), "CA signature algorithms",
                                      "CASignatureAlgorithms"),
    }
    return settings, warnings


def _crypto_fips(lists: Mapping[str, List[str]], version: str, opts: Mapping[str, Any]
                 ) -> Tuple[Dict[str, Any], List[str]]:
    host_keys = ["rsa", "ecdsa"] if opts["rsa_host_key"] else ["ecdsa"]
    host_algorithms = _ECDSA_HOST + (_RSA_SHA2 if opts["rsa_host_key"] else ())
    settings: Dict[str, Any] = {
        "KexAlgorithms": need(offered(FIPS_KEX, lists["kex"]), "key exchanges", "KexAlgorithms"),
        "Ciphers": need(offered(FIPS_CIPHERS, lists["cipher"]), "ciphers", "Ciphers"),
        "MACs": need(offered(FIPS_MACS, lists["mac"]), "MACs", "MACs"),
        "HostKey": [HOST_KEY_FILES[kind] for kind in host_keys],
        "HostKeyAlgorithms": need(signatures_offered(host_algorithms, lists), "host key algorithms",
                                  "HostKeyAlgorithms"),
        "PubkeyAcceptedAlgorithms": need(signatures_offered(_ECDSA_USER + _RSA_SHA2, lists),
                                         "user key algorithms", "PubkeyAcceptedAlgorithms"),
        "CASignatureAlgorithms": need(signatures_offered(_CA_FIPS, lists), "CA signature algorithms",
                                      "CASignatureAlgorithms"),
    }
    return settings, []


def _hardening(version: str, opts: Mapping[str, Any]) -> Dict[str, Any]:
    """The non-crypto settings shared by modern and fips."""
    forwarding = set(opts["allow_forwarding"])
    settings: Dict[str, Any] = {
        "PermitRootLogin": opts["root_login"],
        "PubkeyAuthentication": True,
        "PasswordAuthentication": opts["allow_passwords"],
        "KbdInteractiveAuthentication": opts["allow_keyboard_interactive"],
        "PermitEmptyPasswords": False,
        "HostbasedAuthentication": False,
        "IgnoreRhosts": True,
        "IgnoreUserKnownHosts": True,
        "GSSAPIAuthentication": False,
        "KerberosAuthentication": False,
        "UsePAM": True,
        "DisableForwarding": not forwarding,
        "AllowTcpForwarding": "yes" if "tcp" in forwarding else "no",
        "AllowAgentForwarding": "agent" in forwarding,
        "AllowStreamLocalForwarding": "yes" if "streamlocal" in forwarding else "no",
        "X11Forwarding": "x11" in forwarding,
        "X11UseLocalhost": True,
        "PermitTunnel": "yes" if "tunnel" in forwarding else "no",
        "GatewayPorts": "no",
        "PermitUserEnvironment": "no",
        "StrictModes": True,
        "MaxAuthTries": 4,
        "MaxSessions": 10,
        "MaxStartups": "10:30:60",
        "LoginGraceTime": 60,
        "LogLevel": "VERBOSE",
        # no mainstream client needs it; ssh-audit, Lynis and several benchmarks ask for no
        # (issue 19: the client list of the profile scenario still logs in)
        "Compression": False,
    }
    if at_least(version, "9.1"):
        settings["RequiredRSASize"] = REQUIRED_RSA_SIZE
    # keywords a build may lack (10.4 spelt the GSS-API ones differently)
    return {name: value for name, value in settings.items() if _keyword_exists(name, version)}


def profile_settings(profile: Optional[str], supported: Mapping[str, Any], version: str,
                     options: Optional[Mapping[str, Any]] = None
                     ) -> Tuple[Dict[str, Any], List[str]]:
    """The settings of ``profile`` for a target running ``version``.

    Returns ``(settings, warnings)``; see the module docstring. Raises
    OpenSSHConfigError for an unknown profile or option, for ``pq_only`` on
    a binary without a post-quantum key exchange, and when the target offers
    none of the algorithms of a class the profile needs.
    """
    if profile is None:
        profile = DEFAULT_PROFILE
    if profile not in PROFILES:
        raise OpenSSHConfigError(
            f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}", "profile"
        )
    vtuple(version)  # raises on a malformed version
    opts = check_options(options, profile)
    if profile == "none":
        return {}, []
    lists = probe_lists(supported)
    if profile == "modern":
        crypto, warnings = _crypto_modern(lists, version, opts)
    else:
        crypto, warnings = _crypto_fips(lists, version, opts)
    settings = dict(crypto)
    settings.update(_hardening(version, opts))
    return settings, warnings


def describe(settings: Mapping[str, Any]) -> List[str]:
    """One ``Keyword value`` line per setting, for run output and docs."""
    lines = []
    for name, value in settings.items():
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, (list, tuple)):
            text = ",".join(map(str, value)) if name != "HostKey" else " ".join(map(str, value))
        else:
            text = str(value)
        lines.append(f"{name} {text}")
    return lines
