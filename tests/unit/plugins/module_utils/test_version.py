# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""version.py: version strings as the lab builds print them, and probe()."""

from __future__ import annotations

import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import version
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

# Real first lines, recorded from the lab images and the controller.
SSH_V_84 = "OpenSSH_8.4p1 Debian-5+deb11u3, OpenSSL 1.1.1w  11 Sep 2023"
SSH_V_92 = "OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.20 7 Apr 2026"
SSH_V_100 = "OpenSSH_10.0p2 Debian-7+deb13u4, OpenSSL 3.5.9 29 Sep 2026"
SSHD_V_92 = "OpenSSH_9.2, OpenSSL 3.0.20 7 Apr 2026"  # sshd -V on 9.2: no portable suffix
SSHD_V_84 = (  # sshd -V on 8.4: an error, but the usage text carries the version
    "unknown option -- V\n"
    "OpenSSH_8.4p1 Debian-5+deb11u3, OpenSSL 1.1.1w  11 Sep 2023\n"
    "usage: sshd [-46DdeiqTt] [-C connection_spec] [-c host_cert_file]\n"
)


@pytest.mark.parametrize(
    "text, short",
    [
        (SSH_V_84, "8.4"),
        (SSH_V_92, "9.2"),
        (SSH_V_100, "10.0"),
        (SSHD_V_92, "9.2"),
        ("OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017", "7.4"),
        ("OpenSSH_for_Windows_8.1p1, LibreSSL 3.0.2", "8.1"),
    ],
)
def test_parse_version(text, short):
    got, full = version.parse_version(text)
    assert got == short
    assert full == text.strip()


def test_parse_version_finds_the_line_in_sshd_usage_text():
    assert version.parse_version(SSHD_V_84) == ("8.4", SSH_V_84)


@pytest.mark.parametrize("text", ["", "ssh: command not found", "OpenSSL 3.0.2", None])
def test_parse_version_refuses_text_without_version(text):
    with pytest.raises(OpenSSHConfigError):
        version.parse_version(text)


def test_vtuple_and_at_least():
    assert version.vtuple("10.0") == (10, 0)
    assert version.vtuple("8.4p1") == (8, 4)
    assert version.vtuple((9, 2)) == (9, 2)
    assert version.at_least("10.0", "9.2")  # not a string comparison
    assert version.at_least("9.2", "9.2")
    assert not version.at_least("8.4", "8.7")
    assert not version.at_least("9.10", "10.0")
    assert version.at_least("9.10", "9.9")


@pytest.mark.parametrize("bad", ["", "ten", "9", "9.x", None, 9.2, (9,)])
def test_vtuple_refuses(bad):
    with pytest.raises(OpenSSHConfigError):
        version.vtuple(bad)


def _fake_output(head, kex=("curve25519-sha256",), key=("ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com")):
    sep = "@@sshsuite-probe@@"
    body = {
        "kex": list(kex),
        "cipher": ["aes128-ctr", "chacha20-poly1305@openssh.com"],
        "mac": ["hmac-sha2-256"],
        "key": list(key),
        "sig": ["ssh-ed25519", "rsa-sha2-512"],
    }
    lines = [head]
    for query in version.QUERIES:
        lines.append(f"{sep} {query}")
        lines.extend(body[query])
    return "\n".join(lines) + "\n"


def test_probe_runs_one_process_and_parses_it():
    calls = []

    def run(argv):
        calls.append(argv)
        return 0, _fake_output(SSH_V_84), ""

    facts = version.probe(run)
    assert len(calls) == 1  # one sh -c for everything
    assert calls[0][:2] == ["/bin/sh", "-c"]
    assert "ssh -V" in calls[0][2] and "ssh -Q sig" in calls[0][2]
    assert facts["version"] == "8.4"
    assert facts["version_full"] == SSH_V_84
    assert facts["kex"] == ["curve25519-sha256"]
    assert facts["key"] == ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com"]
    assert set(facts) == {"version", "version_full", "kex", "cipher", "mac", "key", "sig"}


def test_probe_reports_missing_ssh():
    def run(argv):
        return 127, "sh: 1: ssh: not found\nsh: 1: sshd: not found\n", ""

    with pytest.raises(OpenSSHConfigError) as caught:
        version.probe(run)
    assert "rc=127" in str(caught.value)


def test_probe_with_an_unknown_query_gives_empty_list():
    sep = "@@sshsuite-probe@@"
    out = SSH_V_92 + "\n" + "\n".join(f"{sep} {q}" for q in version.QUERIES) + "\n"
    facts = version.probe(lambda argv: (0, out, ""))
    assert facts["sig"] == [] and facts["version"] == "9.2"


def test_probe_script_runs_on_the_controller():
    """The script really works with the controller's OpenSSH (9.2 here)."""

    def run(argv):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        return done.returncode, done.stdout, done.stderr

    try:
        facts = version.probe(run)
    except OpenSSHConfigError:
        pytest.skip("no ssh on this machine")
    assert facts["version"].count(".") == 1
    assert "curve25519-sha256" in facts["kex"]
    assert any(k.endswith("-cert-v01@openssh.com") for k in facts["key"])  # ssh -Q key lists cert types
    assert "rsa-sha2-512" in facts["sig"]
