# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/ssh_client_apply.py.

The pure parts (precheck, composing, markers, sections, expected values) run
everywhere. ``apply`` runs against the controller's own ssh (``ssh -G``) on
files in a temporary directory; per-user files are written for the current
user with a temporary home directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ssh_client_apply as client
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

SSH = shutil.which("ssh")
needs_ssh = pytest.mark.skipif(SSH is None or shutil.which("setpriv") is None, reason="no ssh/setpriv here")
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"


def params(**changes):
    result = {name: spec.get("default") for name, spec in client.ARGUMENT_SPEC.items()}
    result.update(changes)
    return result


def run(argv):
    done = subprocess.run(list(argv), capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"), check=False)
    return done.returncode, done.stdout, done.stderr


# ---------------------------------------------------------------------------
# precheck
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("changes, message", [
    ({"settings": {"ProxyJmp": "bastion"}}, "did you mean 'ProxyJump'"),
    ({"settings": {"X11Forwarding": False}}, "sshd_config keyword.*the client's is ForwardX11"),
    ({"blocks": [{"host": "a", "settings": {"ClientAliveInterval": 5}}]},
     r"blocks\[0\].settings.ClientAliveInterval: .*ServerAliveInterval"),
    ({"settings": {"NoSuchThing": 1}}, "unknown ssh_config keyword"),
    ({"settings": {"ForwardAgent": True}}, "settings.ForwardAgent"),
    ({"blocks": [{"host": "a", "match": "all", "settings": {"Port": 22}}]}, "exactly one of"),
    ({"blocks": [{"host": "a", "settings": {}}]}, "at least one setting"),
    ({"blocks": [{"hosts": "a", "settings": {"Port": 22}}]}, "unknown block key"),
    ({"blocks": [{"host": "!a", "settings": {"Port": 22}}]}, "only negated patterns"),
    ({"blocks": [{"match": {"nosuch": "x"}, "settings": {"Port": 22}}]}, "Match criterion"),
    ({"blocks": [{"host": "a", "settings": {"Port": 22}, "destinations": ["-oProxyCommand=x"]}]},
     "not a destination"),
    ({"blocks": [{"host": "a\nPermitLocalCommand yes", "settings": {"Port": 22}}]}, "control character"),
    ({"settings": {"LogLevel": "ERROR"}, "blocks": [{"host": "*", "settings": {"LogLevel": "INFO"}}]},
     "also set globally"),
    ({"destinations": ["a b"]}, "not a destination"),
    ({"profile_options": {"pq": True}}, "unknown client profile option"),
    ({"dead_peer_timeout": "5 minutes"}, "dead_peer_timeout"),
    ({"users": [{"name": "bad name", "settings": {"Port": 22}}]}, "not a user name"),
    ({"users": [{"name": "alice"}]}, "nothing to manage"),
    ({"users": [{"name": "alice", "settings": {"Nope": 1}}]}, r"users\[0\].settings.Nope"),
    ({"known_hosts": {"entries": [{"hosts": ["a"], "keys": ["ssh-ed25519 AAAA"]}]}}, "known_hosts.entries"),
])
def test_precheck_refuses_bad_data(changes, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        client.precheck(params(**changes))


def test_precheck_reports_every_problem():
    with pytest.raises(OpenSSHConfigError) as error:
        client.precheck(params(settings={"ProxyJmp": "x"}, destinations=["a b"],
                               users=[{"name": "alice", "settings": {"Nope": 1}}]))
    assert "3 problems" in str(error.value)


def test_precheck_accepts_good_data():
    client.precheck(params(
        profile="modern", profile_options={"pq_only": True}, dead_peer_timeout="2m",
        settings={"LogLevel": "ERROR"},
        blocks=[{"host": ["bastion"], "settings": {"HostName": "192.0.2.1"}},
                {"match": {"host": "*.lab", "exec": "test -d /run"}, "settings": {"ProxyJump": "bastion"},
                 "destinations": ["web.lab", "alice@db.lab"]},
                {"match": "canonical all", "settings": {"ForwardAgent": "no"}}],
        users=[{"name": "alice", "settings": {"IdentitiesOnly": True}}],
        known_hosts={"entries": [{"hosts": ["bastion"], "keys": [KEY]}]}))


# ---------------------------------------------------------------------------
# composing, markers, destinations
# ---------------------------------------------------------------------------


def test_defaults_go_into_a_final_host_star_block():
    settings, blocks, labels = client.compose({"LogLevel": "ERROR"}, [{"host": "a", "settings": {"Port": 2}}],
                                              {"Ciphers": ["aes256-ctr"], "LogLevel": "INFO"}, "9.2")
    assert blocks[-1] == {"host": "*", "settings": {"Ciphers": ["aes256-ctr"]}}  # global LogLevel wins
    assert labels == ["blocks[0]", "defaults"]


def test_defaults_join_the_operators_last_host_star_block():
    _unused, blocks, labels = client.compose({}, [{"host": "*", "settings": {"ciphers": ["aes128-ctr"]}}],
                                             {"Ciphers": ["aes256-ctr"], "HashKnownHosts": True}, "9.2")
    assert blocks == [{"host": "*", "settings": {"HashKnownHosts": True, "ciphers": ["aes128-ctr"]}}]
    assert labels == ["blocks[0] + defaults"]


def test_renamed_keywords_count_as_set():
    _unused, blocks, _unused = client.compose({"PubkeyAcceptedKeyTypes": ["ssh-ed25519"]}, [],
                                              {"PubkeyAcceptedAlgorithms": ["rsa-sha2-512"]}, "9.2")
    assert blocks == []


def test_markers():
    marked = client.with_markers([{"host": "a", "settings": {"SendEnv": "LANG LC_*"}},
                                  {"host": "b", "settings": {"Port": 22}}], "M_")
    assert marked[0]["settings"]["SendEnv"] == ["LANG", "LC_*", "M_0"]
    assert marked[1]["settings"]["SendEnv"] == ["M_1"]
    assert client._markers_removable([{"SendEnv": ["-*"]}], "M_")
    assert not client._markers_removable([{"SendEnv": ["-LC_*"]}], "M_")


@pytest.mark.parametrize("block, destination", [
    ({"host": "bastion"}, "bastion"),
    ({"host": "*.lab !db.lab"}, "x.lab"),
    ({"host": ["!x.lab", "*.lab", "web?"]}, "webx"),
    ({"host": "*"}, None),
    ({"match": {"host": "*.lab", "user": "bob"}}, "bob@x.lab"),
    ({"match": "user alice"}, "alice@" + client.DEFAULT_DESTINATION),
    ({"match": "final host web"}, "web"),
    ({"match": {"exec": "true"}}, None),
    ({"match": "all"}, None),
])
def test_derive_destination(block, destination):
    assert client.derive_destination(block) == destination


def test_expected_values_first_wins_and_lines_add_up():
    expected = client.expected_values([
        {"User": "alice", "IdentityFile": "~/.ssh/a"},
        {"user": "bob", "IdentityFile": ["~/.ssh/b"], "Port": 2222},
    ], "9.2")
    assert expected["User"][1] == "alice"
    assert expected["IdentityFile"][1] == ["~/.ssh/a", "~/.ssh/b"]
    assert expected["Port"][1] == 2222


def test_compare_destination():
    expected = client.expected_values([{"Compression": True, "SendEnv": ["LANG"], "User": "x"}], "9.2")
    dump = {"compression": ["yes"], "sendenv": ["LANG", "LC_*"], "user": ["root"]}
    assert client.compare_destination(expected, dump, "9.2", destination_user="root") == []
    dump = {"compression": ["no"], "sendenv": ["LC_*"], "user": ["root"]}
    found = {m["keyword"] for m in client.compare_destination(expected, dump, "9.2", None)}
    assert found == {"Compression", "SendEnv", "User"}


# ---------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------


def test_section_goes_on_top_and_is_replaced_in_place():
    own = "Host mine\n    User me\n"
    body = client.section_body("Host a\n    Port 2\n", True)
    first = client.merge_section(own, body)
    assert first.startswith(client.SECTION_BEGIN + "\nHost a\n")
    assert "Match all\n" + client.SECTION_END + "\n\nHost mine\n" in first
    assert first.endswith(own)
    second = client.merge_section(first, client.section_body("Compression yes\n", False))
    assert second == client.SECTION_BEGIN + "\nCompression yes\n" + client.SECTION_END + "\n\n" + own
    assert client.merge_section(None, "X 1\n") == client.SECTION_BEGIN + "\nX 1\n" + client.SECTION_END + "\n"


def test_broken_section_markers_are_refused():
    with pytest.raises(OpenSSHConfigError, match="markers are broken"):
        client.merge_section(client.SECTION_BEGIN + "\nPort 2\n", "X 1\n")


# ---------------------------------------------------------------------------
# apply, with the controller's ssh
# ---------------------------------------------------------------------------


@pytest.fixture
def etc(tmp_path):
    directory = tmp_path / "etc"
    (directory / "ssh_config.d").mkdir(parents=True)
    return directory


def system_params(etc, **changes):
    return params(config_path=str(etc / "ssh_config"), dropin_dir=str(etc / "ssh_config.d"),
                  dropin_path=str(etc / "ssh_config.d" / "00-sshsuite.conf"), backup=False, allow_any_path=True,
                  **changes)


@needs_ssh
def test_apply_file_mode_check_mode_then_real_then_unchanged(etc):
    p = system_params(etc, profile="modern", dead_peer_timeout="2m", settings={"LogLevel": "ERROR"},
                      blocks=[{"host": "bastion", "settings": {"HostName": "192.0.2.3", "User": "alice"}},
                              {"host": ["*.lab", "!bastion"], "settings": {"ProxyJump": "bastion"},
                               "destinations": ["web.lab"]},
                              {"host": "*", "settings": {"ControlMaster": "auto", "ControlPath": "~/.ssh/cm-%C",
                                                         "ControlPersist": "10m"}}],
                      known_hosts={"path": str(etc / "ssh_known_hosts"), "exclusive": True, "hash": True,
                                   "entries": [{"hosts": ["bastion", "192.0.2.3"], "keys": [KEY]}]})
    predicted = client.apply(p, run, check_mode=True, want_diff=True)
    assert predicted["changed"] and not (etc / "ssh_config").exists()
    done = client.apply(p, run, want_diff=True)
    assert done["changed"] and done["mismatches"] == []
    text = (etc / "ssh_config").read_text()
    assert predicted["diff"][0]["after"] == text
    assert text.startswith("# Managed by Ansible")
    assert text.rstrip().endswith("Match all\nInclude %s/*.conf" % (etc / "ssh_config.d"))
    assert "ServerAliveInterval 30" in text and "HashKnownHosts yes" in text
    assert oct(os.stat(etc / "ssh_config").st_mode & 0o777) == "0o644"
    system = {d["destination"]: d for d in done["validation"]["system"]["destinations"]}
    assert system["web.lab"]["blocks"] == ["blocks[1]", "blocks[2] + defaults"]
    assert system["bastion"]["blocks"] == ["blocks[0]", "blocks[2] + defaults"]
    assert system["web.lab"]["effective"]["proxyjump"] == ["bastion"]
    assert "proxyjump" not in system["bastion"]["effective"]
    again = client.apply(p, run, want_diff=True)
    assert not again["changed"] and again["diff"] == []
    assert (etc / "ssh_known_hosts").read_text().count("|1|") == 2


@needs_ssh
def test_apply_writes_nothing_when_ssh_would_report_other_values(etc):
    (etc / "ssh_config").write_text("Compression no\nInclude %s/*.conf\n" % (etc / "ssh_config.d"))
    p = system_params(etc, mode="dropin", settings={"Compression": True})
    with pytest.raises(OpenSSHConfigError) as error:
        client.apply(p, run)
    assert "Compression" in str(error.value)
    assert "ssh reads it first from %s:1: Compression no" % (etc / "ssh_config") in str(error.value)
    assert not (etc / "ssh_config.d" / "00-sshsuite.conf").exists()


@needs_ssh
def test_apply_refuses_a_block_that_misses_its_destinations(etc):
    p = system_params(etc, blocks=[{"host": "web", "settings": {"Port": 2200}, "destinations": ["db"]}])
    with pytest.raises(OpenSSHConfigError, match="blocks\\[0\\] does not apply to db"):
        client.apply(p, run)
    assert not (etc / "ssh_config").exists()


@needs_ssh
def test_apply_refuses_a_dropin_the_main_file_does_not_read(etc):
    (etc / "ssh_config").write_text("Host *\n    Port 22\n")
    with pytest.raises(OpenSSHConfigError, match="does not Include"):
        client.apply(system_params(etc, mode="dropin", settings={"Compression": True}), run)


@needs_ssh
def test_apply_refuses_keywords_the_client_version_lacks(etc):
    p = system_params(etc, settings={"RefuseConnection": True})
    probe = client.ver.probe(run)
    if catalogue.lookup("ssh", "RefuseConnection").exists_in(probe["version"]):
        pytest.skip("the controller's ssh knows RefuseConnection")
    with pytest.raises(OpenSSHConfigError, match="needs OpenSSH 10.1"):
        client.apply(p, run)
    assert not (etc / "ssh_config").exists()


@pytest.fixture
def me(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    user = {"name": "tester", "uid": os.getuid(), "gid": os.getgid(), "home": str(home)}
    monkeypatch.setattr(client, "account", lambda name: dict(user, name=name))
    return user


@needs_ssh
def test_apply_user_section_keeps_the_users_own_lines(etc, me):
    home = me["home"]
    os.mkdir(os.path.join(home, ".ssh"), 0o755)
    own = "Host mine\n    User me\n"
    with open(os.path.join(home, ".ssh", "config"), "w") as handle:
        handle.write(own)
    p = system_params(etc, mode="none", users=[{
        "name": "tester", "manage": "section", "settings": {"IdentitiesOnly": True},
        "blocks": [{"host": "work", "settings": {"HostName": "192.0.2.9"}}], "destinations": ["work"]}])
    first = client.apply(p, run, want_diff=True)
    assert first["changed"] and first["mismatches"] == []
    text = open(os.path.join(home, ".ssh", "config")).read()
    assert text.startswith(client.SECTION_BEGIN) and text.endswith("\n" + own)
    assert "IdentitiesOnly yes" in text and "Match all" in text
    assert oct(os.stat(os.path.join(home, ".ssh")).st_mode & 0o777) == "0o700"
    assert oct(os.stat(os.path.join(home, ".ssh", "config")).st_mode & 0o777) == "0o600"
    report = first["validation"]["user:tester"]["destinations"][0]
    assert report["destination"] == "work" and report["blocks"] == ["users[0].blocks[0]"]
    assert report["effective"]["hostname"] == ["192.0.2.9"]
    second = client.apply(p, run, want_diff=True)
    assert not second["changed"]


@needs_ssh
def test_apply_user_file_is_created_with_its_directory(etc, me):
    p = system_params(etc, mode="none", users=[{"name": "tester", "manage": "file", "settings": {"Port": 2222}}])
    predicted = client.apply(p, run, check_mode=True)
    assert predicted["changed"] and not os.path.exists(os.path.join(me["home"], ".ssh"))
    client.apply(p, run)
    text = open(os.path.join(me["home"], ".ssh", "config")).read()
    assert text.startswith("# Managed by Ansible") and "Port 2222" in text
    assert not client.apply(p, run)["changed"]


@needs_ssh
def test_apply_refuses_a_symlinked_ssh_directory(etc, me, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(str(elsewhere), os.path.join(me["home"], ".ssh"))
    p = system_params(etc, mode="none", users=[{"name": "tester", "settings": {"Port": 2222}}])
    result = client.apply(p, run)
    assert "symbolic link" in result["failed_users"]["tester"]
    assert os.listdir(str(elsewhere)) == []


@needs_ssh
def test_apply_user_values_lose_to_nothing_above_the_section(etc, me):
    os.mkdir(os.path.join(me["home"], ".ssh"), 0o700)
    with open(os.path.join(me["home"], ".ssh", "config"), "w") as handle:
        handle.write("Port 2200\n" + client.SECTION_BEGIN + "\nPort 22\n" + client.SECTION_END + "\n")
    p = system_params(etc, mode="none", users=[{"name": "tester", "settings": {"Port": 2222}}])
    result = client.apply(p, run)
    assert "Port" in result["failed_users"]["tester"] and not result["changed"]


# ---------------------------------------------------------------------------
# issue 12: what a local user can do to the module's reads and writes
# ---------------------------------------------------------------------------


@needs_ssh
def test_a_hard_link_to_a_root_file_is_neither_read_nor_copied(etc, me, tmp_path):
    """Hole 6: with fs.protected_hardlinks=0 ~/.ssh/config could be a hard link to a root-only file."""
    os.mkdir(os.path.join(me["home"], ".ssh"), 0o700)
    secret = tmp_path / "shadow"
    secret.write_text("root:SECRET-HASH:19000::::::\n")
    os.link(str(secret), os.path.join(me["home"], ".ssh", "config"))
    p = system_params(etc, mode="none", users=[{"name": "tester", "settings": {"Port": 2222}}])
    result = client.apply(p, run, want_diff=True)
    assert "hard links" in result["failed_users"]["tester"]
    assert "SECRET-HASH" not in repr(result)
    assert secret.read_text() == "root:SECRET-HASH:19000::::::\n"


@needs_ssh
@pytest.mark.parametrize("check_mode", [True, False])
def test_a_fifo_does_not_hang_the_module(etc, me, check_mode):
    """Hole 7: a FIFO at ~/.ssh/config made the module wait forever (check mode too)."""
    os.mkdir(os.path.join(me["home"], ".ssh"), 0o700)
    os.mkfifo(os.path.join(me["home"], ".ssh", "config"))
    p = system_params(etc, mode="none", users=[{"name": "tester", "settings": {"Port": 2222}}])
    result = client.apply(p, run, check_mode=check_mode)
    assert "not a regular file" in result["failed_users"]["tester"]


@needs_ssh
def test_one_users_failure_leaves_the_others_and_the_system_file_alone(etc, me, tmp_path, monkeypatch):
    """Hole 12: one user's own lines failed the whole task for every file and user."""
    homes = {}
    for name in ("good", "bad"):
        home = tmp_path / name
        (home / ".ssh").mkdir(parents=True, mode=0o700)
        homes[name] = str(home)
    (tmp_path / "bad" / ".ssh" / "config").write_text(
        "Port 2200\n" + client.SECTION_BEGIN + "\nPort 22\n" + client.SECTION_END + "\n")
    monkeypatch.setattr(client, "account", lambda name: dict(me, name=name, home=homes[name]))
    p = system_params(etc, settings={"Compression": False},
                      users=[{"name": "bad", "settings": {"Port": 2222}}, {"name": "good", "settings": {"Port": 2222}}])
    result = client.apply(p, run)
    assert list(result["failed_users"]) == ["bad"]
    assert "Port 2222" in (tmp_path / "good" / ".ssh" / "config").read_text()
    assert (etc / "ssh_config").exists()


def test_validation_files_are_created_by_root_in_a_directory_only_root_can_change(tmp_path):
    """Hole 1: the per-user validation directory was chowned to the user, who could plant a
    symlink there between the chown and root's write. Now the directory stays root's (0711)
    and each file is created with O_EXCL and handed over with fchown."""
    from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio
    user = {"name": "tester", "uid": os.getuid(), "gid": os.getgid(), "home": str(tmp_path)}
    work = fileio.PrivateDirectory()
    try:
        work.share()
        wrapper = client._validation_files(work, user, "Port 2222\n", "/etc/ssh/ssh_config")
        info = os.stat(work.path)
        assert info.st_uid == os.geteuid() and (info.st_mode & 0o777) in (0o711,)
        assert open(wrapper).read().startswith("Include " + work.path)
        assert os.stat(wrapper).st_uid == user["uid"]
    finally:
        work.close()
