"""Keys written by sshsuite.openssh.authorized_keys, as the real sshd sees them.

Every login runs inside the container under test, from root's client keys to
127.0.0.1. Each deliberate failure comes from its own source address
(127.0.0.2 and up), so that OpenSSH 9.8+'s per-source penalties for failed
logins never hit the 127.0.0.1 logins of the other tests.

All logins of a host run in one go (one python3 inside the container, one
testinfra command), then each test reads its own outcome: a testinfra command
costs seconds on this lab, a login a few milliseconds.
"""
import json
import shlex

import pytest

import testlib

COMMON = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "StrictHostKeyChecking=no",
          "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes"]


def probe(user, key, command="id -un", source="127.0.0.1", extra=()):
    return (["ssh", "-i", "/root/.ssh/ak_%s" % key] + COMMON + ["-o", "BindAddress=%s" % source]
            + list(extra) + ["%s@127.0.0.1" % user, command])


PROBES = {
    "dave_plain": probe("dave", "plain"),
    "dave_rsa": probe("dave", "rsa"),
    "dave_ecdsa": probe("dave", "ecdsa"),
    "dave_hand": probe("dave", "hand"),
    "carol_plain": probe("carol", "plain"),
    "carol_hand": probe("carol", "hand", source="127.0.0.4"),
    "erin_command": probe("erin", "command", command="cat /etc/hostname; id -un"),
    "frank_from_allowed": probe("frank", "from", source="127.0.0.1"),
    "frank_from_other": probe("frank", "from", source="127.0.0.2"),
    "grace_forward": probe("grace", "restrict", command="true",
                           extra=["-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:2299:127.0.0.1:22"]),
    "dave_forward": probe("dave", "plain", command="true",
                          extra=["-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:2298:127.0.0.1:22"]),
    "grace_pty": probe("grace", "restrict", command="tty", extra=["-o", "RequestTTY=force"]),
    "dave_pty": probe("dave", "plain", command="tty", extra=["-o", "RequestTTY=force"]),
    "heidi_expired": probe("heidi", "expired", source="127.0.0.3"),
    "heidi_future": probe("heidi", "future"),
    "judy_certificate": probe("judy", "judy", extra=["-o", "CertificateFile=/root/.ssh/ak_judy-cert.pub"]),
    "ivan_central": probe("ivan", "central"),
    "alice_shared": ["ssh", "-i", testlib.CLIENT_KEY] + COMMON + ["alice@127.0.0.1", "id -un"],
}

FILES = ["/home/%s/.ssh" % user for user in ("carol", "dave", "erin", "frank")] + \
        ["/home/%s/.ssh/authorized_keys" % user for user in ("carol", "dave", "erin", "frank", "judy", "ivan")] + \
        ["/etc/ssh/authorized_keys", "/etc/ssh/authorized_keys/ivan"]

RUNNER = r"""
import grp, json, os, pwd, stat, subprocess, sys
probes, files = json.loads(sys.argv[1])
out = {"logins": {}, "files": {}}
for name, argv in probes.items():
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    out["logins"][name] = {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
for path in files:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        out["files"][path] = None
        continue
    entry = {"user": pwd.getpwuid(info.st_uid).pw_name, "group": grp.getgrgid(info.st_gid).gr_name,
             "mode": stat.S_IMODE(info.st_mode), "dir": stat.S_ISDIR(info.st_mode),
             "link": stat.S_ISLNK(info.st_mode)}
    if stat.S_ISREG(info.st_mode):
        entry["text"] = open(path).read()
    out["files"][path] = entry
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def seen(host):
    argument = json.dumps([PROBES, FILES])
    result = host.run("python3 -c %s %s" % (shlex.quote(RUNNER), shlex.quote(argument)))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def ok(seen, name, expected):
    login = seen["logins"][name]
    assert login["rc"] == 0, (name, login)
    assert login["stdout"].strip() == expected, (name, login)


def refused(seen, name):
    login = seen["logins"][name]
    assert login["rc"] == 255, (name, login)
    assert "Permission denied" in login["stderr"], (name, login)


# -- plain logins --------------------------------------------------------------

def test_every_key_type_logs_in(seen):
    for name in ("dave_plain", "dave_rsa", "dave_ecdsa"):
        ok(seen, name, "dave")


def test_additive_mode_kept_the_key_added_by_hand(seen):
    assert "lab-hand" in seen["files"]["/home/dave/.ssh/authorized_keys"]["text"]
    ok(seen, "dave_hand", "dave")


def test_exclusive_mode_removed_the_key_added_by_hand(seen):
    text = seen["files"]["/home/carol/.ssh/authorized_keys"]["text"]
    assert text.startswith("# Managed by sshsuite.openssh.authorized_keys")
    assert "lab-hand" not in text and "carol's own notes" not in text
    ok(seen, "carol_plain", "carol")
    refused(seen, "carol_hand")


def test_home_layout_modes_and_owners(seen):
    for user in ("carol", "dave", "erin", "frank"):
        directory = seen["files"]["/home/%s/.ssh" % user]
        keys = seen["files"]["/home/%s/.ssh/authorized_keys" % user]
        assert directory["dir"] and not directory["link"]
        assert (directory["user"], directory["group"], directory["mode"]) == (user, user, 0o700)
        assert (keys["user"], keys["group"], keys["mode"]) == (user, user, 0o600)


# -- options enforced by sshd ----------------------------------------------------

def test_command_key_runs_only_its_command(seen):
    ok(seen, "erin_command", "forced command for erin")
    line = seen["files"]["/home/erin/.ssh/authorized_keys"]["text"].strip()
    assert line.startswith('restrict,command="echo \\"forced command for $USER\\"" ssh-ed25519 ')


def test_from_key_is_refused_from_another_address(seen):
    ok(seen, "frank_from_allowed", "frank")
    refused(seen, "frank_from_other")


def test_restrict_blocks_forwarding_and_pty(seen):
    blocked = seen["logins"]["grace_forward"]
    assert blocked["rc"] == 255 and "forwarding failed" in blocked["stderr"], blocked
    allowed = seen["logins"]["dave_forward"]
    assert allowed["rc"] == 0, allowed
    # sshd refuses the PTY; newer clients then give up (rc 255), older ones run
    # the command without a terminal. Either way no /dev/pts for grace.
    pty = seen["logins"]["grace_pty"]
    assert "PTY allocation request failed" in pty["stderr"], pty
    assert "/dev/pts/" not in pty["stdout"], pty
    assert seen["logins"]["dave_pty"]["stdout"].startswith("/dev/pts/"), seen["logins"]["dave_pty"]


def test_expired_key_is_refused_and_a_future_one_accepted(seen):
    refused(seen, "heidi_expired")
    ok(seen, "heidi_future", "heidi")


def test_cert_authority_with_principals(seen):
    ok(seen, "judy_certificate", "judy")
    line = seen["files"]["/home/judy/.ssh/authorized_keys"]["text"].strip()
    assert line.startswith('cert-authority,principals="judy" ssh-ed25519 ')


# -- central layout ---------------------------------------------------------------

def test_central_layout_is_root_owned_and_used_by_sshd(host, seen):
    directory = seen["files"]["/etc/ssh/authorized_keys"]
    keys = seen["files"]["/etc/ssh/authorized_keys/ivan"]
    assert (directory["user"], directory["group"], directory["mode"]) == ("root", "root", 0o755)
    assert (keys["user"], keys["group"], keys["mode"]) == ("root", "root", 0o644)
    assert seen["files"]["/home/ivan/.ssh/authorized_keys"] is None
    effective = testlib.sshd_T(host, "user=ivan,host=client,addr=127.0.0.1")
    assert effective["authorizedkeysfile"] == ["/etc/ssh/authorized_keys/%u .ssh/authorized_keys"]
    ok(seen, "ivan_central", "ivan")


def test_shared_users_still_log_in(seen):
    """The sshd change for the central layout kept the home files working."""
    ok(seen, "alice_shared", "alice")
