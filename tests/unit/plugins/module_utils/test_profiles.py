# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/profiles.py.

The probe fixtures (tests/unit/fixtures/profiles/probe-*.json) are the
``ssh -Q`` lists of Debian's 8.4p1, 9.2p1 and 10.0p2 builds, taken from the
lab images (see tests/unit/fixtures/profiles/README.md). Every profile is
rendered with render.py for each release; where the controller has an sshd,
``sshd -t`` must accept the result.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshd_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import profiles, render
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "profiles")
RELEASES = ("8.4", "9.2", "10.0")
SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.access("/usr/sbin/sshd", os.X_OK) else None)
SSH_KEYGEN = shutil.which("ssh-keygen")


def probe(version):
    with open(os.path.join(FIXTURES, f"probe-{version}.json")) as handle:
        return json.load(handle)


@pytest.fixture(params=RELEASES)
def release(request):
    return request.param, probe(request.param)


# ---------------------------------------------------------------------------
# modern
# ---------------------------------------------------------------------------


def test_modern_is_the_default(release):
    version, supported = release
    assert profiles.profile_settings(None, supported, version) == profiles.profile_settings(
        "modern", supported, version
    )


def test_modern_kex_follows_the_probe_not_the_version():
    assert profiles.profile_settings("modern", probe("8.4"), "8.4")[0]["KexAlgorithms"] == [
        "curve25519-sha256", "curve25519-sha256@libssh.org",
    ]
    # Debian 9.2 has the backported IANA name of sntrup761 but no ML-KEM
    assert profiles.profile_settings("modern", probe("9.2"), "9.2")[0]["KexAlgorithms"] == [
        "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256", "curve25519-sha256@libssh.org",
    ]
    assert profiles.profile_settings("modern", probe("10.0"), "10.0")[0]["KexAlgorithms"] == [
        "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256", "curve25519-sha256@libssh.org",
    ]


def test_a_backport_is_used_although_the_version_is_old():
    supported = probe("8.4")
    supported["kex"] = supported["kex"] + ["sntrup761x25519-sha512@openssh.com"]
    kex = profiles.profile_settings("modern", supported, "8.4")[0]["KexAlgorithms"]
    assert kex[0] == "sntrup761x25519-sha512@openssh.com"


def test_modern_never_offers_weak_algorithms(release):
    version, supported = release
    settings, warnings = profiles.profile_settings("modern", supported, version)
    assert warnings == []
    for name in settings["KexAlgorithms"]:
        assert "sha1" not in name and "nistp" not in name and not name.startswith("diffie-hellman")
        assert "sntrup4591761" not in name
    assert settings["Ciphers"] == list(profiles.MODERN_CIPHERS)
    assert settings["MACs"] == list(profiles.MODERN_MACS)
    assert all(mac.endswith("-etm@openssh.com") for mac in settings["MACs"])
    for key in ("HostKeyAlgorithms", "PubkeyAcceptedAlgorithms", "CASignatureAlgorithms"):
        assert "ssh-rsa" not in settings[key]
        assert not any(name.startswith(("ssh-dss", "ssh-rsa-cert")) for name in settings[key])
    assert not any("nistp" in name for name in settings["HostKeyAlgorithms"])
    assert "ssh-ed25519" in settings["HostKeyAlgorithms"]
    assert "rsa-sha2-512" in settings["HostKeyAlgorithms"]


def test_modern_keeps_the_algorithms_clients_need(release):
    version, supported = release
    settings = profiles.profile_settings("modern", supported, version)[0]
    # Dropbear needs chacha20, paramiko < 3.5 needs CTR, PuTTY 0.78 needs
    # hmac-sha2-256-etm, old libssh/PuTTY need the @libssh.org curve name
    assert "chacha20-poly1305@openssh.com" in settings["Ciphers"]
    assert "aes128-ctr" in settings["Ciphers"]
    assert "hmac-sha2-256-etm@openssh.com" in settings["MACs"]
    assert "curve25519-sha256@libssh.org" in settings["KexAlgorithms"]
    assert "rsa-sha2-256" in settings["PubkeyAcceptedAlgorithms"]
    assert "ssh-ed25519-cert-v01@openssh.com" in settings["PubkeyAcceptedAlgorithms"]


def test_certificate_algorithms_need_the_certificate_type():
    supported = probe("9.2")
    supported["key"] = [k for k in supported["key"] if k != "ssh-rsa-cert-v01@openssh.com"]
    settings = profiles.profile_settings("modern", supported, "9.2")[0]
    assert "rsa-sha2-512" in settings["HostKeyAlgorithms"]
    assert "rsa-sha2-512-cert-v01@openssh.com" not in settings["HostKeyAlgorithms"]


def test_hardening(release):
    version, supported = release
    settings = profiles.profile_settings("modern", supported, version)[0]
    expected = {
        "PermitRootLogin": "no", "PasswordAuthentication": False,
        "KbdInteractiveAuthentication": False, "PermitEmptyPasswords": False,
        "HostbasedAuthentication": False, "IgnoreRhosts": True, "DisableForwarding": True,
        "AllowTcpForwarding": "no", "AllowAgentForwarding": False, "X11Forwarding": False,
        "AllowStreamLocalForwarding": "no", "PermitTunnel": "no", "PermitUserEnvironment": "no",
        "StrictModes": True, "MaxAuthTries": 4, "MaxSessions": 10, "MaxStartups": "10:30:60",
        "LoginGraceTime": 60, "LogLevel": "VERBOSE", "UsePAM": True,
    }
    for key, value in expected.items():
        assert settings[key] == value, key
    assert settings["HostKey"] == ["/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ed25519_key"]


def test_version_gated_keywords():
    assert "RequiredRSASize" not in profiles.profile_settings("modern", probe("8.4"), "8.4")[0]
    assert profiles.profile_settings("modern", probe("9.2"), "9.2")[0]["RequiredRSASize"] == 3072
    assert profiles.profile_settings("modern", probe("10.0"), "10.0")[0]["RequiredRSASize"] == 3072
    # per-source penalties are left at their (on) default, never written
    for version in RELEASES:
        assert "PerSourcePenalties" not in profiles.profile_settings("modern", probe(version), version)[0]


def test_options_change_only_their_settings(release):
    version, supported = release
    base = profiles.profile_settings("modern", supported, version)[0]
    opened = profiles.profile_settings("modern", supported, version, {
        "root_login": "prohibit-password", "allow_passwords": True,
        "allow_keyboard_interactive": True, "allow_forwarding": ["tcp", "agent"],
    })[0]
    changed = {k for k in base if base[k] != opened[k]}
    assert changed == {"PermitRootLogin", "PasswordAuthentication", "KbdInteractiveAuthentication",
                       "DisableForwarding", "AllowTcpForwarding", "AllowAgentForwarding"}
    assert opened["PermitRootLogin"] == "prohibit-password"
    assert opened["AllowTcpForwarding"] == "yes" and opened["AllowAgentForwarding"] is True
    assert opened["DisableForwarding"] is False and opened["X11Forwarding"] is False
    everything = profiles.profile_settings("modern", supported, version, {"allow_forwarding": True})[0]
    assert everything["X11Forwarding"] is True and everything["PermitTunnel"] == "yes"
    assert profiles.profile_settings("modern", supported, version, {"root_login": "without-password"}
                                     )[0]["PermitRootLogin"] == "prohibit-password"


def test_without_rsa_host_key(release):
    version, supported = release
    settings = profiles.profile_settings("modern", supported, version, {"rsa_host_key": False})[0]
    assert settings["HostKey"] == ["/etc/ssh/ssh_host_ed25519_key"]
    assert settings["HostKeyAlgorithms"] == ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com"]
    # RSA user keys are still accepted
    assert "rsa-sha2-512" in settings["PubkeyAcceptedAlgorithms"]


# ---------------------------------------------------------------------------
# post-quantum only
# ---------------------------------------------------------------------------


def test_pq_only_drops_curve25519_and_warns():
    settings, warnings = profiles.profile_settings("modern", probe("10.0"), "10.0", {"pq_only": True})
    assert settings["KexAlgorithms"] == list(profiles.PQ_KEX)
    assert len(warnings) == 1
    for client in ("OpenSSH 8.4 client", "paramiko before 5.0", "AsyncSSH 2.20 and older",
                   "libssh 0.11", "libssh2 1.11", "Go x/crypto 0.25"):
        assert client in warnings[0]
    settings, _unused = profiles.profile_settings("modern", probe("9.2"), "9.2", {"pq_only": True})
    assert settings["KexAlgorithms"] == ["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"]


def test_pq_only_is_refused_without_a_pq_kex():
    with pytest.raises(OpenSSHConfigError, match="offers none"):
        profiles.profile_settings("modern", probe("8.4"), "8.4", {"pq_only": True})


def test_pq_only_is_refused_with_fips():
    with pytest.raises(OpenSSHConfigError, match="fips"):
        profiles.profile_settings("fips", probe("10.0"), "10.0", {"pq_only": True})


# ---------------------------------------------------------------------------
# fips and none
# ---------------------------------------------------------------------------


def test_fips(release):
    version, supported = release
    settings, warnings = profiles.profile_settings("fips", supported, version)
    assert warnings == []
    assert settings["KexAlgorithms"] == list(profiles.FIPS_KEX)
    assert settings["Ciphers"] == list(profiles.FIPS_CIPHERS)
    assert "chacha20-poly1305@openssh.com" not in settings["Ciphers"]
    assert settings["MACs"] == list(profiles.FIPS_MACS)
    for key in ("HostKeyAlgorithms", "PubkeyAcceptedAlgorithms", "CASignatureAlgorithms"):
        assert not any("ed25519" in name for name in settings[key]), key
        assert "ssh-rsa" not in settings[key]
    assert settings["HostKey"] == ["/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key"]
    modern = profiles.profile_settings("modern", supported, version)[0]
    for key in ("PermitRootLogin", "MaxAuthTries", "DisableForwarding", "LogLevel"):
        assert settings[key] == modern[key]


def test_none_sets_nothing(release):
    version, supported = release
    assert profiles.profile_settings("none", supported, version) == ({}, [])
    assert profiles.profile_settings("none", {}, version) == ({}, [])


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("profile, options, message", [
    ("paranoid", None, "unknown profile"),
    ("modern", {"pq": True}, "unknown profile option"),
    ("modern", {"pq_only": "yes"}, "true or false"),
    ("modern", {"root_login": "yes"}, "never part of a profile"),
    ("modern", {"allow_forwarding": "tcp"}, "list of"),
    ("modern", {"allow_forwarding": ["tcp", "gre"]}, "unknown forwarding kind"),
    ("modern", [], "mapping"),
])
def test_bad_input(profile, options, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        profiles.profile_settings(profile, probe("9.2"), "9.2", options)


def test_empty_probe_is_refused():
    supported = probe("9.2")
    supported["mac"] = []
    with pytest.raises(OpenSSHConfigError, match="ssh -Q mac"):
        profiles.profile_settings("modern", supported, "9.2")


def test_nothing_in_common_is_refused():
    supported = probe("9.2")
    supported["cipher"] = ["aes128-cbc", "3des-cbc"]
    with pytest.raises(OpenSSHConfigError, match="none of the ciphers"):
        profiles.profile_settings("modern", supported, "9.2")


def test_bad_version():
    with pytest.raises(OpenSSHConfigError):
        profiles.profile_settings("modern", probe("9.2"), "nine")


def test_probe_is_not_modified():
    supported = probe("10.0")
    before = copy.deepcopy(supported)
    profiles.profile_settings("modern", supported, "10.0", {"pq_only": True})
    assert supported == before


# ---------------------------------------------------------------------------
# the result renders for the version, and the controller's sshd accepts it
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("profile, options", [
    ("modern", {}), ("fips", {}), ("modern", {"pq_only": True}),
    ("modern", {"allow_forwarding": True, "allow_passwords": True, "root_login": "prohibit-password"}),
])
def test_renders_for_each_release(release, profile, options):
    version, supported = release
    if options.get("pq_only") and version == "8.4":
        pytest.skip("no post-quantum key exchange on 8.4")
    settings, _unused = profiles.profile_settings(profile, supported, version, options)
    text = render.render_config("sshd", settings, [], version, "test")
    if version == "8.4":
        assert "PubkeyAcceptedKeyTypes " in text and "ChallengeResponseAuthentication no" in text
        assert "RequiredRSASize" not in text
    else:
        assert "PubkeyAcceptedAlgorithms " in text and "RequiredRSASize 3072" in text


@pytest.mark.skipif(SSHD is None or SSH_KEYGEN is None, reason="no sshd/ssh-keygen on this machine")
@pytest.mark.parametrize("profile, options", [("modern", {}), ("fips", {}), ("modern", {"pq_only": True})])
def test_local_sshd_accepts_the_profile(tmp_path, profile, options):
    """The controller's own sshd (9.2 in the lab) checks the rendered text."""
    out = subprocess.run([SSHD, "-V"], capture_output=True, text=True, check=False)
    version_line = (out.stderr or out.stdout).strip()
    if "OpenSSH_9.2" not in version_line:
        pytest.skip(f"the probe fixture is for 9.2, this sshd is {version_line!r}")
    keys = {}
    for kind in ("rsa", "ecdsa", "ed25519"):
        path = tmp_path / f"host_{kind}"
        subprocess.run([SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-f", str(path)], check=True)
        keys[profiles.HOST_KEY_FILES[kind]] = str(path)
    settings, _unused = profiles.profile_settings(profile, probe("9.2"), "9.2", options)
    settings["HostKey"] = [keys[path] for path in settings["HostKey"]]
    settings["PidFile"] = str(tmp_path / "sshd.pid")
    config = tmp_path / "sshd_config"
    config.write_text(render.render_config("sshd", settings, [], "9.2", "test"))
    result = subprocess.run(sshd_host.sshd_argv(["-t", "-f", str(config)], SSHD), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    dump = subprocess.run(sshd_host.sshd_argv(["-T", "-f", str(config)], SSHD), capture_output=True, text=True, check=False)
    assert dump.returncode == 0, dump.stderr
    assert "kexalgorithms " + ",".join(settings["KexAlgorithms"]) in dump.stdout


def test_describe():
    lines = profiles.describe({"Ciphers": ["a", "b"], "X11Forwarding": False,
                               "HostKey": ["/k1", "/k2"], "MaxAuthTries": 4})
    assert lines == ["Ciphers a,b", "X11Forwarding no", "HostKey /k1 /k2", "MaxAuthTries 4"]
