# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/compliance.py.

Fixtures (tests/unit/fixtures/compliance/) are real ``sshd -T -C
user=root,host=client.example,addr=192.0.2.10`` dumps of Debian's 8.4, 9.2
and 10.0 builds:

* ``stock-V``: the package as installed;
* ``modern-V``, ``fips-V``, ``pq_only-V``: the profile (plus the default
  dead-peer policy) rendered by render.py as a drop-in in front of Debian's
  sshd_config;
* ``mistakes-V``: the drop-in ``mistakes-V.conf`` with the classic errors
  (ClientAliveCountMax 0, ChannelTimeout session=, CBC, SHA-1 ...).
"""

from __future__ import annotations

import json
import os
from xml.etree import ElementTree

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import compliance, effective
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, "..", "..", "fixtures")
RELEASES = ("8.4", "9.2", "10.0")


def dump(name, version):
    with open(os.path.join(FIXTURES, "compliance", f"{name}-{version}.sshd-T.txt")) as handle:
        return effective.parse_dump(handle.read())


def probe(version, strict_kex=True):
    with open(os.path.join(FIXTURES, "profiles", f"probe-{version}.json")) as handle:
        data = json.load(handle)
    data["strict_kex"] = strict_kex
    return data


def by_id(results):
    return {result.id: result for result in results}


def statuses(results, status):
    return sorted(result.id for result in results if result.status == status)


# ---------------------------------------------------------------------------
# the catalogue of checks
# ---------------------------------------------------------------------------


def test_every_check_is_described():
    ids = [check.id for check in compliance.CHECKS]
    assert len(ids) == len(set(ids))
    for check in compliance.CHECKS:
        assert check.id.startswith("sshd-") and check.title and check.expected
        for ref in check.cis:
            assert ref.startswith((compliance.CIS12 + " 5.1.", compliance.CIS11 + " 5.2.")), ref
        for ref in check.stig:
            assert ref.startswith(("UBTU-22-", "RHEL-09-")), ref


def test_applies_follows_the_version():
    checks = compliance.CHECKS_BY_ID
    assert not checks["sshd-required-rsa-size"].applies("8.4")
    assert checks["sshd-required-rsa-size"].applies("9.1")
    assert not checks["sshd-channel-timeout"].applies("8.4") and checks["sshd-channel-timeout"].applies("9.2")
    assert not checks["sshd-per-source-penalties"].applies("9.2")
    assert checks["sshd-per-source-penalties"].applies("10.0")
    assert checks["sshd-permit-root-login"].applies("7.4")


# ---------------------------------------------------------------------------
# converged hosts pass, stock Debian does not
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", RELEASES)
def test_modern_has_no_failures(version):
    results = compliance.evaluate(dump("modern", version), version, probe(version))
    assert statuses(results, compliance.FAIL) == []
    # left to the site: banner text and who may log in; idle timeout not asked for
    expected_review = ["sshd-access-lists", "sshd-banner"]
    if version != "8.4":
        expected_review += ["sshd-channel-timeout", "sshd-unused-connection-timeout"]
    assert statuses(results, compliance.REVIEW) == sorted(expected_review)
    assert by_id(results)["sshd-strict-kex"].status == compliance.PASS


@pytest.mark.parametrize("version", RELEASES)
def test_fips_has_no_failures_against_its_baseline(version):
    results = compliance.evaluate(dump("fips", version), version, probe(version), baseline="fips")
    assert statuses(results, compliance.FAIL) == []
    assert by_id(results)["sshd-kex-post-quantum"].status == compliance.NOT_APPLICABLE


@pytest.mark.parametrize("version", RELEASES)
def test_fips_fails_the_modern_baseline(version):
    results = by_id(compliance.evaluate(dump("fips", version), version, probe(version)))
    assert results["sshd-kex-strong"].status == compliance.FAIL
    assert "NIST curve" in results["sshd-kex-strong"].reason
    assert results["sshd-macs-strong"].status == compliance.FAIL
    assert results["sshd-hostkey-algorithms"].status == compliance.FAIL


@pytest.mark.parametrize("version", RELEASES)
def test_modern_fails_the_fips_baseline(version):
    results = by_id(compliance.evaluate(dump("modern", version), version, probe(version), baseline="fips"))
    assert results["sshd-kex-strong"].status == compliance.FAIL
    assert results["sshd-ciphers-strong"].status == compliance.FAIL  # chacha20
    assert results["sshd-macs-strong"].status == compliance.FAIL  # umac
    assert results["sshd-hostkey-algorithms"].status == compliance.FAIL  # ed25519


@pytest.mark.parametrize("version", ("9.2", "10.0"))
def test_pq_only(version):
    results = compliance.evaluate(dump("pq_only", version), version, probe(version),
                                  options={"pq_only": True})
    assert statuses(results, compliance.FAIL) == []
    # a modern host judged as if pq_only had been chosen fails: curve25519 is offered
    results = by_id(compliance.evaluate(dump("modern", version), version, probe(version),
                                        options={"pq_only": True}))
    assert results["sshd-kex-post-quantum"].status == compliance.FAIL


STOCK_FAILURES = {
    "sshd-kex-strong", "sshd-macs-strong", "sshd-hostkey-algorithms", "sshd-permit-root-login",
    "sshd-password-authentication", "sshd-ignore-user-known-hosts", "sshd-disable-forwarding",
    "sshd-x11-forwarding", "sshd-tcp-forwarding", "sshd-agent-forwarding",
    "sshd-streamlocal-forwarding", "sshd-max-auth-tries", "sshd-max-startups",
    "sshd-login-grace-time", "sshd-log-level", "sshd-client-alive-interval", "sshd-compression",
}


@pytest.mark.parametrize("version, extra", [
    ("8.4", {"sshd-pubkey-algorithms"}),  # ssh-rsa still accepted for user keys before 8.8
    ("9.2", {"sshd-required-rsa-size"}),
    ("10.0", {"sshd-required-rsa-size"}),
])
def test_stock_debian_failures(version, extra):
    results = compliance.evaluate(dump("stock", version), version, probe(version))
    assert set(statuses(results, compliance.FAIL)) == STOCK_FAILURES | extra
    # Debian's defaults already get these right
    got = by_id(results)
    for check in ("sshd-ciphers-strong", "sshd-permit-empty-passwords", "sshd-hostbased-authentication",
                  "sshd-ignore-rhosts", "sshd-use-pam", "sshd-kbdinteractive-authentication"):
        assert got[check].status == compliance.PASS, check


# ---------------------------------------------------------------------------
# the known mistakes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", RELEASES)
def test_client_alive_count_max_zero(version):
    result = by_id(compliance.evaluate(dump("mistakes", version), version, probe(version)))[
        "sshd-client-alive-count-max"]
    assert result.status == compliance.FAIL
    assert "DISABLES the disconnect" in result.reason
    assert result.found == "clientalivecountmax 0"


def test_client_alive_count_max_zero_before_8_2_is_fine():
    eff = {"clientaliveinterval": ["300"], "clientalivecountmax": ["0"]}
    result = by_id(compliance.evaluate(eff, "7.9"))["sshd-client-alive-count-max"]
    assert result.status == compliance.PASS


@pytest.mark.parametrize("version", ("9.2", "10.0"))
def test_channel_timeout_session_without_wildcard(version):
    result = by_id(compliance.evaluate(dump("mistakes", version), version, probe(version)))[
        "sshd-channel-timeout"]
    assert result.status == compliance.FAIL
    assert "session:*" in result.reason


def test_channel_timeout_session_wildcard_passes():
    eff = dump("modern", "10.0")
    eff["channeltimeout"] = ["session:*=900"]
    eff["unusedconnectiontimeout"] = ["900"]
    results = by_id(compliance.evaluate(eff, "10.0", probe("10.0")))
    assert results["sshd-channel-timeout"].status == compliance.PASS
    assert results["sshd-unused-connection-timeout"].status == compliance.PASS


@pytest.mark.parametrize("version", RELEASES)
def test_weak_algorithms_are_named(version):
    results = by_id(compliance.evaluate(dump("mistakes", version), version, probe(version)))
    assert "aes128-cbc (CBC mode)" in results["sshd-ciphers-strong"].reason
    assert "hmac-sha1-96 (SHA-1)" in results["sshd-macs-strong"].reason
    assert "diffie-hellman-group14-sha1 (SHA-1)" in results["sshd-kex-strong"].reason
    hostkeys = results["sshd-hostkey-algorithms"].reason
    assert ("ssh-dss (DSA)" if version == "8.4" else "ssh-rsa (SHA-1 signature)") in hostkeys
    assert results["sshd-permit-root-login"].status == compliance.FAIL
    assert results["sshd-log-level"].status == compliance.FAIL
    assert results["sshd-tcp-keepalive"].status == compliance.FAIL
    assert results["sshd-max-auth-tries"].status == compliance.FAIL
    assert results["sshd-permit-user-environment"].status == compliance.FAIL


def test_disable_forwarding_and_x11_before_and_after_10_0():
    # DisableForwarding yes + X11Forwarding yes: X11 still works before 10.0
    for version, status in (("8.4", compliance.FAIL), ("9.2", compliance.FAIL), ("10.0", compliance.PASS)):
        results = by_id(compliance.evaluate(dump("mistakes", version), version, probe(version)))
        assert results["sshd-disable-forwarding"].status == compliance.PASS
        assert results["sshd-x11-forwarding"].status == status, version
        assert results["sshd-agent-forwarding"].status == status, version
        assert results["sshd-tcp-forwarding"].status == compliance.PASS


def test_required_rsa_size_and_penalties():
    results = by_id(compliance.evaluate(dump("mistakes", "9.2"), "9.2", probe("9.2")))
    assert results["sshd-required-rsa-size"].status == compliance.FAIL
    assert "2048" in results["sshd-required-rsa-size"].reason
    assert results["sshd-per-source-penalties"].status == compliance.NOT_APPLICABLE
    results = by_id(compliance.evaluate(dump("mistakes", "10.0"), "10.0", probe("10.0")))
    assert results["sshd-per-source-penalties"].status == compliance.FAIL


def test_stale_kex_list_misses_post_quantum():
    eff = dump("modern", "10.0")
    eff["kexalgorithms"] = ["curve25519-sha256,curve25519-sha256@libssh.org"]
    result = by_id(compliance.evaluate(eff, "10.0", probe("10.0")))["sshd-kex-post-quantum"]
    assert result.status == compliance.FAIL and "mlkem768x25519-sha256" in result.reason
    # the same list on 8.4 is all that binary can do
    result = by_id(compliance.evaluate(dump("modern", "8.4"), "8.4", probe("8.4")))["sshd-kex-post-quantum"]
    assert result.status == compliance.NOT_APPLICABLE


def test_chacha20_and_terrapin():
    results = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2", probe("9.2", strict_kex=False)))
    assert results["sshd-ciphers-strong"].status == compliance.FAIL
    assert "Terrapin" in results["sshd-ciphers-strong"].reason
    assert results["sshd-strict-kex"].status == compliance.FAIL
    results = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2", probe("9.2", strict_kex=None)))
    assert results["sshd-ciphers-strong"].status == compliance.PASS
    assert "not checked" in results["sshd-ciphers-strong"].reason
    assert results["sshd-strict-kex"].status == compliance.NOT_APPLICABLE


def test_umac_is_kept_with_a_note():
    result = by_id(compliance.evaluate(dump("modern", "10.0"), "10.0", probe("10.0")))["sshd-macs-strong"]
    assert result.status == compliance.PASS and "CIS 5.1.15" in result.reason


# ---------------------------------------------------------------------------
# operator choices and host keys
# ---------------------------------------------------------------------------


def test_operator_choices_pass_with_a_note():
    eff = dump("stock", "9.2")  # prohibit-password, passwords on, forwarding on
    results = by_id(compliance.evaluate(eff, "9.2", probe("9.2"), options={
        "root_login": "prohibit-password", "allow_passwords": True, "allow_forwarding": True}))
    assert results["sshd-permit-root-login"].status == compliance.PASS
    assert "CIS 5.1.20" in results["sshd-permit-root-login"].reason
    assert results["sshd-password-authentication"].status == compliance.PASS
    assert results["sshd-disable-forwarding"].status == compliance.PASS
    assert results["sshd-x11-forwarding"].status == compliance.PASS


def test_host_keys():
    supported = probe("10.0")
    supported["host_keys"] = [
        {"path": "/etc/ssh/ssh_host_rsa_key", "type": "RSA", "bits": 2048},
        {"path": "/etc/ssh/ssh_host_ecdsa_key", "type": "ECDSA", "bits": 256},
    ]
    result = by_id(compliance.evaluate(dump("stock", "10.0"), "10.0", supported))["sshd-host-keys"]
    assert result.status == compliance.FAIL
    assert "2048 bits" in result.reason and "no Ed25519" in result.reason
    supported["host_keys"] = [
        {"path": "/etc/ssh/ssh_host_rsa_key", "type": "RSA", "bits": 3072},
        {"path": "/etc/ssh/ssh_host_ed25519_key", "type": "ED25519", "bits": 256},
    ]
    result = by_id(compliance.evaluate(dump("stock", "10.0"), "10.0", supported))["sshd-host-keys"]
    assert result.status == compliance.PASS
    result = by_id(compliance.evaluate(dump("stock", "10.0"), "10.0", probe("10.0")))["sshd-host-keys"]
    assert result.status == compliance.NOT_APPLICABLE


def test_without_probe():
    results = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2"))
    assert results["sshd-kex-post-quantum"].status == compliance.NOT_APPLICABLE
    assert results["sshd-strict-kex"].status == compliance.NOT_APPLICABLE


def test_incomplete_dump_fails_loudly():
    results = by_id(compliance.evaluate({"port": ["22"]}, "9.2"))
    assert results["sshd-ciphers-strong"].status == compliance.FAIL
    assert "incomplete" in results["sshd-ciphers-strong"].reason


def test_mixed_case_keys_are_accepted():
    eff = {key.upper(): value for key, value in dump("modern", "10.0").items()}
    assert statuses(compliance.evaluate(eff, "10.0", probe("10.0")), compliance.FAIL) == []


@pytest.mark.parametrize("args, message", [
    (({}, "9.2"), "empty"),
    (([], "9.2"), "mapping"),
    (({"port": ["22"]}, "nine"), "not an OpenSSH version"),
])
def test_bad_input(args, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        compliance.evaluate(*args)


def test_bad_baseline_and_options():
    with pytest.raises(OpenSSHConfigError, match="baseline"):
        compliance.evaluate({"port": ["22"]}, "9.2", baseline="none")
    with pytest.raises(OpenSSHConfigError, match="unknown profile option"):
        compliance.evaluate({"port": ["22"]}, "9.2", options={"root": "no"})


# ---------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------


def _two_hosts():
    return {
        "converged": {"version": "10.0", "baseline": "modern",
                      "results": compliance.evaluate(dump("modern", "10.0"), "10.0", probe("10.0"))},
        "stock": compliance.evaluate(dump("stock", "9.2"), "9.2", probe("9.2")),
    }


def test_report_json():
    data = json.loads(compliance.report_json(_two_hosts()))
    assert data["summary"]["hosts"] == 2 and data["summary"]["hosts_failing"] == 1
    assert data["hosts"]["converged"]["summary"]["fail"] == 0
    assert data["hosts"]["stock"]["summary"]["fail"] == 18
    first = data["hosts"]["stock"]["results"][0]
    assert set(first) == {"id", "title", "status", "reason", "cis", "stig", "keys", "expected", "found", "note"}
    # results given as dicts (as the module returns them) work the same
    again = json.loads(compliance.report_json({"stock": data["hosts"]["stock"]}))
    assert again["hosts"]["stock"]["summary"] == data["hosts"]["stock"]["summary"]


def test_report_junit():
    text = compliance.report_junit(_two_hosts())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(text.split("\n", 1)[1])
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"converged", "stock"}
    stock = suites["stock"]
    assert stock.get("failures") == "18"
    assert int(root.get("tests")) == 2 * len(compliance.CHECKS)
    failures = stock.findall("testcase/failure")
    assert len(failures) == 18
    assert all(f.get("message") for f in failures)
    assert suites["converged"].find("properties/property[@name='version']").get("value") == "10.0"
    assert len(suites["converged"].findall("testcase/failure")) == 0
    assert len(suites["converged"].findall("testcase/skipped")) == int(suites["converged"].get("skipped"))


def test_report_junit_escapes():
    results = [compliance.Result("sshd-x", "a <b> & \"c\"", compliance.FAIL, "x < y & z", ("CIS",), ())]
    text = compliance.report_junit({"host<1>": results})
    root = ElementTree.fromstring(text.split("\n", 1)[1])
    assert root.find("testsuite").get("name") == "host<1>"
    assert root.find("testsuite/testcase/failure").get("message") == "x < y & z"


def test_report_text():
    text = compliance.report_text(_two_hosts())
    lines = text.splitlines()
    assert lines[0].startswith("converged (OpenSSH 10.0): ") and " 0 fail" in lines[0]
    assert any(line.startswith("stock: ") and "18 fail" in line for line in lines)
    assert any("FAIL   sshd-log-level" in line and "RHEL-09-255030" in line for line in lines)


def test_offered_algorithms():
    offered = compliance.offered_algorithms(dump("modern", "8.4"))
    assert offered["kex"] == ["curve25519-sha256", "curve25519-sha256@libssh.org"]
    assert "rsa-sha2-512" in offered["pubkey_accepted_algorithms"]  # from pubkeyacceptedkeytypes
    assert set(offered) == {"kex", "ciphers", "macs", "host_key_algorithms",
                            "pubkey_accepted_algorithms", "ca_signature_algorithms"}


def test_junit_testsuite_of_one_host_matches_the_full_report():
    hosts = _two_hosts()
    full = ElementTree.fromstring(compliance.report_junit(hosts).split("\n", 1)[1])
    one = ElementTree.fromstring(compliance.junit_testsuite("stock", hosts["stock"]))
    assert one.tag == "testsuite" and one.get("name") == "stock"
    assert ElementTree.tostring(one) == ElementTree.tostring(full.find("testsuite[@name='stock']"))


# ---------------------------------------------------------------------------
# issue 19: file modes, owners and value case as scanners read them
# ---------------------------------------------------------------------------

def _file(path, kind, mode, uid=0, **extra):
    return dict(path=path, kind=kind, exists=True, mode=mode, uid=uid, gid=0, owner="root", group="root", **extra)


def test_file_modes_are_judged_like_cis_and_ssg():
    files = [_file("/etc/ssh/sshd_config", "config", 0o644),
             _file("/etc/ssh/sshd_config.d/00-x.conf", "dropin", 0o600),
             _file("/etc/ssh/ssh_host_ed25519_key", "host_key", 0o600),
             _file("/etc/ssh/ssh_host_ed25519_key.pub", "host_key_pub", 0o644),
             _file("/home/alice/.ssh/authorized_keys", "authorized_keys", 0o664, uid=1000, user_uid=1000)]
    got = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2", probe("9.2"), files=files))
    assert got["sshd-config-permissions"].status == compliance.FAIL
    assert "/etc/ssh/sshd_config (root:root, 0644)" in got["sshd-config-permissions"].reason
    assert got["sshd-private-host-key-permissions"].status == compliance.PASS
    assert got["sshd-public-host-key-permissions"].status == compliance.PASS
    assert got["sshd-authorized-keys-permissions"].status == compliance.FAIL
    files[0]["mode"] = 0o400  # stricter than 0600 passes
    files[4]["mode"] = 0o600
    got = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2", probe("9.2"), files=files))
    assert got["sshd-config-permissions"].status == compliance.PASS
    assert got["sshd-authorized-keys-permissions"].status == compliance.PASS


def test_files_of_sshd_must_belong_to_group_root():
    """The SCAP Security Guide checks the group apart from the owner (file_groupowner_sshd_config)."""
    files = [_file("/etc/ssh/sshd_config", "config", 0o600),
             _file("/etc/ssh/ssh_host_rsa_key", "host_key", 0o640),
             _file("/etc/ssh/ssh_host_rsa_key.pub", "host_key_pub", 0o644),
             _file("/home/alice/.ssh/authorized_keys", "authorized_keys", 0o600, uid=1000, user_uid=1000)]
    files[0].update(gid=4, group="adm")
    files[1].update(gid=101, group="ssh_keys")  # the one group a private host key may have (0640)
    files[2].update(gid=4, group="adm")
    files[3].update(gid=1000, group="alice")  # a user's own group is fine
    got = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2", probe("9.2"), files=files))
    assert got["sshd-config-permissions"].status == compliance.FAIL
    assert "/etc/ssh/sshd_config (root:adm, 0600)" in got["sshd-config-permissions"].reason
    assert got["sshd-private-host-key-permissions"].status == compliance.PASS
    assert got["sshd-public-host-key-permissions"].status == compliance.FAIL
    assert got["sshd-authorized-keys-permissions"].status == compliance.PASS


def test_value_case_is_informational_only():
    files = [_file("/etc/ssh/sshd_config", "config", 0o600, case_differs=[(12, "LogLevel", "verbose")])]
    got = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2", probe("9.2"), files=files))
    assert got["sshd-value-case"].status == compliance.PASS
    assert "sshd_config:12 LogLevel verbose" in got["sshd-value-case"].reason


def test_without_file_facts_the_file_checks_do_not_apply():
    got = by_id(compliance.evaluate(dump("modern", "9.2"), "9.2", probe("9.2")))
    assert got["sshd-config-permissions"].status == compliance.NOT_APPLICABLE
