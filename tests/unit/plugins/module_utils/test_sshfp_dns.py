# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/sshfp_dns.py without a DNS server.

The UPDATE messages are built with dnspython and read back as text; the
publication loop runs against a stand-in primary that applies updates to a
dictionary, so retries, chunking and idempotence are visible. The real
server (BIND with inline signing) is molecule/sshfp_dnssec's business.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshfp, sshfp_dns
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

pytestmark = pytest.mark.skipif(not sshfp_dns.HAS_DNSPYTHON, reason="dnspython not installed")

SECRET = "c3NoZnAtdGVzdC1zZWNyZXQtbm90LXVzZWQtYW55d2hlcmU="
A = sshfp.parse_record("4 2 " + "a" * 64)
B = sshfp.parse_record("4 2 " + "b" * 64)
R = sshfp.parse_record("1 2 " + "c" * 64)


def params(**more):
    base = {"zone": "lab.test", "entries": [], "absent": [], "method": "dynamic", "server": "127.0.0.1",
            "port": 53, "tsig_key_name": "lab-update", "tsig_algorithm": "hmac-sha256", "tsig_secret": SECRET,
            "ttl": 60, "timeout": 2.0, "wait_until_served": True, "serve_timeout": 1.0, "max_names_per_update": 100,
            "allow_conflicting": False, "zone_file": None}
    base.update(more)
    return base


class FakePrimary(object):
    """Applies updates to a dict as a primary would (prerequisites included)."""

    def __init__(self, zone_data, interfere=0):
        self.data = dict(zone_data)  # name -> (set, ttl)
        self.queries = self.updates = 0
        self.sent = []
        self.interfere = interfere

    def read(self, name):
        self.queries += 1
        return self.data.get(name, (set(), None))

    def send(self, changes):
        self.updates += 1
        self.sent.append([c.name for c in changes])
        if self.interfere:
            self.interfere -= 1
            name = changes[0].name
            # someone else got there first, with a record of their own each time
            self.data[name] = ({sshfp.Record(4, 2, "%064x" % (self.interfere + 1))}, 60)
        for change in changes:
            if self.data.get(change.name, (set(), None))[0] != change.before:
                raise sshfp_dns.PrerequisiteFailed("YXRRSET")
        for change in changes:
            self.data[change.name] = (set(change.after), change.ttl if change.after else None)

    def close(self):
        pass


def test_wanted_sets_checks_everything_first():
    zone, wanted = sshfp_dns.wanted_sets(params(entries=[{"name": "web1", "records": [A.text()]}],
                                                absent=["old.lab.test"]))
    assert zone == "lab.test." and wanted == {"web1.lab.test.": {A}, "old.lab.test.": set()}
    with pytest.raises(OpenSSHConfigError, match="given twice"):
        sshfp_dns.wanted_sets(params(entries=[{"name": "web1", "records": []}], absent=["web1.lab.test."]))
    with pytest.raises(OpenSSHConfigError, match="zone other.test"):
        sshfp_dns.wanted_sets(params(entries=[{"name": "web1", "zone": "other.test", "records": []}]))
    with pytest.raises(OpenSSHConfigError, match=r"entries\[0\].records.*|fingerprints of Ed25519"):
        sshfp_dns.wanted_sets(params(entries=[{"name": "web1", "records": [A.text(), B.text()]}]))
    assert sshfp_dns.wanted_sets(params(entries=[{"name": "web1", "records": [A.text(), B.text()]}],
                                        allow_conflicting=True))[1]["web1.lab.test."] == {A, B}
    with pytest.raises(OpenSSHConfigError, match=r"entries\[0\].records\[0\]"):
        sshfp_dns.wanted_sets(params(entries=[{"name": "web1", "records": ["ssh-ed25519 AAAA"]}]))


def test_update_message_replaces_the_set_under_a_prerequisite():
    primary = sshfp_dns.Primary("127.0.0.1", 53, "lab.test", "lab-update", "hmac-sha256", SECRET)
    changes = sshfp.plan_changes({"a.lab.test.": ({A, R}, 60), "b.lab.test.": (set(), None)},
                                 {"a.lab.test.": {B, R}, "b.lab.test.": {A}}, 60)
    text = primary.build_update(changes).to_text()
    prereq = text.split(";PREREQ")[1].split(";UPDATE")[0]
    update = text.split(";UPDATE")[1]
    # a: the exact old set must still be there; b: must still have no SSHFP at all
    assert "a.lab.test. 0 IN SSHFP 1 2 " + "c" * 64 in prereq
    assert "a.lab.test. 0 IN SSHFP 4 2" in prereq
    assert "b.lab.test. NONE SSHFP" in prereq
    # delete the whole set, then add every wanted record, in the same message
    assert "a.lab.test. ANY SSHFP" in update and "b.lab.test. ANY SSHFP" in update
    assert update.index("a.lab.test. ANY SSHFP") < update.index("a.lab.test. 60 IN SSHFP")
    assert update.count("a.lab.test. 60 IN SSHFP") == 2 and update.count("b.lab.test. 60 IN SSHFP") == 1
    assert "lab-update. 0 ANY TSIG hmac-sha256." in text


def test_bad_secret_and_algorithm_are_refused_before_any_traffic():
    with pytest.raises(OpenSSHConfigError, match="tsig_secret"):
        sshfp_dns.Primary("127.0.0.1", 53, "lab.test", "k", "hmac-sha256", "not base64 !!")
    with pytest.raises(OpenSSHConfigError, match="unknown TSIG algorithm"):
        sshfp_dns.Primary("127.0.0.1", 53, "lab.test", "k", "hmac-md5", SECRET)


def test_unreachable_primary_fails_with_the_address():
    primary = sshfp_dns.Primary("127.0.0.1", 1, "lab.test", "k", "hmac-sha256", SECRET, timeout=1)
    with pytest.raises(sshfp_dns.PublishError, match="cannot reach the primary 127.0.0.1 port 1"):
        primary.read("a.lab.test.")


def test_publish_is_idempotent_and_batches_names():
    fake = FakePrimary({"n0.lab.test.": ({A}, 60)})
    wanted = {"n%d.lab.test." % i: {B, R} for i in range(250)}
    done = sshfp_dns.publish(fake, wanted, 60, max_names=100, wait=True, serve_timeout=1)
    assert done["changed"] and done["updates"] == 3 and [len(s) for s in fake.sent] == [100, 100, 50]
    assert done["served"] is True
    first = {c.name: c for c in done["changes"]}
    assert first["n0.lab.test."].removed == [A]
    again = sshfp_dns.publish(fake, wanted, 60)
    assert not again["changed"] and fake.updates == 3


def test_check_mode_reads_only():
    fake = FakePrimary({"a.lab.test.": ({A}, 60)})
    done = sshfp_dns.publish(fake, {"a.lab.test.": {B}}, 60, check_mode=True)
    assert done["changed"] and fake.updates == 0 and fake.data["a.lab.test."] == ({A}, 60)
    assert done["changes"][0].added == [B] and done["changes"][0].removed == [A]


def test_concurrent_change_is_read_again_not_overwritten_blindly():
    fake = FakePrimary({"a.lab.test.": ({A}, 60)}, interfere=1)
    done = sshfp_dns.publish(fake, {"a.lab.test.": {R}}, 60, wait=False)
    assert done["attempts"] == 2 and fake.data["a.lab.test."] == ({R}, 60)
    assert done["changes"][0].before == {sshfp.Record(4, 2, "%064x" % 1)}  # the second read saw the other record
    fake = FakePrimary({"a.lab.test.": ({A}, 60)}, interfere=5)
    with pytest.raises(sshfp_dns.PublishError, match="kept changing"):
        sshfp_dns.publish(fake, {"a.lab.test.": {R}}, 60, attempts=3, wait=False)


def test_zonefile_method(tmp_path):
    os.chmod(str(tmp_path), 0o755)
    path = str(tmp_path / "lab.test.sshfp")
    p = params(method="zonefile", zone_file=path, entries=[{"name": "web1", "records": [A.text(), R.text()]},
                                                           {"name": "web2", "records": [B.text()]}])
    preview = sshfp_dns.apply(p, check_mode=True, want_diff=True)
    assert preview["changed"] and not os.path.exists(path)
    assert "web1.lab.test. 60 IN SSHFP 4 2 " + "a" * 64 in preview["diff"]["after"]
    done = sshfp_dns.apply(p)
    assert done["changed"] and done["changed_names"] == ["web1.lab.test.", "web2.lab.test."]
    with open(path) as handle:
        text = handle.read()
    assert sshfp.parse_zone_fragment(text) == {"web1.lab.test.": ({A, R}, 60), "web2.lab.test.": ({B}, 60)}
    assert not sshfp_dns.apply(p)["changed"]
    p["entries"] = p["entries"][:1]
    shrink = sshfp_dns.apply(p)
    assert shrink["changed"] and shrink["removed"] == ["web2.lab.test. 60 IN SSHFP " + B.text()]


def test_precheck_names_what_is_missing():
    with pytest.raises(OpenSSHConfigError, match="needs tsig_secret"):
        sshfp_dns.precheck(params(tsig_secret=None))
    with pytest.raises(OpenSSHConfigError, match="needs zone_file"):
        sshfp_dns.precheck(params(method="zonefile"))
    with pytest.raises(OpenSSHConfigError, match="must be absolute"):
        sshfp_dns.precheck(params(method="zonefile", zone_file="relative/x"))
    sshfp_dns.precheck(params())
