"""The modern client of each release against stock and modern servers of each release.

Every container of the pod is a client and two servers: the sshd role's
modern profile on 127.0.0.N:22 and a stock Debian sshd on 127.0.0.N:2200.
Logins check the host key against the global known_hosts the ssh_client role
wrote from the inventory (StrictHostKeyChecking=yes, no user file), with the
client's system-wide configuration (the role's drop-in) or, for the
post-quantum-only client, /etc/ssh/ssh_config.pq_only.

Each client writes its row of the matrix to the scenario's ephemeral
directory (matrix-<suite>.txt), so the outcome is on record, failures
included.
"""
import os
import re
import shlex

import pytest

SERVERS = [("bullseye", "8.4", "127.0.0.2"), ("bookworm", "9.2", "127.0.0.3"), ("trixie", "10.0", "127.0.0.4")]
KINDS = [("stock", 2200), ("modern", 22)]
RELEASE = {"bullseye": "8.4", "bookworm": "9.2", "trixie": "10.0"}
AUDIT_PORT = {"bullseye": 2302, "bookworm": 2303, "trixie": 2304}
PQ_ONLY = "/etc/ssh/ssh_config.pq_only"
DEBIAN_CLIENT_13 = "Hardened Debian Client 13 (version 1)"


def suite(host):
    name = getattr(host.backend, "name", None) or getattr(host.backend, "host", None) or \
        host.backend.get_hostname()
    return name.rsplit("-", 1)[-1]


def login(host, address, port, config=None):
    argv = ["ssh"]
    if config:
        argv += ["-F", config]
    argv += ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10",
             "-o", "UserKnownHostsFile=/root/.ssh/matrix_known_hosts", "-i", "/root/.ssh/id_ed25519",
             "-p", str(port), "alice@%s" % address, "id -un"]
    host.run("touch /root/.ssh/matrix_known_hosts")
    return host.run(" ".join(shlex.quote(a) for a in argv))


def record(host, label, rows):
    directory = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/tmp")
    path = os.path.join(directory, "matrix-%s-%s.txt" % (suite(host), label))
    with open(path, "w") as handle:
        handle.write("\n".join(rows) + "\n")


def run_matrix(host, config=None):
    rows, outcome = [], {}
    client = RELEASE[suite(host)]
    for name, release, address in SERVERS:
        for kind, port in KINDS:
            result = login(host, address, port, config)
            ok = result.rc == 0 and result.stdout.strip() == "alice"
            why = "" if ok else (result.stderr.strip().splitlines() or ["rc=%d" % result.rc])[-1]
            outcome[(release, kind)] = (ok, why)
            rows.append("client %-5s -> %-6s server %-5s  %s %s"
                        % (client, kind, release, "login" if ok else "FAIL ", why))
    return rows, outcome


def test_modern_client_reaches_every_server(host):
    rows, outcome = run_matrix(host)
    record(host, "modern", rows)
    failed = [row for row in rows if "FAIL" in row]
    assert not failed, "\n".join(rows)


def test_pq_only_client_fails_only_against_8_4(host):
    if suite(host) == "bullseye":
        # the role refused pq_only on 8.4 (converge asserts the reason): no file
        assert not host.file(PQ_ONLY).exists
        pytest.skip("OpenSSH 8.4 has no post-quantum key exchange: pq_only is refused")
    rows, outcome = run_matrix(host, PQ_ONLY)
    record(host, "pq_only", rows)
    for (release, kind), (ok, why) in outcome.items():
        if release == "8.4":
            assert not ok and "no matching key exchange method found" in why, (release, kind, why)
        else:
            assert ok, "\n".join(rows)


def client_audit(host, port, config=None, policy=None):
    """ssh-audit's client audit on loopback: the scanner listens, ssh connects once."""
    audit = "cd /opt && timeout 30 python3 -m ssh_audit -c -p %d%s" % (
        port, (" -P %s" % shlex.quote(policy)) if policy else "")
    ssh = "ssh %s-o BatchMode=yes -o ConnectTimeout=10 -p %d 127.0.0.1 true" % (
        ("-F %s " % config) if config else "", port)
    script = "(%s > /tmp/ssh-audit-client.txt 2>&1 &) ; sleep 2; %s; sleep 2; cat /tmp/ssh-audit-client.txt" % (
        audit, ssh)
    return re.sub(r"\x1b\[[0-9;]*m", "", host.run(script).stdout)


def test_ssh_audit_modern_client_has_no_fail(host):
    text = client_audit(host, AUDIT_PORT[suite(host)])
    record(host, "ssh-audit-modern", text.splitlines())
    assert "# key exchange algorithms" in text, text
    fails = [line for line in text.splitlines() if "[fail]" in line]
    assert not fails, "\n".join(fails)


def test_pq_only_client_passes_the_debian_13_client_policy(host):
    if suite(host) != "trixie":
        pytest.skip("the Hardened Debian Client 13 policy is for trixie (OpenSSH 10.0)")
    text = client_audit(host, AUDIT_PORT["trixie"], PQ_ONLY, DEBIAN_CLIENT_13)
    record(host, "ssh-audit-pq_only-policy", text.splitlines())
    assert "Passed" in text and "Failed" not in text, text


def test_the_client_configuration_is_a_dropin(host):
    dropin = host.file("/etc/ssh/ssh_config.d/00-sshsuite.conf")
    assert dropin.mode == 0o644 and dropin.content_string.startswith("# Managed by Ansible")
    assert "Include /etc/ssh/ssh_config.d/*.conf" in host.file("/etc/ssh/ssh_config").content_string
    values = host.run("ssh -G example.org").stdout
    assert "hashknownhosts yes" in values.splitlines()
