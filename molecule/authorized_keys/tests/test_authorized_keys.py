"""Keys written by sshsuite.openssh.authorized_keys, as the real sshd sees them.

Every login runs inside the container under test, from root's client keys to
127.0.0.x. Each deliberate failure comes from its own source address
(127.0.0.2 and up), so OpenSSH 9.8+'s per-source penalties for failed logins
never hit the 127.0.0.1 logins of the other tests.
"""
import testlib

KEY = "/root/.ssh/ak_%s"


def login(host, user, key, command="id -un", source="127.0.0.1", options=()):
    options = tuple(options) + ("BindAddress=%s" % source,)
    return testlib.ssh(host, user, command=command, key=KEY % key, options=options)


def assert_refused(result):
    assert result.rc == 255, (result.stdout, result.stderr)
    assert "Permission denied" in result.stderr


# -- plain logins --------------------------------------------------------------

def test_every_key_type_logs_in(host):
    for key in ("plain", "rsa", "ecdsa"):
        result = login(host, "dave", key)
        assert result.rc == 0, (key, result.stderr)
        assert result.stdout.strip() == "dave"


def test_additive_mode_kept_the_key_added_by_hand(host):
    text = host.file("/home/dave/.ssh/authorized_keys").content_string
    assert "lab-hand" in text
    assert login(host, "dave", "hand").stdout.strip() == "dave"


def test_exclusive_mode_removed_the_key_added_by_hand(host):
    text = host.file("/home/carol/.ssh/authorized_keys").content_string
    assert text.startswith("# Managed by sshsuite.openssh.authorized_keys")
    assert "lab-hand" not in text and "carol's own notes" not in text
    assert login(host, "carol", "plain").stdout.strip() == "carol"
    assert_refused(login(host, "carol", "hand", source="127.0.0.4"))


def test_home_layout_modes_and_owners(host):
    for user in ("carol", "dave", "erin", "frank"):
        directory = host.file("/home/%s/.ssh" % user)
        keys = host.file("/home/%s/.ssh/authorized_keys" % user)
        assert directory.is_directory and not directory.is_symlink
        assert (directory.user, directory.group, directory.mode) == (user, user, 0o700)
        assert (keys.user, keys.group, keys.mode) == (user, user, 0o600)


# -- options enforced by sshd ----------------------------------------------------

def test_command_key_runs_only_its_command(host):
    result = login(host, "erin", "command", command="cat /etc/hostname; id -un")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "forced command for erin"
    line = host.file("/home/erin/.ssh/authorized_keys").content_string.strip()
    assert line.startswith('restrict,command="echo \\"forced command for $USER\\"" ssh-ed25519 ')


def test_from_key_is_refused_from_another_address(host):
    assert login(host, "frank", "from", source="127.0.0.1").stdout.strip() == "frank"
    assert_refused(login(host, "frank", "from", source="127.0.0.2"))


def test_restrict_blocks_forwarding_and_pty(host):
    forward = ("ExitOnForwardFailure=yes",)
    remote = "-R 127.0.0.1:2299:127.0.0.1:22"
    blocked = host.run("ssh -i %s -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no "
                       "-o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes %s grace@127.0.0.1 true"
                       % (KEY % "restrict", remote))
    assert blocked.rc == 255 and "forwarding failed" in blocked.stderr, blocked.stderr
    allowed = host.run("ssh -i %s -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no "
                       "-o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes %s dave@127.0.0.1 true"
                       % (KEY % "plain", remote.replace("2299", "2298")))
    assert allowed.rc == 0, allowed.stderr
    pty = login(host, "grace", "restrict", command="tty", options=forward + ("RequestTTY=force",))
    assert "not a tty" in pty.stdout


def test_expired_key_is_refused_and_a_future_one_accepted(host):
    assert_refused(login(host, "heidi", "expired", source="127.0.0.3"))
    assert login(host, "heidi", "future").stdout.strip() == "heidi"


def test_cert_authority_with_principals(host):
    result = host.run("ssh -i /root/.ssh/ak_judy -o CertificateFile=/root/.ssh/ak_judy-cert.pub "
                      "-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no "
                      "-o UserKnownHostsFile=/dev/null judy@127.0.0.1 id -un")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "judy"
    line = host.file("/home/judy/.ssh/authorized_keys").content_string.strip()
    assert line.startswith('cert-authority,principals="judy" ssh-ed25519 ')


# -- central layout ---------------------------------------------------------------

def test_central_layout_is_root_owned_and_used_by_sshd(host):
    directory = host.file("/etc/ssh/authorized_keys")
    keys = host.file("/etc/ssh/authorized_keys/ivan")
    assert (directory.user, directory.group, directory.mode) == ("root", "root", 0o755)
    assert (keys.user, keys.group, keys.mode) == ("root", "root", 0o644)
    assert not host.file("/home/ivan/.ssh/authorized_keys").exists
    effective = testlib.sshd_T(host, "user=ivan,host=client,addr=127.0.0.1")
    assert effective["authorizedkeysfile"] == ["/etc/ssh/authorized_keys/%u .ssh/authorized_keys"]
    assert login(host, "ivan", "central").stdout.strip() == "ivan"


def test_shared_users_still_log_in(host):
    """The sshd change for the central layout kept the home files working."""
    result = testlib.ssh(host, "alice")
    assert result.rc == 0, result.stderr
