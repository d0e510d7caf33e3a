# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""render.py: whole files, through the real catalogue.

The golden files under tests/unit/fixtures/sshd_T and ssh_G were accepted by
``sshd -t`` / ``ssh -G`` of the build of their version; the live tests at the
end feed fresh output to the controller's own sshd and ssh.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshd_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import render
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import parse_version
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")
VERSIONS = ("8.4", "9.2", "10.0")


def load(daemon):
    folder = "sshd_T" if daemon == "sshd" else "ssh_G"
    with open(os.path.join(FIXTURES, folder, "managed.json")) as handle:
        return json.load(handle)


def fixture_text(daemon, name):
    folder = "sshd_T" if daemon == "sshd" else "ssh_G"
    with open(os.path.join(FIXTURES, folder, name)) as handle:
        return handle.read()


def sshd_data(version):
    data = load("sshd")
    settings = dict(data["settings"])
    settings.update(data["per_version"].get(version, {}))
    return data, settings


def rendered(daemon, settings, blocks=None, version="9.2", **kw):
    return render.render_config(daemon, settings, blocks or [], version, kw.pop("header", "Managed"), **kw)


def problems_of(daemon, settings, blocks=None, version="9.2", **kw):
    with pytest.raises(OpenSSHConfigError) as caught:
        rendered(daemon, settings, blocks, version, **kw)
    return str(caught.value)


# ---------------------------------------------------------------------------
# Golden files (accepted by the real sshd/ssh of each version)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_sshd_golden_file(version):
    data, settings = sshd_data(version)
    text = render.render_config("sshd", settings, data["match_blocks"], version, data["header"],
                                self_path=data["self_path"])
    assert text == fixture_text("sshd", f"managed-{version}.conf")


@pytest.mark.parametrize("version", VERSIONS)
def test_ssh_golden_file(version):
    data = load("ssh")
    text = render.render_config("ssh", data["settings"], data["match_blocks"], version, data["header"],
                                self_path=data["self_path"])
    assert text == fixture_text("ssh", f"managed-{version}.conf")


def test_layout_header_include_sorted_globals_then_blocks():
    text = fixture_text("sshd", "managed-9.2.conf")
    lines = text.split("\n")
    assert lines[:3] == ["# Managed by sshsuite.openssh", "# Do not edit.", ""]
    assert lines[3] == "Include /etc/ssh/sshd_config.d/*.conf"
    body = lines[5:lines.index("Match Group sftp-only") - 1]
    names = [line.split(" ", 1)[0] for line in body]
    assert names == sorted(names, key=str.lower)  # alphabetical, like sshd_config(5)
    assert text.endswith("    PermitTTY no\n")
    assert "\n\nMatch User alice Address *,!192.0.2.0/24\n    Banner \"/etc/alice banner\"\n" in text


def test_output_does_not_depend_on_the_order_of_the_mapping():
    data, settings = sshd_data("9.2")
    items = list(settings.items())
    random.Random(4).shuffle(items)
    again = render.render_config("sshd", dict(items), data["match_blocks"], "9.2", data["header"],
                                 self_path=data["self_path"])
    assert again == fixture_text("sshd", "managed-9.2.conf")


def test_keyword_spelling_is_canonical_whatever_the_input_case():
    text = rendered("sshd", {"passwordauthentication": False, "PERMITROOTLOGIN": "no", "x11forwarding": "no"})
    assert "PasswordAuthentication no\nPermitRootLogin no\nX11Forwarding no\n" in text


def test_values_of_one_keyword_keep_their_order():
    text = rendered("sshd", {"HostKey": ["/etc/ssh/b", "/etc/ssh/a"], "Port": [2222, 22]})
    assert "HostKey /etc/ssh/b\nHostKey /etc/ssh/a\nPort 2222\nPort 22\n" in text


def test_none_value_means_not_set():
    text = rendered("sshd", {"Banner": None, "PermitRootLogin": "no"})
    assert "Banner" not in text and "PermitRootLogin no" in text


def test_header_lines_become_comments():
    text = rendered("sshd", {"PermitRootLogin": "no"}, header="Managed by X\n\n# already a comment")
    assert text.startswith("# Managed by X\n#\n# already a comment\n\nPermitRootLogin no\n")
    assert rendered("sshd", {"PermitRootLogin": "no"}, header="") == "PermitRootLogin no\n"
    assert "control character" in problems_of("sshd", {"PermitRootLogin": "no"}, header="a\x00b")


# ---------------------------------------------------------------------------
# Versions: renamed, too new, removed, deprecated
# ---------------------------------------------------------------------------

def test_renamed_keywords_are_written_as_the_target_knows_them():
    assert "PubkeyAcceptedKeyTypes ssh-ed25519\n" in rendered(
        "sshd", {"PubkeyAcceptedAlgorithms": "ssh-ed25519"}, version="8.4")
    assert "PubkeyAcceptedAlgorithms ssh-ed25519\n" in rendered(
        "sshd", {"PubkeyAcceptedKeyTypes": "ssh-ed25519"}, version="9.2")
    # before 8.7 ChallengeResponseAuthentication decides keyboard-interactive (catalogue)
    assert "ChallengeResponseAuthentication no\n" in rendered(
        "sshd", {"KbdInteractiveAuthentication": False}, version="8.4")
    assert "KbdInteractiveAuthentication no\n" in rendered(
        "sshd", {"ChallengeResponseAuthentication": False}, version="10.0")


@pytest.mark.parametrize(
    "keyword, value, version, words",
    [
        ("ChannelTimeout", "session=5m", "8.4", "9.2"),
        ("PerSourcePenalties", "authfail:5", "9.2", "9.8"),
        ("ModuliFile", "/etc/ssh/moduli", "8.4", "8.6"),
        ("RequiredRSASize", 2048, "8.4", "9.1"),
    ],
)
def test_too_new_keywords_name_the_version(keyword, value, version, words):
    message = problems_of("sshd", {keyword: value}, version=version)
    assert keyword in message and words in message and version in message


def test_deprecated_no_ops_are_errors():
    message = problems_of("sshd", {"Protocol": 2, "UsePrivilegeSeparation": "sandbox"}, version="9.2")
    assert "2 problems" in message
    assert "Protocol is accepted but ignored" in message and "UsePrivilegeSeparation" in message


def test_unknown_keyword_gets_a_suggestion():
    message = problems_of("sshd", {"PasswordAuthentification": False})
    assert "did you mean 'PasswordAuthentication'" in message
    assert "settings.PasswordAuthentification" in message


def test_a_keyword_given_twice_is_an_error():
    assert "given twice" in problems_of("sshd", {"PermitRootLogin": "no", "permitrootlogin": "yes"})
    assert "given twice" in problems_of(
        "sshd", {"PubkeyAcceptedKeyTypes": "ssh-ed25519", "PubkeyAcceptedAlgorithms": "ssh-ed25519"})


def test_all_problems_are_reported_together():
    message = problems_of(
        "sshd",
        {"Banner": "relative", "AllowUsers": "alice\nPermitRootLogin yes", "Nonsense": 1},
        [{"criteria": {"User": "!root"}, "settings": {"Port": 22}}],
    )
    assert message.startswith("5 problems:")
    for fragment in ("settings.Banner", "settings.AllowUsers", "settings.Nonsense",
                     "match_blocks[0].criteria.User", "match_blocks[0].settings.Port"):
        assert fragment in message


def test_where_prefixes_come_from_the_caller():
    with pytest.raises(OpenSSHConfigError) as caught:
        render.render_config("sshd", {"Banner": "x"}, [], "9.2", "", settings_where="sshd_settings")
    assert caught.value.where == "sshd_settings.Banner"


@pytest.mark.parametrize("version", ["", "nine", "9"])
def test_bad_version(version):
    with pytest.raises(OpenSSHConfigError):
        render.render_config("sshd", {}, [], version, "")


def test_no_version_checks_the_data_for_any_release():
    """The controller renders with version None: every check but the per-release ones."""
    assert "ChannelTimeout session:*=300" in render.render_config(
        "sshd", {"ChannelTimeout": "session:*=300"}, [], None, "")
    for bad in ({"Match": "User alice"}, {"Banner\n": "x"}, {"NoSuchKeyword": "x"}):
        with pytest.raises(OpenSSHConfigError):
            render.render_config("sshd", bad, [], None, "")
    with pytest.raises(OpenSSHConfigError, match="control character"):
        render.render_config("sshd", {}, [{"criteria": {"User": "alice\u2028Match all"},
                                           "settings": {"PermitTTY": False}}], None, "")


def test_bad_daemon_and_shapes():
    with pytest.raises(OpenSSHConfigError):
        render.render_config("sshd2", {}, [], "9.2", "")
    assert "mapping of keyword" in problems_of("sshd", ["PermitRootLogin", "no"])
    assert "list of blocks" in problems_of("sshd", {}, {"criteria": "User a"})
    assert "give it as a block" in problems_of("sshd", {"Match": "User alice"})
    assert "give it as a block" in problems_of("ssh", {"Host": "example.org"})


# ---------------------------------------------------------------------------
# Includes
# ---------------------------------------------------------------------------

def test_include_comes_first_and_may_not_include_itself():
    text = rendered("sshd", {"PermitRootLogin": "no", "Include": ["/etc/ssh/a.conf", "/etc/ssh/b.d/*.conf"]},
                    self_path="/etc/ssh/sshd_config")
    assert text.startswith("# Managed\n\nInclude /etc/ssh/a.conf\nInclude /etc/ssh/b.d/*.conf\n\nPermitRootLogin no\n")
    for pattern in ("/etc/ssh/sshd_config.d/*.conf", "sshd_config.d/*.conf", "/etc/ssh/sshd_config.d/00-x.conf",
                    "/etc/ssh/sshd_config.d/0?-*"):
        message = problems_of("sshd", {"Include": pattern}, self_path="/etc/ssh/sshd_config.d/00-x.conf")
        assert "include this file" in message, pattern
    message = problems_of("sshd", {"PermitRootLogin": "no"},
                          [{"criteria": "User a", "settings": {"Include": "/etc/ssh/sshd_config.d/*"}}],
                          self_path="/etc/ssh/sshd_config.d/00-x.conf")
    assert "match_blocks[0].settings.Include" in message


def test_include_needs_8_2_for_sshd():
    assert "8.2" in problems_of("sshd", {"Include": "/etc/ssh/x.conf"}, version="7.9")


# ---------------------------------------------------------------------------
# sshd Match blocks
# ---------------------------------------------------------------------------

def test_match_criteria_forms():
    blocks = [
        {"criteria": {"User": ["alice", "bob"], "Address": "10.0.0.0/8"}, "settings": {"Banner": "/etc/b"}},
        {"criteria": "user carol address 192.0.2.0/24", "settings": {"PermitTTY": False}},
        {"criteria": {"all": True}, "settings": {"PasswordAuthentication": False}},
    ]
    text = rendered("sshd", {"PermitRootLogin": "no"}, blocks)
    assert "\n\nMatch User alice,bob Address 10.0.0.0/8\n    Banner /etc/b\n" in text
    assert "\n\nMatch User carol Address 192.0.2.0/24\n    PermitTTY no\n" in text
    assert text.endswith("\n\nMatch All\n    PasswordAuthentication no\n")


@pytest.mark.parametrize(
    "criteria, version, fragment",
    [
        ({"Usr": "alice"}, "9.2", "did you mean 'User'"),
        ({"Invalid-User": True}, "9.2", "9.9"),
        ({"Version": "10.*"}, "9.2", "10.0"),
        ({"User": None}, "9.2", "needs an argument"),
        ("User", "9.2", "needs an argument"),
        ({"All": "yes"}, "9.2", "takes no argument"),
        ({"User": "alice", "All": True}, "9.2", "All cannot be combined"),
        ({"User": "!root"}, "9.2", "never matches"),
        ({"Address": ["!10.0.0.0/8", "!192.0.2.0/24"]}, "9.2", "never matches"),
        ({"User": "alice smith"}, "9.2", "must not contain ' '"),
        ({"User": 'a"b'}, "9.2", "must not contain"),
        ({"User": "alice\nPermitRootLogin yes"}, "9.2", "control character"),
        ({"User": "alice,,bob"}, "9.2", "empty pattern"),
        ({"User": []}, "9.2", "empty list"),
        ({"User": "al#ice"}, "8.4", "before 8.7"),
        ({}, "9.2", "at least one criterion"),
        (["User", "alice"], "9.2", "mapping or a string"),
    ],
)
def test_bad_match_criteria(criteria, version, fragment):
    message = problems_of("sshd", {"PermitRootLogin": "no"}, [{"criteria": criteria, "settings": {"Banner": "/b"}}],
                          version=version)
    assert fragment in message
    assert "match_blocks[0]" in message


def test_negation_with_a_positive_pattern_is_fine():
    text = rendered("sshd", {}, [{"criteria": {"User": "*,!root"}, "settings": {"Banner": "/b"}}])
    assert "Match User *,!root\n" in text


def test_criteria_that_need_a_newer_version_work_on_it():
    text = rendered("sshd", {}, [{"criteria": {"Invalid-User": True}, "settings": {"RefuseConnection": True}}],
                    version="10.0")
    assert "Match Invalid-User\n    RefuseConnection yes\n" in text


def test_keywords_not_allowed_in_match():
    message = problems_of("sshd", {}, [{"criteria": {"User": "a"}, "settings": {"Port": 2222, "UseDNS": True}}])
    assert "Port is not allowed inside a Match block" in message
    assert "UseDNS is not allowed inside a Match block" in message
    message = problems_of("sshd", {"Subsystem": {"sftp": "internal-sftp"}},
                          [{"criteria": {"User": "a"}, "settings": {"Subsystem": {"sftp": "internal-sftp"}}}],
                          version="9.2")
    assert "before OpenSSH 9.5" in message


def test_subsystem_in_match_needs_a_global_subsystem():
    # 10.0p2: sshd -T -C user=alice crashes (SIGSEGV) without a global Subsystem line
    block = [{"criteria": {"User": "alice"}, "settings": {"Subsystem": {"sftp": "internal-sftp"}}}]
    assert "segmentation fault" in problems_of("sshd", {}, block, version="10.0")
    notes = []
    text = rendered("sshd", {"Subsystem": {"sftp": "/usr/lib/openssh/sftp-server", "x": "/bin/x"}},
                    block, version="10.0", warnings=notes)
    assert "\n\nMatch User alice\n    Subsystem sftp internal-sftp\n" in text
    assert len(notes) == 1 and "replaces the whole global list" in notes[0] and " x " in notes[0]
    quoted = [{"criteria": {"User": "alice"}, "settings": {"Subsystem": {"sftp": '"/usr/lib/sftp server"'}}}]
    assert "lost inside a Match block" in problems_of("sshd", {"Subsystem": {"sftp": "internal-sftp"}}, quoted,
                                                      version="10.0")


def test_block_shapes():
    assert "needs 'criteria'" in problems_of("sshd", {}, [{"settings": {"Banner": "/b"}}])
    assert "unknown block key" in problems_of("sshd", {}, [{"criteria": "User a", "host": "x",
                                                            "settings": {"Banner": "/b"}}])
    assert "at least one setting" in problems_of("sshd", {}, [{"criteria": "User a", "settings": {}}])
    assert "must be a mapping" in problems_of("sshd", {}, ["Match User a"])


# ---------------------------------------------------------------------------
# ssh Host / Match blocks
# ---------------------------------------------------------------------------

def test_ssh_blocks():
    blocks = [
        {"host": "example.org *.example.net", "settings": {"User": "alice"}},
        {"host": ["*", "!bastion"], "settings": {"ForwardAgent": "no"}},
        {"match": {"host": "example.org", "exec": "test -d /tmp"}, "settings": {"BatchMode": True}},
        {"match": {"!final": True, "host": "x"}, "settings": {"Port": 2222}},
        {"match": "canonical all", "settings": {"Compression": True}},
        {"match": 'host example.org exec "test -f /etc/x"', "settings": {"User": "bob"}},
    ]
    text = rendered("ssh", {"HashKnownHosts": True}, blocks)
    assert text == (
        "# Managed\n\nHashKnownHosts yes\n\n"
        "Host example.org *.example.net\n    User alice\n\n"
        "Host * !bastion\n    ForwardAgent no\n\n"
        'Match host example.org exec "test -d /tmp"\n    BatchMode yes\n\n'
        "Match !final host x\n    Port 2222\n\n"
        "Match canonical all\n    Compression yes\n\n"
        'Match host example.org exec "test -f /etc/x"\n    User bob\n'
    )
    assert "unbalanced" in problems_of("ssh", {}, [{"match": 'exec "test', "settings": {"User": "a"}}])


@pytest.mark.parametrize(
    "block, fragment",
    [
        ({"host": "!bastion", "settings": {"User": "a"}}, "only negated patterns never match"),
        ({"host": "a b", "match": "all", "settings": {"User": "a"}}, "exactly one of 'host' or 'match'"),
        ({"settings": {"User": "a"}}, "exactly one of 'host' or 'match'"),
        ({"host": [], "settings": {"User": "a"}}, "at least one pattern"),
        ({"host": 'a"b', "settings": {"User": "a"}}, "must not contain"),
        ({"match": {"exec": 'test "x"'}, "settings": {"User": "a"}}, "double quotes"),
        ({"match": {"host": "!x"}, "settings": {"User": "a"}}, "never matches"),
        ({"match": {"tagged": "x"}, "settings": {"User": "a"}}, "9.4"),
        ({"match": {"all": True, "host": "x"}, "settings": {"User": "a"}}, "All cannot be combined"),
        ({"criteria": {"host": "x"}, "settings": {"User": "a"}}, "unknown block key"),
    ],
)
def test_bad_ssh_blocks(block, fragment):
    assert fragment in problems_of("ssh", {}, [block])


def test_ssh_global_value_would_hide_the_block_value():
    # ssh keeps the first value it reads: a global (before any Host) always wins
    message = problems_of("ssh", {"User": "root", "IdentityFile": "~/.ssh/a"},
                          [{"host": "example.org", "settings": {"User": "alice", "IdentityFile": "~/.ssh/b"}}])
    assert "User is also set globally" in message
    assert "IdentityFile" not in message  # IdentityFile lines add up


def test_ssh_renames_and_versions():
    assert "PubkeyAcceptedKeyTypes +ssh-rsa\n" in rendered("ssh", {"PubkeyAcceptedAlgorithms": "+ssh-rsa"},
                                                           version="8.4")
    assert "9.4" in problems_of("ssh", {"Tag": "x"}, version="9.2")


# ---------------------------------------------------------------------------
# Live: the controller's own sshd and ssh accept what we write
# ---------------------------------------------------------------------------

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)


@pytest.mark.skipif(SSHD is None or shutil.which("ssh-keygen") is None, reason="no sshd on this machine")
def test_live_sshd_accepts_the_rendered_file(tmp_path):
    banner = subprocess.run([shutil.which("ssh") or "ssh", "-V"], capture_output=True, text=True, check=False).stderr
    short = parse_version(banner)[0]
    key = tmp_path / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    data, settings = sshd_data(short if short in VERSIONS else "9.2")
    settings["HostKey"] = [str(key)]
    settings.pop("Include")
    config = tmp_path / "sshd_config"
    config.write_text(render.render_config("sshd", settings, data["match_blocks"], short, data["header"]))
    checked = subprocess.run(sshd_host.sshd_argv(["-t", "-f", str(config)], SSHD), capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    dumped = subprocess.run(sshd_host.sshd_argv(["-T", "-f", str(config), "-C", "user=alice,host=h,addr=10.0.0.1"], SSHD),
                            capture_output=True, text=True, check=False)
    assert dumped.returncode == 0, dumped.stderr
    assert "banner /etc/alice banner" in dumped.stdout.splitlines()
    assert "setenv FOO=bar baz" in dumped.stdout.splitlines()


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no ssh on this machine")
def test_live_ssh_accepts_the_rendered_file(tmp_path):
    data = load("ssh")
    config = tmp_path / "ssh_config"
    config.write_text(render.render_config("ssh", data["settings"], data["match_blocks"], "9.2", data["header"]))
    dumped = subprocess.run(["ssh", "-G", "-F", str(config), "example.org"], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, check=False)
    assert dumped.returncode == 0, dumped.stderr
    lines = dumped.stdout.splitlines()
    assert "user alice" in lines and "port 2222" in lines and "batchmode yes" in lines
