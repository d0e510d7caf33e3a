# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/known_hosts.py.

Where the controller has ssh-keygen, its ``-F`` (find a host, hashed or not)
must agree with what the module wrote.
"""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import known_hosts as kh
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

SSH_KEYGEN = shutil.which("ssh-keygen")


def _ed25519(seed: int) -> str:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes([seed]) * 32
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


WEB = _ed25519(1)
WEB_NEW = _ed25519(2)
CA = _ed25519(3)
OTHER = _ed25519(4)


def salts():
    counter = [0]

    def salt():
        counter[0] += 1
        return bytes([counter[0]]) * 20
    return salt


def build(data, existing=None, exclusive=False, hashed=False):
    return kh.build(kh.entries_from_data(data), existing, exclusive, hashed, salt=salts())


def test_plain_entries_with_port_marker_and_revoked():
    text, report = build([
        {"hosts": ["Web1", "192.0.2.1"], "keys": [WEB + " root@web1"]},
        {"hosts": ["web2"], "port": 2222, "keys": [WEB]},
        {"hosts": ["*.example.org", "!bad.example.org"], "marker": "cert-authority", "keys": [CA]},
        {"marker": "revoked", "keys": [OTHER]},
    ], exclusive=True)
    lines = text.splitlines()
    assert lines[0].startswith("# Managed by Ansible")
    assert lines[1] == "web1,192.0.2.1 " + WEB  # lower-cased, key comment dropped
    assert lines[2] == "[web2]:2222 " + WEB
    assert lines[3] == "@cert-authority *.example.org,!bad.example.org " + CA
    assert lines[4] == "@revoked * " + OTHER
    assert report["lines"] == 4 and len(report["added"]) == 4


def test_entry_comment_is_written():
    text, _unused = build([{"hosts": ["a"], "keys": [WEB], "comment": "rotated 2025"}], exclusive=True)
    assert text.splitlines()[1] == "a " + WEB + " rotated 2025"


def test_hashing_is_stable_across_runs():
    data = [{"hosts": ["web1", "192.0.2.1", "*.lab"], "keys": [WEB]}]
    first, _unused = build(data, exclusive=True, hashed=True)
    lines = first.splitlines()[1:]
    assert len(lines) == 3
    assert lines[0].startswith("|1|") and kh.hashed_matches(lines[0].split()[0], "web1")
    assert kh.hashed_matches(lines[1].split()[0], "192.0.2.1")
    assert lines[2] == "*.lab " + WEB  # patterns cannot be hashed
    # a second run with other salts reuses the existing lines byte for byte
    second, report = kh.build(kh.entries_from_data(data), first, True, True, salt=lambda: b"\xff" * 20)
    assert second == first and report["added"] == [] and report["removed"] == []


def test_hash_name_matches_ssh_keygen_format():
    token = kh.hash_name("web1", b"\x01" * 20)
    assert token.startswith("|1|AQEBAQEBAQEBAQEBAQEBAQEBAQE=|")
    assert kh.hashed_matches(token, "web1") and not kh.hashed_matches(token, "web2")
    assert not kh.hashed_matches("web1", "web1") and not kh.hashed_matches("|1|x|y", "web1")


def test_additive_keeps_other_lines_and_comments():
    existing = "# mine\nother.example " + OTHER + "\n*.wild " + OTHER + "\n"
    text, report = build([{"hosts": ["web1"], "keys": [WEB]}], existing)
    assert text == existing + "web1 " + WEB + "\n"
    again, report2 = build([{"hosts": ["web1"], "keys": [WEB]}], text)
    assert again == text and report2["added"] == [] and report2["removed"] == []


def test_additive_replaces_a_stale_key_of_a_managed_name():
    existing = "web1 " + WEB + "\nweb1,web9 " + WEB + "\n" + kh.hash_name("web1", b"\x07" * 20) + " " + WEB + "\n"
    text, report = build([{"hosts": ["web1"], "keys": [WEB_NEW]}], existing)
    assert text == "web9 " + WEB + "\nweb1 " + WEB_NEW + "\n"
    assert len(report["removed"]) == 3


def test_additive_leaves_marker_and_wildcard_lines_alone():
    existing = "@cert-authority *.lab " + CA + "\n*.lab " + OTHER + "\n"
    text, _unused = build([{"hosts": ["web1.lab"], "keys": [WEB]}], existing)
    assert text == existing + "web1.lab " + WEB + "\n"


def test_absent_entries():
    existing = "web1,web2 " + WEB + "\nweb3 " + OTHER + "\n@revoked * " + CA + "\n"
    text, _unused = build([{"hosts": ["web2"], "state": "absent"}], existing)
    assert text.splitlines()[0] == "web1 " + WEB
    text, _unused = build([{"keys": [OTHER], "state": "absent"}], existing)
    assert "web3" not in text and "web1,web2" in text
    text, _unused = build([{"keys": [CA], "marker": "revoked", "state": "absent"}], existing)
    assert "@revoked" not in text


def test_exclusive_drops_everything_else():
    text, report = build([{"hosts": ["web1"], "keys": [WEB]}], "# mine\nother " + OTHER + "\n", exclusive=True)
    assert text.splitlines()[1:] == ["web1 " + WEB]
    assert report["removed"] == ["other " + OTHER]


def test_parse_line_and_file():
    line = kh.parse_line("@cert-authority *.lab,!x.lab " + CA + " my ca")
    assert line.marker == "cert-authority" and line.hosts == ["*.lab", "!x.lab"]
    assert line.key.comment == "my ca"
    parsed = kh.parse_file("# c\n\nbroken line\nweb " + WEB + "\n")
    assert [p is None for _unused, p in parsed] == [True, True, True, False]
    with pytest.raises(OpenSSHConfigError, match="unknown marker"):
        kh.parse_line("@trusted * " + CA)


@pytest.mark.parametrize("entry, message", [
    ({"hosts": ["web1"]}, "at least one key"),
    ({"keys": [WEB]}, "at least one host"),
    ({"hosts": ["a b"], "keys": [WEB]}, "not a host name"),
    ({"hosts": ["a,b"], "keys": [WEB]}, "not a host name"),
    ({"hosts": ["web\n@revoked *"], "keys": [WEB]}, "control character"),
    ({"hosts": ["|1|abc|def"], "keys": [WEB]}, "in the clear"),
    ({"hosts": ["[web]:22"], "keys": [WEB]}, "without brackets"),
    ({"hosts": ["[web]:2200"], "port": 2201, "keys": [WEB]}, "names port 2200"),
    ({"hosts": ["web"], "port": 70000, "keys": [WEB]}, "1..65535"),
    ({"hosts": ["!web"], "keys": [WEB]}, "only negated"),
    ({"hosts": ["web"], "keys": ["ssh-ed25519 AAAA"]}, "malformed|invalid"),
    ({"hosts": ["web"], "keys": [WEB], "marker": "trusted"}, "cert-authority or revoked"),
    ({"hosts": ["web"], "keys": [WEB], "state": "gone"}, "present or absent"),
    ({"hosts": ["web"], "keys": [WEB], "options": "x"}, "unknown key"),
    ({"state": "absent"}, "hosts, keys or both"),
    ("web " + WEB, "mapping"),
])
def test_bad_entries(entry, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        kh.entries_from_data([entry])


def test_all_problems_are_reported_at_once():
    with pytest.raises(OpenSSHConfigError) as error:
        kh.entries_from_data([{"hosts": ["a b"], "keys": [WEB]}, {"hosts": ["c"]}])
    assert "2 problems" in str(error.value)
    assert "known_hosts.entries[0].hosts[0]" in str(error.value)
    assert "known_hosts.entries[1].keys" in str(error.value)


def test_certificates_are_refused_as_host_keys():
    key = keys.parse_public_key(WEB)
    assert not key.is_certificate
    cert_type = "ssh-ed25519-cert-v01@openssh.com"
    with pytest.raises(OpenSSHConfigError):
        kh.entries_from_data([{"hosts": ["a"], "keys": [cert_type + " AAAA"]}])


@pytest.mark.skipif(SSH_KEYGEN is None, reason="no ssh-keygen on the controller")
def test_ssh_keygen_finds_what_was_written(tmp_path):
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "host")], check=True)
    key = (tmp_path / "host.pub").read_text()
    text, _unused = build([{"hosts": ["Web1", "192.0.2.1"], "keys": [key]},
                           {"hosts": ["web2"], "port": 2222, "keys": [key]}], exclusive=True, hashed=True)
    path = tmp_path / "known_hosts"
    path.write_text(text)
    for name in ("web1", "192.0.2.1", "[web2]:2222"):
        found = subprocess.run([SSH_KEYGEN, "-F", name, "-f", str(path)], capture_output=True, text=True, check=False)
        assert found.returncode == 0 and "found" in found.stdout, name
    missing = subprocess.run([SSH_KEYGEN, "-F", "web3", "-f", str(path)], capture_output=True, text=True, check=False)
    assert missing.returncode != 0


# ---------------------------------------------------------------------------
# issue 12: attacks on the known_hosts builder, checked with ssh-keygen -F
# ---------------------------------------------------------------------------

def _keygen_find(tmp_path, text, name):
    path = tmp_path / "known_hosts"
    path.write_text(text)
    return subprocess.run([SSH_KEYGEN, "-F", name, "-f", str(path)], capture_output=True, text=True, check=False)


@pytest.mark.skipif(SSH_KEYGEN is None, reason="no ssh-keygen on the controller")
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_line_separator_in_a_comment_cannot_inject_a_cert_authority_line(tmp_path, separator):
    """Hole 2: the comment was accepted, the next additive run split the file with str.splitlines()
    at the separator and wrote a real newline: '@cert-authority * <attacker key>' that ssh honours."""
    comment = "ok%s@cert-authority * %s" % (separator, OTHER)
    with pytest.raises(OpenSSHConfigError, match="control character"):
        kh.entries_from_data([{"hosts": ["web1"], "keys": [WEB], "comment": comment}])
    # a file that already holds such a line (written by someone else) stays one line
    existing = "web0 %s %s\n" % (WEB, comment)
    text, _unused = build([{"hosts": ["web1"], "keys": [WEB]}], existing=existing)
    assert text.count("\n") == 2 and text.startswith(existing)
    found = _keygen_find(tmp_path, text, "attacker.example")
    assert "@cert-authority" not in found.stdout


@pytest.mark.skipif(SSH_KEYGEN is None, reason="no ssh-keygen on the controller")
def test_a_tab_separated_line_is_seen_and_removed(tmp_path):
    """Hole 4: 'web1<TAB>ssh-ed25519 ...' was invisible to the parser, so state: absent and the
    'data is the truth for these names' rule skipped it while ssh honoured it."""
    existing = "web1\t%s\n@revoked\t*\t%s\n" % (WEB, OTHER)
    assert _keygen_find(tmp_path, existing, "web1").returncode == 0  # ssh reads the tab line
    text, report = build([{"hosts": ["web1"], "keys": [WEB], "state": "absent"}], existing=existing)
    assert _keygen_find(tmp_path, text, "web1").returncode != 0
    assert report["removed"] == ["web1\t%s" % WEB]
    text, _unused = build([{"hosts": ["web1"], "keys": [WEB_NEW]}], existing=existing)
    found = _keygen_find(tmp_path, text, "web1")
    assert WEB_NEW.split()[1] in found.stdout and WEB.split()[1] not in found.stdout
    assert "@revoked\t*\t" in text  # marker lines written by others stay as they were


def test_additive_builds_are_linear(tmp_path):
    """Hole 12: 8,000 additive entries took 19 s (quadratic)."""
    import time
    entries = [{"hosts": ["host%05d" % i], "keys": [WEB]} for i in range(8000)]
    start = time.perf_counter()
    text, _unused = build(entries)
    second, _unused = build(entries, existing=text)
    elapsed = time.perf_counter() - start
    assert second == text
    print("8,000 entries, first and additive rebuild: %.2f s" % elapsed)
