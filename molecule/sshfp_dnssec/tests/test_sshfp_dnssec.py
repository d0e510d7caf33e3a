"""SSHFP with DNSSEC: what clients of 8.4, 9.2 and 10.0 trust, after the Ed25519 rotation of side_effect.

Each test runs on each of the three containers as the client; the targets are
the three servers (bullseye, bookworm, trixie.lab.test). Every login uses an
empty known_hosts (user and global), StrictHostKeyChecking=yes and BatchMode:
it can only succeed when ssh trusts the host key from a DNSSEC-validated SSHFP
record. DNS is changed through the lab primary (nsupdate with the TSIG key)
and the resolvers' caches are flushed after each deliberate change; every
change is undone at the end of its test.
"""
import contextlib
import json
import secrets
import shlex

import pytest
import testinfra

import testlib

DNS = testinfra.get_host("podman://sshfp_dnssec-dns")
NAMES = {"bullseye": "bullseye.lab.test", "bookworm": "bookworm.lab.test", "trixie": "trixie.lab.test"}
VERSION = {"bullseye": "8.4", "bookworm": "9.2", "trixie": "10.0"}
ALGORITHMS = "rsa-sha2-512,ecdsa-sha2-nistp256,ssh-ed25519"
SERVED = ["/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key-rotated"]


def suite(host):
    name = getattr(host.backend, "name", None) or host.backend.get_hostname()
    return name.rsplit("-", 1)[-1]


def logins(host, *targets, algorithms="", extra=()):
    command = ["python3", "/usr/local/bin/sshfp-login-matrix"] + ["%s=%s" % (t, algorithms) for t in targets]
    if extra:
        command += ["--"] + list(extra)
    result = host.run(" ".join(shlex.quote(a) for a in command))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def primary_set(name):
    """The SSHFP set the primary serves, as 'ALG TYPE hex' lines (dig splits and upper-cases the hex)."""
    out = DNS.check_output("dig +short +norec @127.0.0.1 %s SSHFP" % name)
    return sorted("%s %s %s" % (w[0], w[1], "".join(w[2:]).lower()) for w in (line.split() for line in
                                                                              out.splitlines()) if w)


def set_records(name, records):
    """Through the primary (nsupdate with the TSIG key), then both resolvers' caches flushed (one exec)."""
    DNS.check_output("sshfp-lab-set %s %s" % (name, " ".join(shlex.quote(r) for r in records)))


@contextlib.contextmanager
def records(name, wanted):
    before = primary_set(name)
    set_records(name, wanted)
    try:
        yield
    finally:
        set_records(name, before)


@contextlib.contextmanager
def resolv_conf(host, text):
    before = host.file("/etc/resolv.conf").content_string
    host.check_output("printf %%s %s > /etc/resolv.conf" % shlex.quote(text))
    try:
        yield
    finally:
        host.check_output("printf %%s %s > /etc/resolv.conf" % shlex.quote(before))


def wrong(record):
    algorithm, fp_type, _unused = record.split()
    return "%s %s %s" % (algorithm, fp_type, secrets.token_hex(32))


def test_client_logs_in_trusting_only_dnssec_validated_sshfp(host):
    result = logins(host, *NAMES.values(), algorithms=ALGORITHMS)
    assert len(result) == 12
    assert [(r["target"], r["algorithm"]) for r in result if r["rc"] != 0] == []
    assert {r["dns"] for r in result} == {"secure-match"}
    # each forced algorithm really was the key that DNS vouched for
    assert {r["server_key"] for r in result if r["algorithm"] != "default"} == \
        {"ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519"}


def test_short_name_is_looked_up_after_canonicalization(host):
    result = logins(host, "bookworm")
    assert result[0]["rc"] == 0 and result[0]["dns"] == "secure-match"


def test_published_records_are_those_of_the_served_keys(host):
    """Cross-check with the release's own ssh-keygen -r on the keys sshd serves (SHA-256 lines)."""
    name = NAMES[suite(host)]
    reference = []
    for path in SERVED:
        out = host.check_output("ssh-keygen -r %s -f %s.pub" % (name, path))
        reference += ["%s %s %s" % tuple(line.split()[3:6]) for line in out.splitlines()
                      if len(line.split()) == 6 and line.split()[4] == "2"]
    assert primary_set(name) == sorted(reference)
    # and sshd really serves them: ssh-keyscan -D fetches the keys over the wire
    live = host.check_output("ssh-keyscan -D %s 2>/dev/null" % shlex.quote(
        {"bullseye": "127.0.0.11", "bookworm": "127.0.0.12", "trixie": "127.0.0.13"}[suite(host)]))
    served = sorted("%s %s %s" % tuple(line.split()[3:6]) for line in live.splitlines()
                    if len(line.split()) == 6 and line.split()[4] == "2")
    assert served == sorted(reference)


def test_rotation_replaced_the_ed25519_key_everywhere(host):
    name = NAMES[suite(host)]
    old = host.check_output("ssh-keygen -r %s -f /etc/ssh/ssh_host_ed25519_key.pub" % name)
    old_sha256 = [line.split()[5] for line in old.splitlines() if len(line.split()) == 6 and line.split()[4] == "2"][0]
    assert not any(old_sha256 in record for record in primary_set(name))
    assert len([r for r in primary_set(name) if r.startswith("4 ")]) == 1
    effective = testlib.sshd_T(host)
    assert effective["hostkey"] == SERVED


def test_without_trust_ad_nothing_is_auto_accepted(host):
    with resolv_conf(host, "nameserver 127.0.0.2\n"):
        result = logins(host, *NAMES.values())
    assert {(r["rc"], r["dns"], r["refusal"]) for r in result} == {(255, "insecure-match", True)}


def test_a_resolver_that_does_not_validate_is_not_trusted(host):
    with resolv_conf(host, "nameserver 127.0.0.3\noptions trust-ad\n"):
        result = logins(host, *NAMES.values())
    assert {(r["rc"], r["dns"], r["refusal"]) for r in result} == {(255, "insecure-match", True)}


def test_the_authoritative_server_itself_gives_no_ad_bit(host):
    with resolv_conf(host, "nameserver 127.0.0.1\noptions trust-ad\n"):
        result = logins(host, *NAMES.values())
    assert {(r["rc"], r["dns"], r["refusal"]) for r in result} == {(255, "insecure-match", True)}


def test_a_tampered_record_is_refused(host):
    name = NAMES[suite(host)]
    with records(name, [wrong(record) for record in primary_set(name)]):
        result = logins(host, name, algorithms=ALGORITHMS)
    assert {(r["rc"], r["dns"], r["refusal"]) for r in result} == {(255, "secure-mismatch", True)}
    assert logins(host, name)[0]["rc"] == 0  # restored


def test_a_stale_record_next_to_the_right_one_fails_from_8_7_on(host):
    """The rule the rotation plan is built around: 8.4 accepts, 9.2 and 10.0 refuse."""
    name = NAMES[suite(host)]
    current = primary_set(name)
    stale = wrong([record for record in current if record.startswith("4 2 ")][0])
    with records(name, current + [stale]):
        result = logins(host, name, algorithms="ssh-ed25519")
        other = logins(host, name, algorithms="ecdsa-sha2-nistp256")
    forced = result[1]
    if VERSION[suite(host)] == "8.4":
        assert (forced["rc"], forced["dns"]) == (0, "secure-match")
    else:
        assert (forced["rc"], forced["dns"], forced["refusal"]) == (255, "secure-mismatch", True)
    # records of another algorithm are not compared: ECDSA still logs in everywhere
    assert (other[1]["rc"], other[1]["dns"]) == (0, "secure-match")


def test_zone_fragment_is_a_valid_zone_with_the_same_records(host):
    if suite(host) != "bookworm":
        pytest.skip("the fragment is checked once")
    DNS.check_output("printf '%s' > /tmp/wrapper.db" % "$TTL 60\\n@ IN SOA ns1.lab.test. h.lab.test. 1 60 30 3600 10\\n"
                     "@ IN NS ns1.lab.test.\\nns1 IN A 127.0.0.1\\n$INCLUDE /etc/bind/lab/lab.test.sshfp\\n")
    DNS.check_output("named-checkzone -q lab.test /tmp/wrapper.db")
    text = DNS.file("/etc/bind/lab/lab.test.sshfp").content_string
    for name in NAMES.values():
        lines = sorted(" ".join(line.split()[4:]) for line in text.splitlines() if line.startswith(name + ". "))
        assert lines, name
