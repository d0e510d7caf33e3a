# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the authorized_keys module and its file-state logic.

Accounts are faked (pwd.struct_passwd with homes under tmp_path and the
test's own uid/gid), so the tests run unprivileged and touch nothing outside
tmp_path. Keys come from ssh-keygen at test time.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import authorized_keys as ak
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError
from ansible_collections.sshsuite.openssh.plugins.modules import authorized_keys as module

SSH_KEYGEN = shutil.which("ssh-keygen")
UID, GID = os.getuid(), os.getgid()


def keygen(directory, name, *args):
    path = os.path.join(str(directory), name)
    subprocess.run([SSH_KEYGEN, "-q", "-N", "", "-C", name, "-f", path] + list(args), check=True)
    with open(path + ".pub") as handle:
        return handle.read().strip()


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    """Public keys by name: ed1, ed2, ed3, ecdsa, rsa2048, rsa1024."""
    if SSH_KEYGEN is None:
        pytest.skip("ssh-keygen not installed")
    directory = tmp_path_factory.mktemp("keys")
    made = {name: keygen(directory, name, "-t", "ed25519") for name in ("ed1", "ed2", "ed3")}
    made["ecdsa"] = keygen(directory, "ecdsa", "-t", "ecdsa")
    made["rsa2048"] = keygen(directory, "rsa2048", "-t", "rsa", "-b", "2048")
    made["rsa1024"] = keygen(directory, "rsa1024", "-t", "rsa", "-b", "1024")
    return made


class FakeAccounts(ak.AccountDirectory):
    def __init__(self, entries):
        self._cache = dict(entries)

    def get(self, name):
        return self._cache.get(name)


@pytest.fixture
def homes(tmp_path):
    """alice and bob with existing homes, carol without a home directory."""
    entries = {}
    for name in ("alice", "bob", "carol"):
        home = tmp_path / "home" / name
        if name != "carol":
            home.mkdir(parents=True)
        entries[name] = pwd.struct_passwd((name, "x", UID, GID, name, str(home), "/bin/sh"))
    return tmp_path, FakeAccounts(entries)


def run_writer(requests, accounts, layout=None, check_mode=False, missing_users="fail", want_diff=True):
    writer = ak.AuthorizedKeysWriter(layout or ak.Layout("home"), check_mode, missing_users, want_diff, accounts)
    results = {}
    for request in requests:
        results[request.name] = writer.apply(request)
    writer.close()
    return results


def akfile(tmp_path, name):
    return tmp_path / "home" / name / ".ssh" / "authorized_keys"


# ---------------------------------------------------------------------------
# build_requests: phase 1, nothing touched
# ---------------------------------------------------------------------------

def test_build_requests_options_and_comment(k):
    requests = ak.build_requests([
        {"name": "alice", "keys": [
            {"key": k["ed1"], "options": {"restrict": True, "command": "uptime", "from": ["10.0.0.0/8"]},
             "comment": "alice laptop"},
            {"key": 'no-pty %s' % k["ed2"]},
            {"key": k["ed3"], "state": "absent"},
        ]},
    ])
    request = requests[0]
    assert [d.line for d in request.present] == [
        'restrict,from="10.0.0.0/8",command="uptime" %s alice laptop' % " ".join(k["ed1"].split()[:2]),
        "no-pty %s" % k["ed2"],
    ]
    assert list(request.absent) == [keys.parse_public_key(k["ed3"]).blob]
    assert request.exclusive is False


def test_multi_line_key_text_becomes_several_keys(k):
    text = "# from a lookup\n%s\n\n%s\n" % (k["ed1"], k["ecdsa"])
    request = ak.build_requests([{"name": "alice", "keys": [{"key": text, "options": {"restrict": True}}]}])[0]
    assert [d.entry.key.comment for d in request.present] == ["ed1", "ecdsa"]
    assert all(d.line.startswith("restrict ") for d in request.present)
    with pytest.raises(OpenSSHConfigError, match="comment applies to one key"):
        ak.build_requests([{"name": "alice", "keys": [{"key": text, "comment": "x"}]}])


def test_all_problems_reported_at_once_with_their_place(k):
    with pytest.raises(OpenSSHConfigError) as info:
        ak.build_requests([
            {"name": "alice", "keys": [{"key": k["rsa1024"]}, {"key": "ssh-ed25519 AAAAbroken"}]},
            {"name": "bob", "keys": [{"key": k["ed1"], "options": {"command": 'x"\nssh-ed25519 AAAA'}}]},
            {"name": "bad/name", "keys": []},
        ])
    text = str(info.value)
    assert "4 problems" in text
    assert "users[0] (alice).keys[0].key: " in text and "1024 bits" in text
    assert "users[0] (alice).keys[1].key: " in text
    assert "users[1] (bob).keys[0].options: " in text and "control character" in text
    assert "users[2].name: " in text


def test_duplicate_key_with_different_options_names_both(k):
    with pytest.raises(OpenSSHConfigError) as info:
        ak.build_requests([{"name": "alice", "keys": [
            {"key": k["ed1"]},
            {"key": k["ed2"]},
            {"key": k["ed1"], "options": {"restrict": True}},
        ]}])
    message = str(info.value)
    assert "users[0] (alice).keys[0]" in message and "users[0] (alice).keys[2]" in message
    assert keys.parse_public_key(k["ed1"]).fingerprint in message


def test_duplicate_key_with_same_options_is_merged(k):
    request = ak.build_requests([{"name": "alice", "keys": [
        {"key": k["ed1"], "options": {"restrict": True}},
        {"key": 'restrict %s' % k["ed1"]},
    ]}])[0]
    assert len(request.present) == 1


@pytest.mark.parametrize("users, message", [
    ([{"name": "alice", "keys": [{"key": "K1", "state": "absent"}, {"key": "K1"}]}], "both absent"),
    ([{"name": "alice", "keys": []}, {"name": "alice", "keys": []}], "listed twice"),
    ([{"name": "alice", "keys": [{"key": 'restrict K1', "options": {"pty": True}}]}], "given twice"),
    ([{"name": "alice", "keys": [{"key": "# nothing\n"}]}], "no key line"),
    ([{"name": "alice", "keys": [{"key": "K1", "options": {"principals": ["a"]}}]}], "cert-authority"),
    ([{"name": "alice", "keys": [{"key": "K1", "comment": "two\nlines"}]}], "control character"),
    ([{"name": "..", "keys": []}], "not a valid user name"),
])
def test_request_errors(k, users, message):
    for user in users:
        for entry in user["keys"]:
            entry["key"] = entry["key"].replace("K1", k["ed1"])
    with pytest.raises(OpenSSHConfigError, match=message):
        ak.build_requests(users)


def test_absent_key_needs_no_policy(k):
    request = ak.build_requests([{"name": "alice", "keys": [{"key": k["rsa1024"], "state": "absent"}]}])[0]
    assert len(request.absent) == 1


# ---------------------------------------------------------------------------
# plan_content: the pure part
# ---------------------------------------------------------------------------

def request_for(k, exclusive, present=(), absent=()):
    entries = [{"key": k[name]} if isinstance(name, str) else {"key": k[name[0]], "options": name[1]}
               for name in present]
    entries += [{"key": k[name], "state": "absent"} for name in absent]
    return ak.build_requests([{"name": "alice", "exclusive": exclusive, "keys": entries}])[0]


def test_additive_keeps_foreign_lines_byte_for_byte(k):
    existing = "# my notes\n%s\n  \n%s extra\r\ngarbage that sshd ignores\n" % (k["ed2"], k["ecdsa"])
    plan = ak.plan_content(existing, request_for(k, False, present=["ed1"]))
    assert plan.text == existing + k["ed1"] + "\n"
    assert plan.added and not plan.removed and not plan.updated
    assert plan.keys == 3


def test_additive_updates_in_place_and_drops_stale_copies(k):
    existing = "%s\n%s\nno-pty %s\n%s\n" % (k["ed1"], k["ed2"], k["ed1"], k["ed3"])
    plan = ak.plan_content(existing, request_for(k, False, present=[("ed1", {"restrict": True})], absent=["ed3"]))
    assert plan.text == "restrict %s\n%s\n" % (k["ed1"], k["ed2"])
    assert len(plan.updated) == 1 and len(plan.removed) == 1


def test_additive_unchanged_is_identical(k):
    existing = "%s\n%s\n" % (k["ed1"], k["ed2"])
    plan = ak.plan_content(existing, request_for(k, False, present=["ed2", "ed1"]))
    assert plan.text == existing and not (plan.added or plan.removed or plan.updated)


def test_exclusive_writes_exactly_the_keys(k):
    existing = "# hand made\n%s\n%s\n" % (k["ed3"], k["ed1"])
    plan = ak.plan_content(existing, request_for(k, True, present=["ed1", "ed2"]))
    assert plan.text == "%s\n%s\n%s\n" % (ak.MANAGED_HEADER, k["ed1"], k["ed2"])
    assert len(plan.added) == 1 and len(plan.removed) == 1 and not plan.updated
    assert "ed3" in plan.removed[0]
    again = ak.plan_content(plan.text, request_for(k, True, present=["ed1", "ed2"]))
    assert again.text == plan.text and not (again.added or again.removed or again.updated)


def test_nothing_to_write_creates_no_file(k, homes):
    tmp_path, accounts = homes
    requests = ak.build_requests([
        {"name": "alice", "exclusive": True, "keys": []},
        {"name": "bob", "keys": [{"key": k["ed1"], "state": "absent"}]},
    ])
    results = run_writer(requests, accounts)
    assert not results["alice"]["changed"] and not results["bob"]["changed"]
    assert not (tmp_path / "home" / "alice" / ".ssh").exists()
    assert not (tmp_path / "home" / "bob" / ".ssh").exists()
    assert ak.plan_content(None, requests[0]).text == ""


def test_exclusive_without_keys_leaves_only_the_header(k):
    plan = ak.plan_content(k["ed1"] + "\n", request_for(k, True))
    assert plan.text == ak.MANAGED_HEADER + "\n" and plan.keys == 0


# ---------------------------------------------------------------------------
# the writer: home layout
# ---------------------------------------------------------------------------

def test_home_layout_creates_directory_and_file_with_modes(k, homes):
    tmp_path, accounts = homes
    results = run_writer(ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]}]), accounts)
    result = results["alice"]
    path = akfile(tmp_path, "alice")
    assert result["status"] == "changed" and result["created"] and result["directory_created"]
    assert path.read_text() == k["ed1"] + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(os.listdir(path.parent)) == ["authorized_keys"]  # no temporary file left
    assert result["diff"]["after"] == k["ed1"] + "\n"
    again = run_writer(ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]}]), accounts)
    assert again["alice"]["changed"] is False and again["alice"]["status"] == "ok"
    assert "diff" not in again["alice"]


def test_unchanged_file_is_not_rewritten(k, homes):
    tmp_path, accounts = homes
    requests = ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]}])
    run_writer(requests, accounts)
    inode = akfile(tmp_path, "alice").stat().st_ino
    run_writer(requests, accounts)
    assert akfile(tmp_path, "alice").stat().st_ino == inode


def test_metadata_only_change_is_fixed_in_place(k, homes):
    tmp_path, accounts = homes
    requests = ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]}])
    run_writer(requests, accounts)
    path = akfile(tmp_path, "alice")
    inode = path.stat().st_ino
    path.chmod(0o644)
    path.parent.chmod(0o755)
    result = run_writer(requests, accounts)["alice"]
    assert result["changed"] and len(result["metadata"]) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.stat().st_ino == inode


def test_check_mode_changes_nothing(k, homes):
    tmp_path, accounts = homes
    requests = ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]},
                                  {"name": "bob", "keys": [{"key": k["ed2"]}]}])
    (tmp_path / "home" / "bob" / ".ssh").mkdir(mode=0o755)
    results = run_writer(requests, accounts, check_mode=True)
    assert results["alice"]["changed"] and results["alice"]["diff"]["after"] == k["ed1"] + "\n"
    assert results["bob"]["changed"]
    assert not (tmp_path / "home" / "alice" / ".ssh").exists()
    assert os.listdir(tmp_path / "home" / "bob" / ".ssh") == []
    assert stat.S_IMODE((tmp_path / "home" / "bob" / ".ssh").stat().st_mode) == 0o755


@pytest.mark.parametrize("plant", ["ssh_dir_symlink", "file_symlink", "fifo", "hardlink", "directory"])
def test_planted_files_are_refused_and_others_go_on(k, homes, plant):
    tmp_path, accounts = homes
    alice_ssh = tmp_path / "home" / "alice" / ".ssh"
    target = tmp_path / "secret"
    target.write_text("root-only secret\n")
    if plant == "ssh_dir_symlink":
        (tmp_path / "elsewhere").mkdir()
        alice_ssh.symlink_to(tmp_path / "elsewhere")
    else:
        alice_ssh.mkdir(mode=0o700)
        if plant == "file_symlink":
            (alice_ssh / "authorized_keys").symlink_to(target)
        elif plant == "fifo":
            os.mkfifo(str(alice_ssh / "authorized_keys"))
        elif plant == "hardlink":
            os.link(str(target), str(alice_ssh / "authorized_keys"))
        else:
            (alice_ssh / "authorized_keys").mkdir()
    requests = ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]},
                                  {"name": "bob", "keys": [{"key": k["ed2"]}]}])
    results = run_writer(requests, accounts)
    assert results["alice"]["status"] == "failed"
    assert "refusing" in results["alice"]["msg"] or "not a regular file" in results["alice"]["msg"]
    assert target.read_text() == "root-only secret\n"
    assert results["bob"]["status"] == "changed"
    assert akfile(tmp_path, "bob").read_text() == k["ed2"] + "\n"
    if plant == "ssh_dir_symlink":
        assert os.listdir(tmp_path / "elsewhere") == []


def test_missing_user_and_missing_home(k, homes):
    tmp_path, accounts = homes
    requests = ak.build_requests([{"name": "nobody-here", "keys": [{"key": k["ed1"]}]},
                                  {"name": "carol", "keys": [{"key": k["ed1"]}]},
                                  {"name": "alice", "keys": [{"key": k["ed1"]}]}])
    results = run_writer(requests, accounts)
    assert results["nobody-here"] == {"changed": False, "status": "failed",
                                      "msg": "user nobody-here does not exist"}
    assert results["carol"]["status"] == "failed" and "does not exist" in results["carol"]["msg"]
    assert results["alice"]["status"] == "changed"
    skipped = run_writer(requests, accounts, missing_users="skip")
    assert skipped["nobody-here"]["status"] == "skipped"
    # nothing to remove for an account that does not exist: not an error
    gone = run_writer(ak.build_requests([{"name": "nobody-here", "state": "absent"}]), accounts)
    assert gone["nobody-here"]["status"] == "ok" and not gone["nobody-here"]["changed"]


def test_user_state_absent_removes_the_file(k, homes):
    tmp_path, accounts = homes
    run_writer(ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]}]), accounts)
    result = run_writer(ak.build_requests([{"name": "alice", "state": "absent"}]), accounts)["alice"]
    assert result["changed"] and result["removed_file"]
    assert not akfile(tmp_path, "alice").exists()
    assert akfile(tmp_path, "alice").parent.is_dir()
    again = run_writer(ak.build_requests([{"name": "alice", "state": "absent"},
                                          {"name": "bob", "state": "absent"}]), accounts)
    assert not again["alice"]["changed"] and not again["bob"]["changed"]
    assert not (tmp_path / "home" / "bob" / ".ssh").exists()


def test_foreign_owner_is_refused(k, homes, monkeypatch):
    tmp_path, accounts = homes
    ssh = tmp_path / "home" / "alice" / ".ssh"
    ssh.mkdir()
    (ssh / "authorized_keys").write_text(k["ed2"] + "\n")
    other = pwd.struct_passwd(("alice", "x", UID + 1, GID, "", str(tmp_path / "home" / "alice"), "/bin/sh"))
    accounts._cache["alice"] = other
    result = run_writer(ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]}]), accounts)["alice"]
    # a file alice does not own is never read, copied or handed to her: not even root's
    # (review: a root-owned file renamed into ~/.ssh would otherwise be chowned to the user)
    assert result["status"] == "failed" and "owned by uid" in result["msg"]


# ---------------------------------------------------------------------------
# the writer: central layout
# ---------------------------------------------------------------------------

def test_central_layout(k, homes):
    tmp_path, accounts = homes
    central = tmp_path / "etc-ssh-authorized_keys"
    layout = ak.Layout("central", str(central), central_owner=(UID, GID))
    requests = ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]},
                                  {"name": "carol", "keys": [{"key": k["ed2"]}]}], default_exclusive=True)
    results = run_writer(requests, accounts, layout=layout)
    assert results["alice"]["path"] == str(central / "alice")
    assert (central / "alice").read_text() == "%s\n%s\n" % (ak.MANAGED_HEADER, k["ed1"])
    assert results["carol"]["status"] == "changed"  # no home needed in the central layout
    assert stat.S_IMODE((central / "alice").stat().st_mode) == 0o644
    assert stat.S_IMODE(central.stat().st_mode) == 0o755
    assert sorted(os.listdir(central)) == ["alice", "carol"]
    again = run_writer(requests, accounts, layout=layout)
    assert not any(r["changed"] for r in again.values())
    gone = run_writer(ak.build_requests([{"name": "carol", "state": "absent"}]), accounts, layout=layout)
    assert gone["carol"]["removed_file"] and sorted(os.listdir(central)) == ["alice"]


def test_central_layout_check_mode_without_directory(k, homes):
    tmp_path, accounts = homes
    central = tmp_path / "nope"
    layout = ak.Layout("central", str(central), central_owner=(UID, GID))
    results = run_writer(ak.build_requests([{"name": "alice", "keys": [{"key": k["ed1"]}]}]), accounts,
                         layout=layout, check_mode=True)
    assert results["alice"]["changed"] and not central.exists()


def test_layout_errors():
    with pytest.raises(OpenSSHConfigError):
        ak.Layout("nfs")
    with pytest.raises(OpenSSHConfigError):
        ak.Layout("central", "relative/dir")


# ---------------------------------------------------------------------------
# the module
# ---------------------------------------------------------------------------

def run_module(args, capsys, accounts=None, monkeypatch=None):
    if accounts is not None:
        monkeypatch.setattr(ak, "AccountDirectory", lambda expected=0: accounts)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_module_end_to_end(k, homes, capsys, monkeypatch):
    tmp_path, accounts = homes
    args = {"users": [
        {"name": "alice", "exclusive": True, "keys": [
            {"key": k["ed1"], "options": {"restrict": True, "from": ["127.0.0.2"]}},
            {"key": k["rsa2048"]},
        ]},
        {"name": "bob", "keys": [{"key": k["ecdsa"], "comment": "bob ecdsa"}]},
        {"name": "ghost", "keys": [{"key": k["ed2"]}]},
    ], "missing_users": "skip", "_ansible_diff": True}
    out = run_module(args, capsys, accounts, monkeypatch)
    assert out["changed"] is True and "failed" not in out
    assert sorted(out["changed_users"]) == ["alice", "bob"]
    assert out["skipped_users"] == ["ghost"]
    assert out["users"]["alice"]["keys"] == 2
    assert len(out["diff"]) == 2
    assert out["invocation"]["module_args"]["users"].startswith("3 users with 4 keys")
    assert out["users"]["bob"] == {"status": "changed", "changed": True, "created": True,
                                   "directory_created": True, "keys": 1, "path": str(akfile(tmp_path, "bob")),
                                   "added": ["ecdsa-sha2-nistp256 %s (bob ecdsa)"
                                             % keys.parse_public_key(k["ecdsa"]).fingerprint]}
    assert 'restrict,from="127.0.0.2" ssh-ed25519 ' in akfile(tmp_path, "alice").read_text()
    again = run_module(args, capsys, accounts, monkeypatch)
    assert again["changed"] is False and again["changed_users"] == [] and "diff" not in again
    assert again["users"]["bob"] == {"status": "ok", "changed": False, "keys": 1,
                                     "path": str(akfile(tmp_path, "bob"))}


def test_module_bad_input_changes_nothing(k, homes, capsys, monkeypatch):
    tmp_path, accounts = homes
    run_module({"users": [{"name": "alice", "keys": [{"key": k["ed1"]}]}]}, capsys, accounts, monkeypatch)
    before = akfile(tmp_path, "alice").read_bytes()
    out = run_module({"users": [
        {"name": "alice", "exclusive": True, "keys": [{"key": k["ed2"]}]},
        {"name": "bob", "keys": [{"key": k["ed3"], "options": {"command": 'ls"\nssh-ed25519 AAAA'}}]},
    ]}, capsys, accounts, monkeypatch)
    assert out["failed"] is True and out["changed"] is False
    assert out["msg"].startswith("nothing was changed: users[1] (bob).keys[0].options: ")
    assert akfile(tmp_path, "alice").read_bytes() == before
    assert not (tmp_path / "home" / "bob" / ".ssh").exists()


def test_module_per_user_failure_keeps_the_rest(k, homes, capsys, monkeypatch):
    tmp_path, accounts = homes
    out = run_module({"users": [
        {"name": "ghost", "keys": [{"key": k["ed1"]}]},
        {"name": "alice", "keys": [{"key": k["ed1"]}]},
    ]}, capsys, accounts, monkeypatch)
    assert out["failed"] is True and out["changed"] is True
    assert out["failed_users"] == {"ghost": "user ghost does not exist"}
    assert "1 of 2 users failed" in out["msg"]
    assert akfile(tmp_path, "alice").exists()


def test_module_check_mode(k, homes, capsys, monkeypatch):
    tmp_path, accounts = homes
    out = run_module({"users": [{"name": "alice", "keys": [{"key": k["ed1"]}]}], "_ansible_check_mode": True},
                     capsys, accounts, monkeypatch)
    assert out["changed"] is True
    assert not (tmp_path / "home" / "alice" / ".ssh").exists()


def test_module_rsa_min_bits(k, homes, capsys, monkeypatch):
    tmp_path, accounts = homes
    users = [{"name": "alice", "keys": [{"key": k["rsa1024"]}]}]
    out = run_module({"users": users}, capsys, accounts, monkeypatch)
    assert out["failed"] and "1024 bits" in out["msg"]
    out = run_module({"users": users, "rsa_min_bits": 1024}, capsys, accounts, monkeypatch)
    assert out["changed"] and "failed" not in out
    out = run_module({"users": users, "rsa_min_bits": 512}, capsys, accounts, monkeypatch)
    assert out["failed"] and "at least 1024" in out["msg"]


def test_module_documentation_matches_argument_spec():
    import yaml

    doc = yaml.safe_load(module.DOCUMENTATION)
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)

    def compare(documented, spec, where):
        assert set(documented) == set(spec), where
        for name, option in spec.items():
            assert documented[name]["type"] == option.get("type", "str"), where + "." + name
            if "options" in option:
                compare(documented[name]["suboptions"], option["options"], where + "." + name)

    compare(doc["options"], module.ARGUMENT_SPEC, "options")


# ---------------------------------------------------------------------------
# batched durability: stage, one flush, rename, one flush
# ---------------------------------------------------------------------------

@pytest.fixture
def many_homes(tmp_path):
    entries = {}
    for index in range(7):
        name = "user%d" % index
        home = tmp_path / "home" / name
        home.mkdir(parents=True)
        entries[name] = pwd.struct_passwd((name, "x", UID, GID, name, str(home), "/bin/sh"))
    return tmp_path, FakeAccounts(entries)


def test_files_are_flushed_in_batches_not_one_by_one(k, many_homes, monkeypatch):
    tmp_path, accounts = many_homes
    flushes, fsyncs = [], []
    monkeypatch.setattr(ak, "STAGE_BATCH", 3)
    monkeypatch.setattr(ak.fileio, "sync_filesystems", lambda fds: flushes.append(len(list(fds))))
    real_fsync = os.fsync
    monkeypatch.setattr(ak.fileio.os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd)))
    requests = ak.build_requests([{"name": "user%d" % i, "keys": [{"key": k["ed1"]}]} for i in range(7)])
    results = run_writer(requests, accounts)
    assert all(result["status"] == "changed" for result in results.values())
    for index in range(7):
        path = akfile(tmp_path, "user%d" % index)
        assert path.read_text() == k["ed1"] + "\n"
        assert sorted(os.listdir(path.parent)) == ["authorized_keys"]  # no staged file left behind
    # batches of 3, 3 and 1 users: two flushes each (before and after the renames), no fsync per file
    assert len(flushes) == 6 and fsyncs == []


def test_a_failed_flush_fails_only_its_batch_and_changes_nothing(k, many_homes, monkeypatch):
    tmp_path, accounts = many_homes
    monkeypatch.setattr(ak, "STAGE_BATCH", 4)
    calls = []

    def flaky(fds):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(ak.fileio, "sync_filesystems", flaky)
    requests = ak.build_requests([{"name": "user%d" % i, "keys": [{"key": k["ed1"]}]} for i in range(7)])
    results = run_writer(requests, accounts)
    failed = sorted(name for name, result in results.items() if result["status"] == "failed")
    assert failed == ["user0", "user1", "user2", "user3"]
    assert "Input/output error" in results["user0"]["msg"]
    for index in range(7):
        path = akfile(tmp_path, "user%d" % index)
        if index < 4:
            assert os.listdir(path.parent) == []  # the staged file was removed, nothing renamed
        else:
            assert path.read_text() == k["ed1"] + "\n"


def test_a_failed_rename_fails_that_user_only(k, many_homes, monkeypatch):
    tmp_path, accounts = many_homes
    real_commit = ak.fileio.Directory.commit

    def commit(self, temporary, name):
        if self.path.endswith(os.path.join("user1", ".ssh")):
            self.discard(temporary)
            raise OSError(28, "No space left on device")
        return real_commit(self, temporary, name)

    monkeypatch.setattr(ak.fileio.Directory, "commit", commit)
    requests = ak.build_requests([{"name": "user%d" % i, "keys": [{"key": k["ed1"]}]} for i in range(3)])
    results = run_writer(requests, accounts)
    assert results["user1"]["status"] == "failed" and "No space left" in results["user1"]["msg"]
    assert results["user0"]["status"] == results["user2"]["status"] == "changed"
    assert os.listdir(akfile(tmp_path, "user1").parent) == []


def test_sync_filesystems_flushes_each_file_system_once(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(ak.fileio, "_syncfs", lambda: (lambda fd: seen.append(fd) or 0))
    first = os.open(str(tmp_path), os.O_RDONLY)
    second = os.open(str(tmp_path), os.O_RDONLY)
    try:
        ak.fileio.sync_filesystems([first, second])
        assert seen == [first]  # same device: one syncfs
        ak.fileio.sync_filesystems([])
        assert seen == [first]
    finally:
        os.close(first)
        os.close(second)


def test_sync_filesystems_without_syncfs_uses_sync(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(ak.fileio, "_syncfs", lambda: None)
    monkeypatch.setattr(ak.fileio.os, "sync", lambda: synced.append(True))
    fd = os.open(str(tmp_path), os.O_RDONLY)
    try:
        ak.fileio.sync_filesystems([fd])
    finally:
        os.close(fd)
    assert synced == [True]


def test_sync_filesystems_with_the_real_syncfs(tmp_path):
    fd = os.open(str(tmp_path), os.O_RDONLY)
    try:
        ak.fileio.sync_filesystems([fd])  # syncfs(2) through ctypes, or sync(2): must not raise
    finally:
        os.close(fd)


def test_the_connecting_users_file_is_recorded_before_it_changes(k, homes, tmp_path):
    """Review finding: an empty Transaction counted as false, so nothing was ever armed."""
    from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import rollback
    tmp, accounts = homes
    ssh = tmp / "home" / "alice" / ".ssh"
    ssh.mkdir()
    (ssh / "authorized_keys").write_text(k["ed2"] + "\n")
    transaction = rollback.Transaction(state_dir=str(tmp_path / "state"))
    requests = ak.build_requests([{"name": "alice", "exclusive": True, "keys": [{"key": k["ed1"]}]}])
    writer = ak.AuthorizedKeysWriter(ak.Layout("home"), accounts=accounts, guarded=("alice", transaction))
    result = writer.apply(requests[0])
    writer.close()
    assert result["status"] == "changed", result
    assert [e["path"] for e in transaction.entries] == [str(ssh / "authorized_keys")]
    assert transaction.data["0.orig"] == (k["ed2"] + "\n").encode()


def test_the_module_arms_a_rollback_when_the_connecting_users_file_changes(k, homes, monkeypatch):
    """Review finding: module.run() never armed (an empty Transaction counted as false)."""
    from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import authorized_keys as ak_utils
    from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import rollback
    from ansible_collections.sshsuite.openssh.plugins.modules import authorized_keys as module_file
    tmp, accounts = homes
    (tmp / "home" / "alice" / ".ssh").mkdir()
    (tmp / "home" / "alice" / ".ssh" / "authorized_keys").write_text(k["ed2"] + "\n")
    armed = []
    monkeypatch.setattr(rollback.Transaction, "check_no_pending", lambda self: [])
    monkeypatch.setattr(rollback.Transaction, "arm", lambda self, timeout, **kw: armed.append(
        [e["path"] for e in self.entries]) or {"id": "t", "timeout": timeout})
    monkeypatch.setattr(ak_utils, "AccountDirectory", lambda expected=0: accounts)

    class Module(object):
        check_mode = False
        _diff = False
        params = {"users": [{"name": "alice", "exclusive": True, "keys": [{"key": k["ed1"]}]}],
                  "exclusive": False, "layout": "home", "central_directory": "/etc/ssh/authorized_keys",
                  "missing_users": "fail", "rsa_min_bits": 2048, "allow_any_path": False,
                  "confirm_user": "alice", "confirm_timeout": 30}

    result, failure = module_file.run(Module())
    assert failure is None and result["changed"]
    assert armed == [[str(tmp / "home" / "alice" / ".ssh" / "authorized_keys")]]
    assert result["confirmation"]["id"] == "t"
    Module.params = dict(Module.params, confirm_user="bob")
    armed.clear()
    module_file.run(Module())
    assert armed == []  # another user's file: nothing to prove
