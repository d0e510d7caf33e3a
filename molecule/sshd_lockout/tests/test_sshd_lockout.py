"""After every lockout case and the kill test: the baseline is live, sshd serves, and every
Match criterion's block is what sshd -T -C reports."""
import os
import subprocess

import testlib


def test_the_baseline_is_live(host):
    baseline = host.file("/root/sshd_config.baseline.sha256").content_string.strip()
    assert host.run("sha256sum /etc/ssh/sshd_config").stdout.split()[0] == baseline


def test_sshd_is_active_and_serving(host):
    assert host.run("systemctl is-active ssh").stdout.strip() == "active"
    assert testlib.sshd_serving(host)


def test_no_rollback_is_left_pending(host):
    """Confirmed rollbacks are gone; one that ran (the kill test's) keeps its report for the next
    run, which shows it as a warning and removes it."""
    names = host.run("ls /var/lib/sshsuite/rollback 2>/dev/null").stdout.split()
    for name in names:
        assert host.file("/var/lib/sshsuite/rollback/%s/restored.json" % name).exists, name
    assert host.run("systemctl list-timers --all --no-legend 'sshsuite-rollback-*' | wc -l").stdout.strip() == "0"


def test_a_fresh_key_login_over_ssh_works(host):
    name = host.backend.name
    key = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "deploy_ed25519")
    done = subprocess.run(
        ["ssh", "-i", key, "-o", "ProxyCommand=podman exec -i %s python3 /opt/scenario/relay.py 22" % name,
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
         "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "deploy@%s" % name, "id -un"],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "deploy", done.stderr


def test_every_match_criterion_applies_where_it_should(host):
    def value(spec, key):
        out = host.run("sshd -T -C %s" % spec).stdout
        return [line.split(None, 1)[1] for line in out.splitlines() if line.startswith(key + " ")]
    base = "user=deploy,host=h,addr=127.0.0.1,laddr=127.0.0.1,lport=22"
    assert value("user=bob,host=h,addr=127.0.0.1,laddr=127.0.0.1,lport=22", "x11forwarding") == ["no"]
    assert value("user=alice,host=h,addr=127.0.0.1,laddr=127.0.0.1,lport=22", "allowtcpforwarding") == ["no"]
    assert value("user=alice,host=web.example.org,addr=192.0.2.7,laddr=127.0.0.1,lport=22", "maxsessions") == ["3"]
    assert value("user=deploy,host=h,addr=192.0.2.9,laddr=127.0.0.1,lport=22", "maxauthtries") == ["2"]
    assert value("user=deploy,host=h,addr=127.0.0.1,laddr=127.0.0.9,lport=22", "permittty") == ["no"]
    assert value("user=deploy,host=h,addr=127.0.0.1,laddr=127.0.0.1,lport=2222", "forcecommand") == ["internal-sftp"]
    assert value(base, "forcecommand") == ["none"]
    assert value(base + ",rdomain=blue", "maxsessions") == ["2"]
    assert value(base, "loglevel") == ["VERBOSE"]


def test_the_second_port_serves_sftp_only(host):
    assert "2222" in host.run("ss -ltn").stdout
