# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/client_profiles.py.

The probe fixtures are the ``ssh -Q`` lists of Debian's 8.4p1, 9.2p1 and
10.0p2 (tests/unit/fixtures/profiles/probe-*.json, shared with the server
profile tests). Where the controller has ssh, ``ssh -G`` must accept the
rendered profile.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    client_profiles,
    profiles,
    render,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "profiles")
RELEASES = ("8.4", "9.2", "10.0")
SSH = shutil.which("ssh")

#: ssh-audit 3.9.0 "Hardened Debian Client 13 (version 1)" (builtin_policies.py), without the
#: two pseudo-algorithms ssh appends by itself (ext-info-c, kex-strict-c-v00@openssh.com).
DEBIAN_CLIENT_13 = {
    "KexAlgorithms": ["mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"],
    "HostKeyAlgorithms": ["sk-ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com",
                          "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
                          "sk-ssh-ed25519@openssh.com", "ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"],
    "Ciphers": ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes256-ctr", "aes192-ctr",
                "aes128-gcm@openssh.com", "aes128-ctr"],
    "MACs": ["hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "umac-128-etm@openssh.com"],
}


def probe(version):
    with open(os.path.join(FIXTURES, f"probe-{version}.json")) as handle:
        return json.load(handle)


@pytest.fixture(params=RELEASES)
def release(request):
    return request.param, probe(request.param)


def test_modern_shares_the_server_vocabulary(release):
    version, supported = release
    client = client_profiles.client_profile_settings("modern", supported, version)[0]
    server = profiles.profile_settings("modern", supported, version)[0]
    # same wish lists, same probe: the same key exchanges, ciphers and MACs
    assert client["KexAlgorithms"] == server["KexAlgorithms"]
    assert client["Ciphers"] == server["Ciphers"] == list(profiles.MODERN_CIPHERS)
    assert client["MACs"] == server["MACs"] == list(profiles.MODERN_MACS)


def test_modern_kex_per_release():
    kex = {v: client_profiles.client_profile_settings("modern", probe(v), v)[0]["KexAlgorithms"] for v in RELEASES}
    assert kex["8.4"] == ["curve25519-sha256", "curve25519-sha256@libssh.org"]
    assert kex["9.2"] == ["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
                          "curve25519-sha256", "curve25519-sha256@libssh.org"]
    assert kex["10.0"][:3] == DEBIAN_CLIENT_13["KexAlgorithms"]
    assert kex["10.0"][3:] == ["curve25519-sha256", "curve25519-sha256@libssh.org"]


def test_modern_never_offers_weak_algorithms(release):
    version, supported = release
    settings, warnings = client_profiles.client_profile_settings("modern", supported, version)
    assert warnings == []
    for key in ("KexAlgorithms", "HostKeyAlgorithms", "PubkeyAcceptedAlgorithms", "CASignatureAlgorithms",
                "Ciphers", "MACs"):
        for name in settings[key]:
            assert "sha1" not in name and "nistp" not in name and not name.startswith("diffie-hellman"), name
            assert name not in ("ssh-rsa", "ssh-dss") and not name.startswith(("ssh-rsa-cert", "ssh-dss")), name
            assert "cbc" not in name and "sntrup4591761" not in name, name
    assert all(mac.endswith("-etm@openssh.com") for mac in settings["MACs"])


def test_modern_hardening(release):
    version, supported = release
    settings = client_profiles.client_profile_settings("modern", supported, version)[0]
    assert settings["HashKnownHosts"] is True
    assert settings["ForwardAgent"] == "no"
    assert settings["ForwardX11"] is False
    # 8.4 with UpdateHostKeys yes replaced /dev/null (UserKnownHostsFile=/dev/null) as root
    assert settings.get("UpdateHostKeys") == (None if version == "8.4" else "yes")
    assert settings["HostbasedAuthentication"] is False
    assert "VerifyHostKeyDNS" not in settings
    assert ("RequiredRSASize" in settings) == (version != "8.4")
    assert settings["HostKeyAlgorithms"] == DEBIAN_CLIENT_13["HostKeyAlgorithms"]
    assert settings["PubkeyAcceptedAlgorithms"] == DEBIAN_CLIENT_13["HostKeyAlgorithms"]


def test_pq_only_matches_the_debian_13_client_policy():
    settings, warnings = client_profiles.client_profile_settings("modern", probe("10.0"), "10.0", {"pq_only": True})
    for key, wanted in DEBIAN_CLIENT_13.items():
        assert settings[key] == wanted, key
    assert len(warnings) == 1 and "OpenSSH 8.4" in warnings[0]


def test_pq_only_on_9_2_uses_sntrup():
    settings, _unused = client_profiles.client_profile_settings("modern", probe("9.2"), "9.2", {"pq_only": True})
    assert settings["KexAlgorithms"] == ["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"]


def test_pq_only_is_refused_on_8_4():
    with pytest.raises(OpenSSHConfigError, match="could not reach any server"):
        client_profiles.client_profile_settings("modern", probe("8.4"), "8.4", {"pq_only": True})


def test_options():
    base = client_profiles.client_profile_settings("modern", probe("9.2"), "9.2")[0]
    opened = client_profiles.client_profile_settings("modern", probe("9.2"), "9.2", {
        "sshfp": True, "allow_forwarding": ["agent"], "hash_known_hosts": False, "update_host_keys": False})[0]
    changed = {k for k in set(base) | set(opened) if base.get(k) != opened.get(k)}
    assert changed == {"VerifyHostKeyDNS", "ForwardAgent", "HashKnownHosts", "UpdateHostKeys"}
    assert opened["VerifyHostKeyDNS"] == "yes" and opened["ForwardAgent"] == "yes"
    both = client_profiles.client_profile_settings("modern", probe("9.2"), "9.2", {"allow_forwarding": True})[0]
    assert both["ForwardX11"] is True
    no_rsa = client_profiles.client_profile_settings("modern", probe("9.2"), "9.2", {"rsa": False})[0]
    assert not any("rsa" in name for name in no_rsa["HostKeyAlgorithms"] + no_rsa["CASignatureAlgorithms"])
    assert "RequiredRSASize" not in no_rsa


def test_none_sets_nothing():
    assert client_profiles.client_profile_settings("none", {}, "9.2") == ({}, [])


@pytest.mark.parametrize("profile, options, message", [
    ("fips", None, "unknown client profile"),
    ("modern", {"pq": True}, "unknown client profile option"),
    ("modern", {"sshfp": "yes"}, "true or false"),
    ("modern", {"allow_forwarding": ["tcp"]}, "unknown forwarding kind"),
    ("modern", {"allow_forwarding": "agent"}, "list of"),
    ("modern", [], "mapping"),
])
def test_bad_input(profile, options, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        client_profiles.client_profile_settings(profile, probe("9.2"), "9.2", options)


def test_a_probe_without_lists_is_refused():
    with pytest.raises(OpenSSHConfigError, match="ssh -Q kex"):
        client_profiles.client_profile_settings("modern", {"version": "9.2"}, "9.2")


@pytest.mark.skipif(SSH is None, reason="no ssh on the controller")
def test_ssh_reads_the_profile_of_its_own_version(tmp_path):
    out = subprocess.run([SSH, "-V"], capture_output=True, text=True, check=False).stderr
    version = "9.2" if "OpenSSH_9.2" in out else None
    if version is None:
        pytest.skip("the controller's ssh is not 9.2: %s" % out.strip())
    settings = client_profiles.client_profile_settings("modern", probe(version), version)[0]
    config = tmp_path / "ssh_config"
    config.write_text(render.render_config("ssh", {}, [{"host": "*", "settings": settings}], version, "t"))
    result = subprocess.run([SSH, "-G", "-F", str(config), "example.org"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "kexalgorithms " + ",".join(settings["KexAlgorithms"]) in result.stdout.splitlines()
