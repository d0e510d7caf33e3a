# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""effective.py on real sshd -T / ssh -G output of 8.4, 9.2 and 10.0."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshd_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import effective, render
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.effective import Mismatch
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")
VERSIONS = ("8.4", "9.2", "10.0")


def read(folder, name):
    with open(os.path.join(FIXTURES, folder, name)) as handle:
        return handle.read()


def dump(folder, name):
    return effective.parse_dump(read(folder, name))


def sshd_requested(version):
    """What the managed file asks for on the connection recorded (global + the matching block)."""
    data = json.loads(read("sshd_T", "managed.json"))
    requested = dict(data["settings"])
    requested.update(data["per_version"].get(version, {}))
    for index in data["applies_to_connection"]:
        requested.update(data["match_blocks"][index]["settings"])  # sshd: Match overrides global
    return requested


def ssh_requested():
    """ssh: the first value read wins; IdentityFile lines add up."""
    data = json.loads(read("ssh_G", "managed.json"))
    requested = dict(data["settings"])
    identity = list(requested.get("IdentityFile", []))
    for index in data["applies_to_host"]:
        for name, value in data["match_blocks"][index]["settings"].items():
            if name == "IdentityFile":
                identity.extend(value if isinstance(value, list) else [value])
            requested.setdefault(name, value)
    requested["IdentityFile"] = identity
    return requested


# ---------------------------------------------------------------------------
# parse_dump
# ---------------------------------------------------------------------------

def test_parse_dump_format():
    text = (
        "port 22\nport 2222\nPermitRootLogin no\r\n"
        "forcecommand echo \"a b\"  c\n"
        "canonicaldomains\n"
        "\n"
        "Pseudo-terminal will not be allocated because stdin is not a terminal.\n"
        "/etc/ssh/sshd_config line 3: Deprecated option UsePrivilegeSeparation\n"
        "debug1: reading configuration data /etc/ssh/ssh_config\n"
    )
    assert effective.parse_dump(text) == {
        "port": ["22", "2222"],
        "permitrootlogin": ["no"],  # 10.4+ prints mixed-case keys
        "forcecommand": ['echo "a b"  c'],  # the rest of the line, untouched
        "canonicaldomains": [""],  # 8.4 ssh -G prints the key alone
    }
    assert effective.parse_dump("") == {}
    assert effective.parse_dump(None) == {}


@pytest.mark.parametrize("version", VERSIONS)
def test_parse_real_sshd_T(version):
    parsed = dump("sshd_T", f"debian-{version}-default.txt")
    assert parsed["permitrootlogin"] == ["without-password"]  # Debian default prohibit-password
    assert parsed["hostkey"] == ["/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key",
                                 "/etc/ssh/ssh_host_ed25519_key"]
    assert parsed["acceptenv"][:2] == ["LANG", "LC_*"]
    assert parsed["subsystem"] == ["sftp /usr/lib/openssh/sftp-server"]
    assert parsed["authorizedkeysfile"] == [".ssh/authorized_keys .ssh/authorized_keys2"]
    assert parsed["maxstartups"] == ["10:30:100"]
    assert all(key == key.lower() for key in parsed)


def test_parse_real_sshd_T_differences_between_versions():
    old, mid, new = (dump("sshd_T", f"debian-{v}-default.txt") for v in VERSIONS)
    assert "challengeresponseauthentication" in old and "challengeresponseauthentication" not in mid
    assert "pubkeyacceptedkeytypes" in old and "pubkeyacceptedalgorithms" in mid
    assert "channeltimeout" not in mid and new["channeltimeout"] == ["none"]
    assert "persourcepenalties" in new and "requiredrsasize" in mid and "requiredrsasize" not in old
    assert new["acceptenv"] == ["LANG", "LC_*", "COLORTERM", "NO_COLOR"]


@pytest.mark.parametrize("version", VERSIONS)
def test_parse_real_ssh_G(version):
    parsed = dump("ssh_G", f"debian-{version}-default.txt")
    assert parsed["hostname"] == ["example.org"]
    assert parsed["sendenv"][:2] == ["LANG", "LC_*"]
    assert len(parsed["identityfile"]) >= 5
    assert parsed["canonicaldomains"] == ([""] if version == "8.4" else ["none"])


# ---------------------------------------------------------------------------
# compare on the recorded files: what we rendered is what sshd/ssh use
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_managed_sshd_file_is_what_sshd_uses(version):
    skipped = []
    found = effective.compare("sshd", sshd_requested(version), dump("sshd_T", f"managed-{version}.txt"),
                              version, skipped=skipped)
    assert found == [], effective.format_diff(found)
    assert skipped == [("Include", "sshd -T does not print Include")]


@pytest.mark.parametrize("version", VERSIONS)
def test_managed_ssh_file_is_what_ssh_uses(version):
    skipped = []
    found = effective.compare("ssh", ssh_requested(), dump("ssh_G", f"managed-{version}.txt"), version,
                              skipped=skipped)
    assert found == [], effective.format_diff(found)
    assert sorted(name for name, _unused in skipped) == ["ControlPath", "IdentityFile", "UserKnownHostsFile"]


def sweep_cases():
    for folder, daemon in (("sshd_T", "sshd"), ("ssh_G", "ssh")):
        for version in VERSIONS:
            data = json.loads(read(folder, f"sweep-{version}.json"))["keywords"]
            for name in sorted(data):
                yield pytest.param(daemon, version, name, data[name], id=f"{daemon}-{version}-{name}")


@pytest.mark.parametrize("daemon, version, name, case", list(sweep_cases()))
def test_every_catalogue_keyword_compares_equal_to_what_the_build_printed(daemon, version, name, case):
    """One recorded run per keyword and build: normalise() agrees with the real dump."""
    printed = {case["key"]: case["printed"]} if case["printed"] else {}
    found = effective.compare(daemon, {name: case["requested"]}, printed, version)
    assert found == [], effective.format_diff(found)


def test_the_sweep_covers_the_catalogue():
    from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue

    for folder, daemon in (("sshd_T", "sshd"), ("ssh_G", "ssh")):
        covered = set(json.loads(read(folder, "sweep-10.0.json"))["keywords"])
        current = {kw.name for kw in catalogue.keywords(daemon).values()
                   if not kw.block and not kw.renamed_to and kw.exists_in("10.0") and not kw.deprecated_in("10.0")}
        # left out on purpose: they read files, need other keywords or DNS (see the sweep script notes)
        assert len(current - covered) <= 8, sorted(current - covered)


@pytest.mark.parametrize("version", VERSIONS)
def test_debian_defaults_differ_from_the_managed_request(version):
    found = effective.compare("sshd", sshd_requested(version), dump("sshd_T", f"debian-{version}-default.txt"),
                              version)
    by_name = {m.keyword: m for m in found}
    assert by_name["LoginGraceTime"] == Mismatch("LoginGraceTime", ["5400"], ["120"], "different value")
    assert by_name["PasswordAuthentication"].got == ["yes"]
    assert by_name["AllowUsers"].reason == "not in the effective configuration"
    assert "missing: 2222" in by_name["Port"].reason
    assert by_name["Ciphers"].reason == "does not start with aes256-gcm@openssh.com"
    # same value in both: not reported, whatever the spelling
    assert "PermitRootLogin" not in by_name and "Compression" not in by_name
    key = "PubkeyAcceptedKeyTypes" if version == "8.4" else "PubkeyAcceptedAlgorithms"
    assert by_name[key].reason.startswith("also offered:")


# ---------------------------------------------------------------------------
# compare rules
# ---------------------------------------------------------------------------

KEX = ("sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
       "ecdh-sha2-nistp256,diffie-hellman-group16-sha512,diffie-hellman-group14-sha256")


def one(name, value, printed, version="9.2", daemon="sshd"):
    found = effective.compare(daemon, {name: value}, dict(printed), version)
    return found[0].reason if found else None


@pytest.mark.parametrize(
    "value, reason",
    [
        ("+curve25519-sha256", None),
        ("+mlkem768x25519-sha256", "missing: mlkem768x25519-sha256"),
        ("-diffie-hellman-group1-sha1", None),
        ("-diffie-hellman*", "still offered: diffie-hellman-group16-sha512,diffie-hellman-group14-sha256"),
        ("^sntrup761x25519-sha512@openssh.com,curve25519-sha256", None),
        ("^curve25519-sha256", "does not start with curve25519-sha256"),
        (KEX, None),
        (KEX.replace("curve25519-sha256,curve25519-sha256@libssh.org", "curve25519-sha256@libssh.org,curve25519-sha256"),
         "different order"),
        ("curve25519-sha256", "also offered: sntrup761x25519-sha512@openssh.com,curve25519-sha256@libssh.org,"
                              "ecdh-sha2-nistp256,diffie-hellman-group16-sha512,diffie-hellman-group14-sha256"),
        ("sntrup761x25519-sha512@openssh.com,curve25519*,ecdh-sha2-nistp256,diffie-hellman*", None),
        ("curve25519*", "also offered: sntrup761x25519-sha512@openssh.com,ecdh-sha2-nistp256,"
                        "diffie-hellman-group16-sha512,diffie-hellman-group14-sha256"),
    ],
)
def test_algorithm_list_rules(value, reason):
    assert one("KexAlgorithms", value, {"kexalgorithms": [KEX]}) == reason


def test_words_compare_case_insensitively_and_true_is_yes():
    assert one("LogLevel", "verbose", {"loglevel": ["VERBOSE"]}) is None
    assert one("StrictHostKeyChecking", "yes", {"stricthostkeychecking": ["true"]}, daemon="ssh") is None
    assert one("PubkeyAuthentication", False, {"pubkeyauthentication": ["no"]}, "8.4", "ssh") is None
    assert one("PubkeyAuthentication", False, {"pubkeyauthentication": ["false"]}, "9.2", "ssh") is None
    assert one("PermitRootLogin", "prohibit-password", {"permitrootlogin": ["without-password"]}) is None
    assert one("PermitRootLogin", "prohibit-password", {"permitrootlogin": ["yes"]}) == "different value"


def test_lines_that_add_up_compare_as_sets():
    printed = {"acceptenv": ["LANG", "LC_*", "COLORTERM"]}
    assert one("AcceptEnv", ["LC_*", "LANG", "COLORTERM"], printed) is None
    assert one("AcceptEnv", "LANG LC_*", printed) == "also: COLORTERM"
    assert one("AcceptEnv", "LANG LC_* TZ", printed) == "missing: TZ; also: COLORTERM"
    # ssh -G prints SendEnv twice after a second parsing pass: still equal
    assert one("SendEnv", "LANG", {"sendenv": ["LANG", "LANG"]}, daemon="ssh") is None


def test_one_line_lists_compare_in_order():
    printed = {"authorizedkeysfile": [".ssh/authorized_keys .ssh/authorized_keys2"]}
    assert one("AuthorizedKeysFile", ".ssh/authorized_keys .ssh/authorized_keys2", printed) is None
    assert one("AuthorizedKeysFile", [".ssh/authorized_keys2", ".ssh/authorized_keys"], printed) == "different value"


def test_listen_addresses():
    printed = {"listenaddress": ["0.0.0.0:22", "0.0.0.0:2222", "[::1]:2200"]}
    assert one("ListenAddress", ["0.0.0.0", "[::1]:2200"], printed) is None
    assert one("ListenAddress", ["0.0.0.0"], printed) == "different addresses"
    assert one("ListenAddress", ["0.0.0.0:22", "0:0:0:0:0:0:0:1"], printed) is None
    assert one("ListenAddress", ["127.0.0.1", "[::1]:2200"], printed) == "different addresses"


def test_subsystem_quotes_do_not_matter():
    # 10.0 prints a global Subsystem with its quotes and a Match one without
    wanted = {"sftp": '"/usr/lib/openssh/sftp-server" -l INFO'}
    assert one("Subsystem", wanted, {"subsystem": ['sftp "/usr/lib/openssh/sftp-server" -l INFO']}, "10.0") is None
    assert one("Subsystem", wanted, {"subsystem": ["sftp /usr/lib/openssh/sftp-server -l INFO"]}, "10.0") is None


def test_penalties_are_contained():
    printed = {"persourcepenalties": ["crash:90 authfail:60 noauth:2 max:600"]}
    assert one("PerSourcePenalties", "authfail:1m noauth:2", printed, "10.0") is None
    assert one("PerSourcePenalties", "authfail:5", printed, "10.0") == "missing: authfail:5"


def test_absent_keys():
    assert one("ProxyCommand", "none", {}, daemon="ssh") is None  # ssh -G leaves unset commands out
    assert one("ChannelTimeout", "session=5m", {}) == "not in the effective configuration"


def test_renamed_keyword_is_read_under_the_key_of_the_version():
    printed = {"pubkeyacceptedkeytypes": ["ssh-ed25519"]}
    assert one("PubkeyAcceptedAlgorithms", "ssh-ed25519", printed, "8.4") is None
    assert one("PubkeyAcceptedAlgorithms", "ssh-ed25519", printed, "9.2") == "not in the effective configuration"


def test_undumped_keywords_are_skipped_with_a_reason():
    skipped = []
    assert effective.compare("sshd", {"Include": "/etc/ssh/sshd_config.d/*.conf", "PermitRootLogin": None}, {},
                             "9.2", skipped=skipped) == []
    assert skipped == [("Include", "sshd -T does not print Include")]


def test_invalid_requests_raise_all_problems():
    with pytest.raises(OpenSSHConfigError) as caught:
        effective.compare("sshd", {"Nonsense": 1, "LoginGraceTime": "soon"}, {}, "9.2")
    assert str(caught.value).startswith("2 problems")


def test_format_diff():
    text = effective.format_diff([
        Mismatch("LoginGraceTime", ["5400"], ["120"], "different value"),
        Mismatch("AllowUsers", ["alice", "bob"], [], "not in the effective configuration"),
    ])
    assert text == (
        "LoginGraceTime: (different value)\n"
        "  - 5400\n"
        "  + 120\n"
        "AllowUsers: (not in the effective configuration)\n"
        "  - alice\n"
        "  - bob\n"
        "  + (not printed)\n"
    )
    assert effective.format_diff([]) == ""


# ---------------------------------------------------------------------------
# connection_spec
# ---------------------------------------------------------------------------

def test_connection_spec():
    assert effective.connection_spec(user="alice") == "user=alice"
    assert effective.connection_spec(user="alice", host="client.example", addr="10.0.0.1", laddr="::1",
                                     lport=22, rdomain="blue") == (
        "user=alice,host=client.example,addr=10.0.0.1,laddr=::1,lport=22,rdomain=blue")
    assert effective.connection_spec(user="x", invalid_user=True, version="10.0") == "user=x,invalid-user"


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"user": "alice,host=evil"}, "connection spec"),
        ({"user": "alice bob"}, "connection spec"),
        ({"user": "a=b"}, "connection spec"),
        ({"user": "alice\n"}, "control character"),
        ({"user": ""}, "connection spec"),
        ({"user": True}, "string"),
        ({"addr": "client.example"}, "not an IP address"),
        ({"laddr": "10.0.0.300"}, "not an IP address"),
        ({"lport": 70000}, "port"),
        ({"lport": "ssh"}, "port"),
        ({}, "at least one"),
        ({"user": "alice", "version": "7.6"}, "before 7.7"),
        ({"user": "alice", "invalid_user": True, "version": "9.2"}, "9.9"),
    ],
)
def test_connection_spec_refuses(kwargs, fragment):
    with pytest.raises(OpenSSHConfigError) as caught:
        effective.connection_spec(**kwargs)
    assert fragment in str(caught.value)


# ---------------------------------------------------------------------------
# Live on the controller: render -> sshd -T -C -> compare
# ---------------------------------------------------------------------------

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)


@pytest.mark.skipif(SSHD is None or shutil.which("ssh-keygen") is None, reason="no sshd on this machine")
def test_live_round_trip_on_the_controller(tmp_path):
    from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import parse_version

    banner = subprocess.run(["ssh", "-V"], capture_output=True, text=True, check=False).stderr
    version = parse_version(banner)[0]
    key = tmp_path / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    requested = {
        "HostKey": str(key), "LoginGraceTime": "1m30", "PermitRootLogin": "prohibit-password",
        "AllowUsers": ["alice", "bob"], "Ciphers": "^aes256-gcm@openssh.com", "MaxStartups": 20,
        "ClientAliveInterval": "5m", "Compression": "delayed", "PasswordAuthentication": False,
    }
    block = {"KbdInteractiveAuthentication": False, "Banner": "/etc/issue net", "PermitTTY": False}
    config = tmp_path / "sshd_config"
    config.write_text(render.render_config("sshd", requested, [{"criteria": {"User": "alice"}, "settings": block}],
                                           version, "test"))
    spec = effective.connection_spec(user="alice", host="client.example", addr="192.0.2.7")
    done = subprocess.run(sshd_host.sshd_argv(["-T", "-f", str(config), "-C", spec], SSHD), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    wanted = dict(requested, **block)
    found = effective.compare("sshd", wanted, effective.parse_dump(done.stdout), version)
    assert found == [], effective.format_diff(found)
    # and a deliberate difference is seen
    found = effective.compare("sshd", {"LoginGraceTime": 30}, effective.parse_dump(done.stdout), version)
    assert found == [Mismatch("LoginGraceTime", ["30"], ["90"], "different value")]


def test_per_source_penalties_yes_is_what_10_0_prints_expanded():
    """Issue 20: 'PerSourcePenalties yes' was refused as 'sshd would not use these values'."""
    printed = {"persourcepenalties": ["crash:90 authfail:5 noauth:1 grace-exceeded:10 refuseconnection:10 max:600 "
                                      "min:15 max-sources4:65536 max-sources6:65536 overflow:permissive "
                                      "overflow6:permissive"]}
    assert effective.compare("sshd", {"PerSourcePenalties": "yes"}, printed, "10.0") == []
    assert effective.compare("sshd", {"PerSourcePenalties": "yes"}, {"persourcepenalties": ["no"]}, "10.0")
    assert effective.compare("sshd", {"PerSourcePenalties": "authfail:5s"}, printed, "10.0") == []
