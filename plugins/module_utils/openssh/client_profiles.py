# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security profiles for the ssh client: ``modern`` (default) and ``none``.

``client_profile_settings(profile, supported, version, options=None) -> (settings, warnings)``

The client side of profiles.py, with the same vocabulary and the same
algorithm (the profile's wish list intersected with what the target's own
``ssh -Q`` lists offer, in the profile's order; the probe decides, never the
version number). The algorithm names are the server profile's constants
(``profiles.PQ_KEX``, ``CURVE25519_KEX``, ``MODERN_CIPHERS``,
``MODERN_MACS``), so a ``modern`` client and a ``modern`` server always
share a key exchange, a cipher and a MAC.

``modern``
    KexAlgorithms: the post-quantum hybrids the binary has (ML-KEM, then
    sntrup761 under both names), then both curve25519 names, so the client
    still reaches every OpenSSH server from 8.4 on (8.4 has no post-quantum
    hybrid). ETM MACs only; chacha20, AES-GCM and AES-CTR; host keys,
    user keys and CA signatures limited to Ed25519 and rsa-sha2 (certificate
    types first, the order of ssh-audit's hardened client policies). No
    SHA-1, no NIST curves, no finite-field Diffie-Hellman. Besides the
    algorithms: HashKnownHosts yes, no agent or X11 forwarding,
    UpdateHostKeys yes (8.5+, see below), RequiredRSASize 3072 (9.1+), and
    VerifyHostKeyDNS yes when the operator says SSHFP records are published.

    UpdateHostKeys is left at its default (no) before 8.5: seen on the
    bullseye lab, 8.4 with ``UpdateHostKeys yes`` and the common
    ``-o UserKnownHostsFile=/dev/null`` replaced /dev/null by a regular file
    (the learnt keys, written by rename) when run as root. 8.5 made the
    update much more conservative (only keys the user's own known_hosts
    vouched for) and added ``UserKnownHostsFile none``.
``none``
    nothing.

``settings`` maps canonical ssh_config keyword names to Python values (lists,
bools, ints); render.py writes them for the version. Keepalives are a
separate concern: keepalive.idle_policy(..., daemon="ssh").

Options (all optional):

``pq_only`` (bool, default False)
    Offer only the post-quantum hybrids. Refused where the binary has none
    (OpenSSH 8.4). The client then cannot reach servers that offer no
    post-quantum key exchange (PQ_ONLY_CLIENT_WARNING).
``sshfp`` (bool, default False)
    SSHFP records are published (with DNSSEC): VerifyHostKeyDNS yes.
``allow_forwarding`` (list of "agent", "x11", or True for both; default none)
    ForwardAgent / ForwardX11 yes for the named kinds.
``rsa`` (bool, default True)
    Accept rsa-sha2 host keys and use RSA user keys next to Ed25519. Without
    it, servers that have only an RSA host key cannot be reached.
``hash_known_hosts`` (bool, default True)
    HashKnownHosts: names added to ~/.ssh/known_hosts are hashed.
``update_host_keys`` (bool, default True)
    UpdateHostKeys yes: learn a server's new host keys (rotation) after a
    verified login.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue, profiles
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import (
    at_least,
    vtuple,
)

CLIENT_PROFILES = ("modern", "none")
DEFAULT_CLIENT_PROFILE = "modern"

_CERT = "-cert-v01@openssh.com"

#: host key and user key signature algorithms of the modern client, in the
#: order of ssh-audit's hardened Debian/Ubuntu client policies: certificates
#: first, security keys before plain keys, Ed25519 before RSA.
MODERN_CLIENT_SIGNATURES = (
    "sk-ssh-ed25519" + _CERT,
    "ssh-ed25519" + _CERT,
    "rsa-sha2-512" + _CERT,
    "rsa-sha2-256" + _CERT,
    "sk-ssh-ed25519@openssh.com",
    "ssh-ed25519",
    "rsa-sha2-512",
    "rsa-sha2-256",
)
#: signature algorithms a CA may use to sign host certificates.
MODERN_CLIENT_CA = ("ssh-ed25519", "sk-ssh-ed25519@openssh.com", "rsa-sha2-512", "rsa-sha2-256")

CLIENT_FORWARDING_KINDS = ("agent", "x11")

PQ_ONLY_CLIENT_WARNING = (
    "post-quantum-only key exchange ({kex}): this client cannot reach servers that offer "
    "no post-quantum hybrid, that is every OpenSSH 8.4 (and older) server and any server "
    "configured without one. Keep the modern profile for hosts that still need curve25519."
)

_OPTION_DEFAULTS: Dict[str, Any] = {
    "pq_only": False,
    "sshfp": False,
    "allow_forwarding": (),
    "rsa": True,
    "hash_known_hosts": True,
    "update_host_keys": True,
}


def check_options(options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Validate the client profile options; return them with defaults filled in.

    Needs no target: the action plugin runs it on the controller.
    """
    result = profiles.fill_options(options, _OPTION_DEFAULTS,
                                   ("pq_only", "sshfp", "rsa", "hash_known_hosts", "update_host_keys"),
                                   what="client profile option", skip_none=True)
    result["allow_forwarding"] = profiles.forwarding_kinds(
        result["allow_forwarding"], CLIENT_FORWARDING_KINDS, "both",
        f"the client forwards {' and '.join(CLIENT_FORWARDING_KINDS)} "
        "(TCP forwardings are asked for per connection)")
    return result


def check_profile(profile: Optional[str]) -> str:
    if profile is None:
        return DEFAULT_CLIENT_PROFILE
    if profile not in CLIENT_PROFILES:
        raise OpenSSHConfigError(
            f"unknown client profile {profile!r}; choose one of {', '.join(CLIENT_PROFILES)}", "profile"
        )
    return profile


def _exists(name: str, version: str) -> bool:
    """Can ``version`` take the keyword (under its own or an older name)?"""
    try:
        catalogue.resolve("ssh", name, version)
    except OpenSSHConfigError:
        return False
    return True


def client_profile_settings(profile: Optional[str], supported: Mapping[str, Any], version: str,
                            options: Optional[Mapping[str, Any]] = None
                            ) -> Tuple[Dict[str, Any], List[str]]:
    """The ssh_config settings of ``profile`` for a client running ``version``.

    ``supported`` is version.probe()'s result for the target. Returns
    ``(settings, warnings)``. Raises OpenSSHConfigError for an unknown profile
    or option, for ``pq_only`` on a binary without a post-quantum hybrid, and
    when the binary offers none of the algorithms of a class.
    """
    profile = check_profile(profile)
    vtuple(version)
    opts = check_options(options)
    if profile == "none":
        return {}, []
    lists = profiles.probe_lists(supported)
    warnings: List[str] = []
    pq = profiles.offered(profiles.PQ_KEX, lists["kex"])
    if opts["pq_only"]:
        if not pq:
            raise OpenSSHConfigError(
                f"pq_only needs a post-quantum key exchange ({', '.join(profiles.PQ_KEX)}), but the "
                f"client's OpenSSH {version} offers none: it could not reach any server",
                "profile_options.pq_only",
            )
        kex = pq
        warnings.append(PQ_ONLY_CLIENT_WARNING.format(kex=", ".join(kex)))
    else:
        kex = pq + profiles.offered(profiles.CURVE25519_KEX, lists["kex"])
    signatures = [name for name in MODERN_CLIENT_SIGNATURES if opts["rsa"] or "rsa-" not in name]
    ca = [name for name in MODERN_CLIENT_CA if opts["rsa"] or "rsa-" not in name]
    forwarding = set(opts["allow_forwarding"])
    settings: Dict[str, Any] = {
        "KexAlgorithms": profiles.need(kex, "key exchanges", "KexAlgorithms"),
        "Ciphers": profiles.need(profiles.offered(profiles.MODERN_CIPHERS, lists["cipher"]),
                                 "ciphers", "Ciphers"),
        "MACs": profiles.need(profiles.offered(profiles.MODERN_MACS, lists["mac"]), "MACs", "MACs"),
        "HostKeyAlgorithms": profiles.need(profiles.signatures_offered(signatures, lists),
                                           "host key algorithms", "HostKeyAlgorithms"),
        "PubkeyAcceptedAlgorithms": profiles.need(profiles.signatures_offered(signatures, lists),
                                                  "user key algorithms", "PubkeyAcceptedAlgorithms"),
        "CASignatureAlgorithms": profiles.need(profiles.signatures_offered(ca, lists),
                                               "CA signature algorithms", "CASignatureAlgorithms"),
        "HostbasedAuthentication": False,
        "HashKnownHosts": opts["hash_known_hosts"],
        "ForwardAgent": "yes" if "agent" in forwarding else "no",
        "ForwardX11": "x11" in forwarding,
        "ForwardX11Trusted": False,
    }
    if at_least(version, "8.5"):
        settings["UpdateHostKeys"] = "yes" if opts["update_host_keys"] else "no"
    if opts["sshfp"]:
        settings["VerifyHostKeyDNS"] = "yes"
    if at_least(version, "9.1") and opts["rsa"]:
        settings["RequiredRSASize"] = profiles.REQUIRED_RSA_SIZE
    return {name: value for name, value in settings.items() if _exists(name, version)}, warnings
