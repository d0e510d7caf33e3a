"""The ssh_client role: what ssh -G reports, real logins through the bastion, known_hosts, user files.

Each container is a client; its bastion and target are the two other lab
containers of the pod (see molecule.yml). Logins use StrictHostKeyChecking=yes
with no user known_hosts file, so only the global file the role wrote counts.
"""
import shlex

import pytest

import testlib


def suite(host):
    """bullseye / bookworm / trixie, from the container name <scenario>-<suite>."""
    name = getattr(host.backend, "name", None) or getattr(host.backend, "host", None) or \
        host.backend.get_hostname()
    return name.rsplit("-", 1)[-1]


ADDRESS = {"bullseye": "127.0.0.2", "bookworm": "127.0.0.3", "trixie": "127.0.0.4"}
ROTATION = {"bullseye": ("bookworm", "trixie"), "bookworm": ("trixie", "bullseye"),
            "trixie": ("bullseye", "bookworm")}
DEBIAN = {"bullseye": "11", "bookworm": "12", "trixie": "13"}
STRICT = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null",
          "-o", "ConnectTimeout=10"]


def lab(host):
    name = suite(host)
    bastion, target = ROTATION[name]
    return name, ADDRESS[bastion], ADDRESS[target], DEBIAN[target]


def ssh_G(host, destination, user=None):
    command = "ssh -G %s" % shlex.quote(destination)
    if user:
        command = "runuser -u %s -- %s" % (user, command)
    result = host.run(command)
    assert result.rc == 0, result.stderr
    return testlib.parse_dump(result.stdout)


def ssh(host, destination, command, *options):
    argv = ["ssh"] + STRICT + list(options) + [destination, command]
    return host.run(" ".join(shlex.quote(a) for a in argv))


@pytest.fixture(autouse=True)
def no_masters(host):
    """Every test starts without control masters (sockets live in ~/.ssh/cm-*)."""
    host.run("for s in /root/.ssh/cm-*; do [ -S \"$s\" ] && ssh -o ControlPath=\"$s\" -O exit x; done; "
             "rm -f /root/.ssh/cm-*")
    yield


def test_system_file_layout(host):
    config = host.file("/etc/ssh/ssh_config")
    assert config.mode == 0o644 and config.user == "root"
    text = config.content_string
    assert text.startswith("# Managed by Ansible (sshsuite.openssh.ssh_client)")
    assert text.rstrip().endswith("Match all\nInclude /etc/ssh/ssh_config.d/*.conf")
    # the Match exec block stays first: it must win over the target's ProxyJump
    blocks = [line for line in text.splitlines() if line.startswith(("Host ", "Match "))]
    assert blocks == ['Match host target exec "test -e /run/sshsuite-direct"', "Host bastion", "Host target",
                      "Host impostor", "Host *", "Match all"]


def test_target_goes_through_the_bastion(host):
    _unused, bastion, target, _unused = lab(host)
    values = ssh_G(host, "target")
    assert values["hostname"] == [target]
    assert values["user"] == ["alice"]
    assert values["proxyjump"] == ["bastion"]
    assert values["controlmaster"] == ["auto"]
    assert values["controlpersist"] == ["60"]


def test_bastion_and_other_hosts_do_not_jump(host):
    _unused, bastion, _unused, _unused = lab(host)
    values = ssh_G(host, "bastion")
    assert values["hostname"] == [bastion] and "proxyjump" not in values
    other = ssh_G(host, "elsewhere.example")
    assert other["hostname"] == ["elsewhere.example"] and "proxyjump" not in other
    assert other["user"] == ["root"]


def test_profile_and_keepalive_apply_to_every_host(host):
    version = testlib.openssh_version(host)
    for destination in ("target", "bastion", "elsewhere.example"):
        values = ssh_G(host, destination)
        kex = values["kexalgorithms"][0].split(",")
        assert kex[-2:] == ["curve25519-sha256", "curve25519-sha256@libssh.org"]
        assert (kex[0] == "mlkem768x25519-sha256") == (version >= (10, 0))
        assert values["ciphers"] == ["chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes256-ctr,"
                                     "aes192-ctr,aes128-gcm@openssh.com,aes128-ctr"]
        assert values["macs"] == ["hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
                                  "umac-128-etm@openssh.com"]
        assert values["hashknownhosts"] == ["yes"]
        assert values["forwardagent"] == ["no"] and values["forwardx11"] == ["no"]
        assert values["serveraliveinterval"] == ["30"] and values["serveralivecountmax"] == ["3"]


def test_match_exec_per_network(host):
    try:
        host.run("touch /run/sshsuite-direct")
        assert "proxyjump" not in ssh_G(host, "target")
    finally:
        host.run("rm -f /run/sshsuite-direct")
    assert ssh_G(host, "target")["proxyjump"] == ["bastion"]


def test_login_through_the_bastion_reuses_one_multiplexed_connection(host):
    _unused, bastion, target, debian = lab(host)
    first = ssh(host, "target", "cat /etc/debian_version", "-v")
    assert first.rc == 0, first.stderr
    assert first.stdout.strip().split(".")[0] == debian or first.stdout.startswith(debian)
    # ProxyJump: the connection to the target runs through ssh -W via the bastion
    assert "Executing proxy command: exec ssh -v -W '[%s]:22' bastion" % target in first.stderr
    assert "Authenticated to %s (via proxy)" % target in first.stderr
    check = host.run("ssh -O check target")
    assert check.rc == 0 and "Master running" in check.stderr
    second = ssh(host, "target", "true", "-v")
    assert second.rc == 0, second.stderr
    assert "mux_client_request_session: master session id" in second.stderr
    # the second session rides on the first connection: no new jump, no new login
    assert "Executing proxy command" not in second.stderr
    assert "Authenticated to" not in second.stderr


def test_global_known_hosts_lets_strict_checking_connect(host):
    result = ssh(host, "bastion", "true", "-o", "ControlPath=none")
    assert result.rc == 0, result.stderr


def test_a_wrong_known_hosts_key_is_refused(host):
    result = ssh(host, "impostor", "true", "-o", "ControlPath=none")
    assert result.rc != 0
    assert "Host key verification failed" in result.stderr


def test_known_hosts_file(host):
    _unused, bastion, target, _unused = lab(host)
    known = host.file("/etc/ssh/ssh_known_hosts")
    assert known.mode == 0o644 and known.user == "root"
    lines = [line for line in known.content_string.splitlines() if line and not line.startswith("#")]
    assert lines and all(line.startswith("|1|") for line in lines)  # hashed, as asked
    for name in (bastion, target, "impostor", "ssh_client-" + suite(host)):
        assert host.run("ssh-keygen -F %s -f /etc/ssh/ssh_known_hosts" % name).rc == 0, name


def test_user_section_and_own_lines(host):
    _unused, _unused, target, _unused = lab(host)
    config = host.file("/home/alice/.ssh/config")
    assert config.user == "alice" and config.mode == 0o600
    assert host.file("/home/alice/.ssh").mode == 0o700
    text = config.content_string
    assert text.startswith("# BEGIN sshsuite.openssh managed section")
    assert text.endswith("# alice's own lines\nHost mine\n    User me\n    Port 2022\n")
    work = ssh_G(host, "work", user="alice")
    assert work["hostname"] == [target] and work["port"] == ["22"]
    mine = ssh_G(host, "mine", user="alice")
    assert mine["user"] == ["me"] and mine["port"] == ["2022"]
    # the system-wide file still applies to alice
    assert mine["controlmaster"] == ["auto"]


def test_dev_null_survives_the_logins(host):
    """8.4 with UpdateHostKeys yes replaced /dev/null when UserKnownHostsFile=/dev/null (as root):
    the profile leaves UpdateHostKeys alone before 8.5, and these tests run after the logins."""
    assert host.run("test -c /dev/null").rc == 0
