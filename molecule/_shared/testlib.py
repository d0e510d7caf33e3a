"""Helpers shared by the testinfra verifiers of every scenario.

Every login goes over loopback inside the container under test (or inside its
pod): the lab has no other network.
"""
import shlex

CLIENT_KEY = "/root/.ssh/id_ed25519"


def suite(host):
    """bullseye / bookworm / trixie, from the inventory name <scenario>-<suite>."""
    return host.backend.name.rsplit("-", 1)[-1]


def openssh_version(host):
    out = host.run("ssh -V 2>&1").stdout
    return tuple(int(x) for x in out.split("_", 1)[1].split("p", 1)[0].split(".")[:2])


def parse_dump(text):
    result = {}
    for line in text.splitlines():
        key, _unused, value = line.strip().partition(" ")
        if key:
            result.setdefault(key.lower(), []).append(value)
    return result


def sshd_T(host, spec=None, config="/etc/ssh/sshd_config"):
    """Effective sshd configuration as {keyword: [values]}; spec is 'user=...,addr=...'."""
    # sshd -T needs /run/sshd, which systemd removes when sshd (or a socket-
    # activated per-connection instance) stops.
    cmd = "mkdir -p /run/sshd && sshd -T -f %s" % shlex.quote(config)
    if spec:
        cmd += " -C %s" % shlex.quote(spec)
    result = host.run(cmd)
    assert result.rc == 0, result.stderr
    return parse_dump(result.stdout)


def ssh(host, user, command="id -un", address="127.0.0.1", port=22, key=CLIENT_KEY,
        options=(), client="ssh"):
    """Run a real ssh login inside the container; returns testinfra's CommandResult."""
    argv = [client, "-p", str(port), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR"]
    if key:
        argv += ["-i", key, "-o", "IdentitiesOnly=yes"]
    for option in options:
        argv += ["-o", option]
    argv += ["%s@%s" % (user, address), command]
    return host.run(" ".join(shlex.quote(a) for a in argv))


def sshd_serving(host, address="127.0.0.1", port=22):
    """True when something on address:port answers with an SSH banner."""
    probe = ("import socket,sys; s=socket.create_connection((%r,%d),5); "
             "sys.exit(0 if s.recv(64).startswith(b'SSH-') else 1)" % (address, port))
    return host.run("python3 -c %s" % shlex.quote(probe)).rc == 0


# testinfra has no native podman backend behind its ansible one: it would start
# ansible-playbook for every command (about a second each). The containers are
# ours and local, so talk to them with `podman exec` directly.
import pytest  # noqa: E402
import testinfra  # noqa: E402


@pytest.fixture(scope="module")
def host(_testinfra_host):
    backend = _testinfra_host.backend
    name = getattr(backend, "host", None) or backend.get_hostname()
    return testinfra.get_host("podman://%s" % name)
