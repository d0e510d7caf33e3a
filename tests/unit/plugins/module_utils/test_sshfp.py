# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/sshfp.py: records, names, diffs, the client model, rotation.

Records are checked against ``ssh-keygen -r`` (the reference) on keys it
generates; the planner is checked against the client model of dns.c at every
step, with every record set a resolver may still hand out.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys, sshfp
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen not installed")


def wire(data):
    if isinstance(data, str):
        data = data.encode()
    return struct.pack(">I", len(data)) + data


def ed25519(seed):
    point = hashlib.sha256(("ed25519-%s" % seed).encode()).digest()
    return keys.PublicKey.from_blob(wire("ssh-ed25519") + wire(point))


def ecdsa(seed, curve="nistp256"):
    size = {"nistp256": 32, "nistp384": 48, "nistp521": 66}[curve]
    coordinates = hashlib.shake_256(("ecdsa-%s" % seed).encode()).digest(2 * size)
    return keys.PublicKey.from_blob(wire("ecdsa-sha2-" + curve) + wire(curve) + wire(b"\x04" + coordinates))


def rsa(seed):
    modulus = b"\x00\xc3" + hashlib.shake_256(("rsa-%s" % seed).encode()).digest(383)
    return keys.PublicKey.from_blob(wire("ssh-rsa") + wire(b"\x01\x00\x01") + wire(modulus))


def hk(path, key):
    return sshfp.HostKey(path, key)


# ---------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------

@needs_keygen
@pytest.mark.parametrize("kind", ["ed25519", "ecdsa", "rsa"])
def test_records_equal_ssh_keygen_r(tmp_path, kind):
    path = str(tmp_path / kind)
    args = [SSH_KEYGEN, "-q", "-N", "", "-t", kind, "-f", path] + (["-b", "2048"] if kind == "rsa" else [])
    subprocess.run(args, check=True)
    with open(path + ".pub") as handle:
        key = keys.parse_public_key(handle.read())
    out = subprocess.run([SSH_KEYGEN, "-r", "host.lab.test", "-f", path + ".pub"], check=True,
                         capture_output=True, text=True).stdout
    reference = {sshfp.parse_record(" ".join(line.split()[3:])) for line in out.splitlines() if line.strip()}
    ours = set(sshfp.records_for_key(key, [1, 2]))
    assert ours == reference
    assert [r.fp_type for r in sshfp.records_for_key(key)] == [2]  # SHA-256 only by default


@needs_keygen
def test_public_key_from_private_matches_pub_file(tmp_path):
    path = str(tmp_path / "k")
    subprocess.run([SSH_KEYGEN, "-q", "-N", "", "-t", "ed25519", "-f", path], check=True)
    with open(path) as handle:
        private = handle.read()
    with open(path + ".pub") as handle:
        public = keys.parse_public_key(handle.read())
    assert keys.public_key_from_private(private) == public
    assert keys.public_key_from_private("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n") is None
    with pytest.raises(OpenSSHConfigError, match="damaged|openssh-key-v1"):
        keys.public_key_from_private("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----")


def test_algorithm_numbers():
    assert sshfp.records_for_key(rsa(1))[0].algorithm == 1
    assert sshfp.records_for_key(ecdsa(1))[0].algorithm == 3
    assert sshfp.records_for_key(ecdsa(1, "nistp384"))[0].algorithm == 3
    assert sshfp.records_for_key(ed25519(1))[0].algorithm == 4


def test_parse_record_accepts_dig_form():
    key = ed25519("x")
    record = sshfp.records_for_key(key)[0]
    upper = record.fingerprint.upper()
    split = "4 2 %s %s" % (upper[:56], upper[56:])
    assert sshfp.parse_record(split) == record
    assert sshfp.parse_record(record.text()) == record


@pytest.mark.parametrize("text, message", [
    ("4 2", "not an SSHFP record"),
    ("ssh-ed25519 AAAA", "not an SSHFP record"),
    ("9 2 " + "a" * 64, "algorithm 9 is unknown"),
    ("4 3 " + "a" * 64, "type 3 is unknown"),
    ("4 2 abcd", "must be 64 hex digits"),
    ("4 1 " + "z" * 40, "must be 40 hex digits"),
])
def test_parse_record_refuses(text, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        sshfp.parse_record(text, "records[0]")


def test_hash_numbers():
    assert sshfp.hash_numbers(["sha256", "SHA1", "sha256"]) == [2, 1]
    with pytest.raises(OpenSSHConfigError, match="unknown fingerprint type"):
        sshfp.hash_numbers(["md5"])
    with pytest.raises(OpenSSHConfigError, match="at least one"):
        sshfp.hash_numbers([])


# ---------------------------------------------------------------------------
# which keys sshd serves
# ---------------------------------------------------------------------------

def test_served_keys_first_of_each_type_wins_and_missing_files_are_skipped():
    effective = {"hostkey": ["/k/rsa", "/k/missing", "/k/ed1", "/k/ed2", "/k/ecdsa"]}
    loaded = {"/k/rsa": rsa(1), "/k/missing": None, "/k/ed1": ed25519(1), "/k/ed2": ed25519(2),
              "/k/ecdsa": ecdsa(1)}
    served, skipped = sshfp.served_keys(effective, loaded)
    assert [k.path for k in served] == ["/k/rsa", "/k/ed1", "/k/ecdsa"]
    reasons = {item["path"]: item["reason"] for item in skipped}
    assert "does not exist" in reasons["/k/missing"]
    assert "/k/ed1 already serves" in reasons["/k/ed2"]


def test_served_keys_respect_host_key_algorithms():
    effective = {"hostkey": ["/k/rsa", "/k/ecdsa", "/k/ed"],
                 "hostkeyalgorithms": ["ssh-ed25519,rsa-sha2-512,rsa-sha2-256"]}
    loaded = {"/k/rsa": rsa(1), "/k/ecdsa": ecdsa(1), "/k/ed": ed25519(1)}
    served, skipped = sshfp.served_keys(effective, loaded)
    assert [k.path for k in served] == ["/k/rsa", "/k/ed"]
    assert skipped == [{"path": "/k/ecdsa", "reason": "HostKeyAlgorithms does not offer ecdsa-sha2-nistp256"}]


def test_two_ecdsa_curves_clash():
    problems = sshfp.algorithm_clashes([hk("/a", ecdsa(1)), hk("/b", ecdsa(2, "nistp384"))])
    assert len(problems) == 1 and "share SSHFP algorithm 3" in problems[0]
    assert sshfp.algorithm_clashes([hk("/a", ecdsa(1)), hk("/b", ed25519(1))]) == []


# ---------------------------------------------------------------------------
# names, diffs, zone fragments
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("web1", "web1.lab.test."),
    ("WEB1.Lab.Test", "web1.lab.test."),
    ("web1.lab.test.", "web1.lab.test."),
    ("a.b.lab.test", "a.b.lab.test."),
    ("lab.test", "lab.test."),
])
def test_absolute_name(name, expected):
    assert sshfp.absolute_name(name, "lab.test") == expected


@pytest.mark.parametrize("name, message", [
    ("web1.other.test", "not inside the zone"),
    ("web1.other.test.", "not inside the zone"),
    ("*.lab.test", "label"),
    ("web 1", "label"),
    ("web1..lab.test", "label"),
    ("", "host name"),
    ("notlab.test", "not inside the zone"),
])
def test_absolute_name_refuses(name, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        sshfp.absolute_name(name, "lab.test", "sshfp_name")


def test_plan_changes_replaces_the_whole_set_and_notices_ttl():
    old, new, other = (sshfp.records_for_key(ed25519(1))[0], sshfp.records_for_key(ed25519(2))[0],
                       sshfp.records_for_key(rsa(1))[0])
    current = {"a.z.": ({old, other}, 60), "b.z.": ({other}, 60), "c.z.": (set(), None), "d.z.": ({other}, 30)}
    wanted = {"a.z.": {new, other}, "b.z.": {other}, "c.z.": {new}, "d.z.": {other}, "e.z.": set()}
    changes = {c.name: c for c in sshfp.plan_changes(current, wanted, 60)}
    assert changes["a.z."].added == [new] and changes["a.z."].removed == [old] and changes["a.z."].changed
    assert not changes["b.z."].changed
    assert changes["c.z."].changed and changes["c.z."].ttl_before is None
    assert changes["d.z."].changed and changes["d.z."].added == []  # TTL 30 -> 60
    assert not changes["e.z."].changed  # nothing there, nothing wanted
    assert changes["a.z."].as_dict()["removed"] == [old.text()]


def test_conflicts():
    a, b = sshfp.records_for_key(ed25519(1))[0], sshfp.records_for_key(ed25519(2))[0]
    assert sshfp.conflicts({a}) == []
    assert sshfp.conflicts({a, sshfp.records_for_key(ed25519(1), [1])[0]}) == []  # one key, two hashes
    assert "2 SHA-256 fingerprints of Ed25519 keys" in sshfp.conflicts({a, b})[0]


def test_zone_fragment():
    records = {"b.lab.test.": set(sshfp.records_for_key(rsa(1))), "a.lab.test.": set(sshfp.records_for_key(ed25519(1)))}
    text = sshfp.render_zone_fragment(records, 300, "lab.test.")
    lines = text.splitlines()
    assert lines[0].startswith("; SSHFP records of 2 names in lab.test.")
    assert lines[2].startswith("a.lab.test. 300 IN SSHFP 4 2 ")
    assert lines[3].startswith("b.lab.test. 300 IN SSHFP 1 2 ")
    assert text.endswith("\n")


def test_chunks():
    assert sshfp.chunks(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert sshfp.chunks([], 10) == []


# ---------------------------------------------------------------------------
# the client model (dns.c verify_host_key_dns)
# ---------------------------------------------------------------------------

def test_client_model_stale_record_of_the_same_algorithm():
    served = ed25519("now")
    current = sshfp.records_for_key(served)
    stale = sshfp.records_for_key(ed25519("old"))
    assert all(sshfp.client_accepts(v, current, served) for v in ("8.4", "9.2", "10.0"))
    assert sshfp.client_accepts("8.4", current + stale, served)
    assert not sshfp.client_accepts("8.7", current + stale, served)
    assert not sshfp.client_accepts("9.2", current + stale, served)
    assert not sshfp.client_accepts("10.0", current + stale, served)


def test_client_model_rule_is_per_algorithm_not_per_hash():
    served = ed25519("now")
    wrong_sha1 = sshfp.records_for_key(ed25519("old"), [1])
    assert not sshfp.client_accepts("9.2", sshfp.records_for_key(served) + wrong_sha1, served)
    assert sshfp.client_accepts("8.4", sshfp.records_for_key(served) + wrong_sha1, served)


def test_client_model_other_algorithms_are_ignored_and_no_match_refuses():
    served = ed25519("now")
    junk = sshfp.records_for_key(rsa("other"))
    assert sshfp.client_accepts("10.0", sshfp.records_for_key(served) + junk, served)
    assert not sshfp.client_accepts("10.0", junk, served)
    assert not sshfp.client_accepts("8.4", [], served)


def test_client_model_unknown_fingerprint_type_disables_dns():
    served = ed25519("now")
    odd = sshfp.Record(1, 3, "ab" * 32)
    assert not sshfp.client_accepts("8.4", sshfp.records_for_key(served) + [odd], served)


# ---------------------------------------------------------------------------
# rotation
# ---------------------------------------------------------------------------

RSA, ECDSA, ED_OLD, ED_NEW = (hk("/etc/ssh/ssh_host_rsa_key", rsa(1)), hk("/etc/ssh/ssh_host_ecdsa_key", ecdsa(1)),
                              hk("/etc/ssh/ssh_host_ed25519_key", ed25519("old")),
                              hk("/etc/ssh/ssh_host_ed25519_key-2", ed25519("new")))


def test_same_algorithm_rotation_withdraws_first():
    current = [RSA, ECDSA, ED_OLD]
    target = [RSA, ECDSA, ED_NEW]
    steps = sshfp.plan_rotation(current, target, 60)
    assert [s["action"] for s in steps] == ["serve", "publish", "serve"]
    assert steps[0]["hostkeys"] == [RSA.path, ECDSA.path]            # withdraw Ed25519
    assert steps[0]["publish"] == [RSA.path, ECDSA.path, ED_OLD.path]  # records unchanged
    assert steps[0]["wait_seconds"] == 0
    assert steps[1]["publish"] == [RSA.path, ECDSA.path, ED_NEW.path]  # replace while not served
    assert steps[1]["pending"] == [ED_NEW.path]
    assert steps[1]["wait_seconds"] == 60
    assert steps[2]["hostkeys"] == [RSA.path, ECDSA.path, ED_NEW.path]
    assert sshfp.check_plan(current, steps, 60, new_keys=[ED_NEW]) == []


def test_the_naive_order_breaks_8_7_and_newer_only():
    """Publish the new record next to the old, wait, switch, remove: the order the issue warns about."""
    current = [RSA, ED_OLD]
    naive = [
        {"action": "publish", "hostkeys": [RSA.path, ED_OLD.path], "publish": [RSA.path, ED_OLD.path, ED_NEW.path],
         "wait_seconds": 60},
        {"action": "serve", "hostkeys": [RSA.path, ED_NEW.path], "publish": [RSA.path, ED_OLD.path, ED_NEW.path],
         "wait_seconds": 0},
        {"action": "publish", "hostkeys": [RSA.path, ED_NEW.path], "publish": [RSA.path, ED_NEW.path],
         "wait_seconds": 60},
    ]
    problems = sshfp.check_plan(current, naive, 60, new_keys=[ED_NEW])
    assert problems
    assert not any("OpenSSH 8.4 " in p for p in problems)
    assert any("OpenSSH 9.2 " in p for p in problems) and any("OpenSSH 10.0 " in p for p in problems)
    assert sshfp.check_plan(current, naive, 60, versions=("8.4",), new_keys=[ED_NEW]) == []


def test_switching_without_waiting_for_caches_is_caught():
    current = [RSA, ED_OLD]
    steps = sshfp.plan_rotation(current, [RSA, ED_NEW], 60)
    hurried = [dict(step, wait_seconds=0) for step in steps]
    assert sshfp.check_plan(current, steps, 60, new_keys=[ED_NEW]) == []
    assert any("step 3" in p for p in sshfp.check_plan(current, hurried, 60, new_keys=[ED_NEW]))


def test_new_algorithm_is_published_before_it_is_served_and_old_removed_after():
    current = [RSA]
    steps = sshfp.plan_rotation(current, [ED_NEW], 60)
    assert [s["action"] for s in steps] == ["publish", "serve", "publish"]
    assert steps[0]["publish"] == [RSA.path, ED_NEW.path] and steps[0]["hostkeys"] == [RSA.path]
    assert steps[0]["wait_seconds"] == 60
    assert steps[1]["hostkeys"] == [ED_NEW.path]
    assert steps[2]["publish"] == [ED_NEW.path] and steps[2]["wait_seconds"] == 0
    assert sshfp.check_plan(current, steps, 60, new_keys=[ED_NEW]) == []


def test_replanning_from_the_middle_gives_the_rest():
    current = [RSA, ECDSA, ED_OLD]
    target = [RSA, ECDSA, ED_NEW]
    first = sshfp.plan_rotation(current, target, 60)
    middle = [RSA, ECDSA]  # after step 1: Ed25519 withdrawn
    rest = sshfp.plan_rotation(middle, target, 60)
    assert [s["hostkeys"] for s in rest] == [s["hostkeys"] for s in first[1:]]
    assert [s["publish"] for s in rest] == [s["publish"] for s in first[1:]]
    assert sshfp.plan_rotation(target, target, 60) == []


def test_rotating_every_algorithm_at_once_needs_a_bridge():
    with pytest.raises(OpenSSHConfigError, match="second algorithm"):
        sshfp.plan_rotation([ED_OLD], [ED_NEW], 60)
    # with a second algorithm introduced in the same rotation, it is possible
    steps = sshfp.plan_rotation([ED_OLD], [RSA, ED_NEW], 60)
    assert sshfp.check_plan([ED_OLD], steps, 60, new_keys=[RSA, ED_NEW]) == []


def test_retired_key_stops_being_served_before_its_record_goes():
    current = [RSA, ECDSA, ED_OLD]
    steps = sshfp.plan_rotation(current, [RSA, ED_OLD], 60)
    assert [s["action"] for s in steps] == ["serve", "publish"]
    assert steps[0]["hostkeys"] == [RSA.path, ED_OLD.path]
    assert steps[1]["publish"] == [RSA.path, ED_OLD.path]
    assert sshfp.check_plan(current, steps, 60) == []


def test_target_with_two_ecdsa_curves_is_refused():
    with pytest.raises(OpenSSHConfigError, match="share SSHFP algorithm 3"):
        sshfp.plan_rotation([RSA], [RSA, ECDSA, hk("/b", ecdsa(2, "nistp384"))], 60)


@pytest.mark.parametrize("current, target", [
    ([RSA, ECDSA, ED_OLD], [RSA, ECDSA, ED_NEW]),
    ([RSA, ED_OLD], [ECDSA, ED_NEW]),
    ([RSA, ECDSA, ED_OLD], [ED_NEW, RSA]),
    ([ECDSA], [RSA, ECDSA, ED_NEW]),
    ([RSA, ECDSA], [ED_OLD]),
])
def test_every_plan_is_safe_for_every_lab_client_with_sha1_too(current, target):
    new = [k for k in target if k not in current]
    for fp_types in ([2], [1, 2]):
        steps = sshfp.plan_rotation(current, target, 30, fp_types)
        assert steps[-1]["hostkeys"] == [k.path for k in target]
        assert steps[-1]["publish"] == [k.path for k in target] or \
            sorted(steps[-1]["publish"]) == sorted(k.path for k in target)
        assert sshfp.check_plan(current, steps, 30, fp_types=fp_types, new_keys=new) == []
