"""Certificates issued by sshsuite.openssh.ssh_ca, as the real sshd and ssh see them.

Every login is a real ssh client inside the container under test (root's
client, keys copied there in prepare, certificates after converge), to the
container's own sshd on its 127.0.0.N address and, for host certificates, to
the two other releases in the pod. Each deliberate failure runs from its own
source address where it matters, and 10.0 exempts the pod's loopback from
PerSourcePenalties (group_vars), so refusals never block the other logins.

All logins of a host run in one go (one command in the container), then each
test reads its outcome and sshd's log lines of that window.
"""
import json
import shlex
import time

import pytest

ADDRESSES = {"bullseye": "127.0.0.2", "bookworm": "127.0.0.3", "trixie": "127.0.0.4"}


def cert_probe(name, key, user="carol", **extra):
    probe = {"name": name, "user": user, "key": "/root/.ssh/ca_%s" % key,
             "cert": "/root/.ssh/ca_%s-cert.pub" % key}
    probe.update(extra)
    return probe


def probes(address):
    items = [
        cert_probe("carol", "carol", address=address),
        cert_probe("wrong_principal", "wrong", address=address, source="127.0.0.11"),
        cert_probe("expired", "expired", address=address, source="127.0.0.12"),
        cert_probe("future", "future", address=address, source="127.0.0.13"),
        cert_probe("source_allowed", "source", address=address, source="127.0.0.1"),
        cert_probe("source_refused", "source", address=address, source="127.0.0.14"),
        cert_probe("forced", "forced", address=address, command="id -un"),
        cert_probe("revoked_serial", "revoked-serial", address=address, source="127.0.0.15"),
        cert_probe("revoked_id", "revoked-id", address=address, source="127.0.0.16"),
        cert_probe("ops", "ops", user="opsuser", address=address),
        cert_probe("trixie_admin", "trixie-admin", address=address, source="127.0.0.17"),
        {"name": "bob_revoked_plain", "user": "bob", "key": "/root/.ssh/ca_revoked-plain", "address": address,
         "source": "127.0.0.18"},
        {"name": "bob_plain", "user": "bob", "key": "/root/.ssh/id_ed25519", "address": address},
        cert_probe("impostor", "carol", address=address, port=2222, source="127.0.0.19"),
    ]
    for suite, other in ADDRESSES.items():
        items.append(cert_probe("host_" + suite, "carol", address=other, verbose=True))
    return items


@pytest.fixture(scope="module")
def suite(host):
    return host.backend.name.rsplit("-", 1)[-1]


@pytest.fixture(scope="module")
def seen(host, suite):
    address = ADDRESSES[suite]
    start = host.run("date +%s").stdout.strip()
    result = host.run("python3 /usr/local/bin/lab-logins %s" % shlex.quote(json.dumps(probes(address))))
    assert result.rc == 0, result.stderr
    time.sleep(1)
    log = host.run("journalctl --no-pager -o cat --since @%s -t sshd -t sshd-session -t sshd-auth" % start).stdout
    fingerprints = {}
    for key in ("revoked-serial", "revoked-id", "revoked-plain"):
        out = host.run("ssh-keygen -y -f /root/.ssh/ca_%s | ssh-keygen -lf -" % key).stdout
        fingerprints[key] = out.split()[1]
    return {"logins": json.loads(result.stdout), "log": log, "fingerprints": fingerprints}


def ok(seen, name, expected):
    login = seen["logins"][name]
    assert login["rc"] == 0, (name, login)
    assert login["stdout"] == expected, (name, login)


def refused(seen, name, reason):
    login = seen["logins"][name]
    assert login["rc"] == 255 and "Permission denied" in login["stderr"], (name, login)
    assert reason in seen["log"], (name, reason, seen["log"][-4000:])


def test_certificate_logs_in_without_authorized_keys(host, seen):
    assert not host.file("/home/carol/.ssh/authorized_keys").exists
    ok(seen, "carol", "carol")


def test_principals_file_is_root_owned_per_user(host):
    principals = host.file("/etc/ssh/auth_principals/carol")
    assert (principals.user, principals.group, principals.mode) == ("root", "root", 0o644)
    assert "carol" in principals.content_string.split("\n")
    directory = host.file("/etc/ssh/auth_principals")
    assert (directory.user, directory.mode) == ("root", 0o755)


def test_wrong_principal_is_refused(seen):
    refused(seen, "wrong_principal", "Certificate does not contain an authorized principal")


def test_expired_and_not_yet_valid_are_refused(seen):
    refused(seen, "expired", "Certificate invalid: expired")
    refused(seen, "future", "Certificate invalid: not yet valid")


def test_source_address_is_enforced(seen):
    ok(seen, "source_allowed", "carol")
    refused(seen, "source_refused", "not from a permitted source address")


def test_force_command_is_enforced(seen):
    ok(seen, "forced", "forced-by-certificate")


def test_principals_from_inventory_groups(seen, suite):
    ok(seen, "ops", "opsuser")
    if suite == "trixie":
        ok(seen, "trixie_admin", "carol")
    else:
        refused(seen, "trixie_admin", "Certificate does not contain an authorized principal")


def test_revoked_serial_key_id_and_plain_key_are_refused(seen):
    for name, key in (("revoked_serial", "revoked-serial"), ("revoked_id", "revoked-id"),
                      ("bob_revoked_plain", "revoked-plain")):
        login = seen["logins"][name]
        assert login["rc"] == 255, (name, login)
        lines = [line for line in seen["log"].split("\n") if seen["fingerprints"][key] in line and "revoked" in line]
        assert lines, (name, seen["fingerprints"][key], seen["log"][-4000:])
    ok(seen, "bob_plain", "bob")


def test_krl_is_installed_and_wired(host):
    krl = host.file("/etc/ssh/ssh_ca/revoked_keys.krl")
    assert (krl.user, krl.group, krl.mode) == ("root", "root", 0o644)
    assert host.run("ssh-keygen -Q -l -f /etc/ssh/ssh_ca/revoked_keys.krl").rc == 0
    effective = host.run("sshd -T").stdout
    assert "revokedkeys /etc/ssh/ssh_ca/revoked_keys.krl" in effective
    assert "trustedusercakeys /etc/ssh/ssh_ca/trusted_user_ca_keys.pub" in effective
    assert "authorizedprincipalsfile /etc/ssh/auth_principals/%u" in effective


def test_client_trusts_only_the_host_ca(host, seen):
    known = [line for line in host.file("/etc/ssh/ssh_known_hosts").content_string.split("\n")
             if line and not line.startswith("#")]
    assert known and all(line.startswith("@cert-authority ") for line in known), known
    for suite in ADDRESSES:
        login = seen["logins"]["host_" + suite]
        assert login["rc"] == 0 and login["stdout"] == "carol", (suite, login)
        assert login["host_serial"], login


def test_host_certificate_from_another_ca_is_refused(seen):
    login = seen["logins"]["impostor"]
    assert login["rc"] == 255, login
    assert "Host key verification failed" in login["stderr"], login


def test_host_certificates_are_served_for_the_host_keys(host):
    effective = host.run("sshd -T").stdout
    certs = [line.split()[1] for line in effective.split("\n") if line.startswith("hostcertificate ")]
    assert sorted(certs) == ["/etc/ssh/ssh_host_ed25519_key-cert.pub", "/etc/ssh/ssh_host_rsa_key-cert.pub"]
