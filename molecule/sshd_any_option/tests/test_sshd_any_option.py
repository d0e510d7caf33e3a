"""The sshd role renders any keyword from data, and sshd uses exactly those values."""
import testlib


def test_global_values_are_effective(host):
    eff = testlib.sshd_T(host)
    assert eff["port"] == ["22", "2222"]
    assert eff["passwordauthentication"] == ["no"]
    assert eff["logingracetime"] == ["60"]
    assert eff["clientaliveinterval"] == ["300"]
    assert eff["maxauthtries"] == ["4"]
    assert eff["ciphers"] == ["chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr"]
    assert eff["allowusers"] == ["alice", "bob", "root"]
    assert eff["subsystem"] == ["sftp internal-sftp"]
    key = "pubkeyacceptedkeytypes" if testlib.openssh_version(host) < (8, 5) else "pubkeyacceptedalgorithms"
    assert eff[key] == ["ssh-ed25519,rsa-sha2-512,rsa-sha2-256"]


def test_match_block_applies_to_matching_user_only(host):
    bob = testlib.sshd_T(host, "user=bob,host=client,addr=127.0.0.1")
    alice = testlib.sshd_T(host, "user=alice,host=client,addr=127.0.0.1")
    assert bob["permittty"] == ["no"]
    assert bob["forcecommand"] == ["/bin/echo restricted"]
    assert alice["permittty"] == ["yes"]
    assert "forcecommand" not in alice or alice["forcecommand"] == ["none"]


def test_address_match_block(host):
    inside = testlib.sshd_T(host, "user=alice,host=client,addr=10.1.2.3")
    outside = testlib.sshd_T(host, "user=alice,host=client,addr=10.2.0.1")
    assert inside["maxauthtries"] == ["2"]
    assert outside["maxauthtries"] == ["4"]


def test_file_is_managed_and_readable(host):
    text = host.file("/etc/ssh/sshd_config").content_string
    assert text.startswith("# Managed by Ansible")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    first_match = next(i for i, line in enumerate(lines) if line.startswith("Match "))
    assert all(line.startswith(("Match ", " ", "\t")) for line in lines[first_match:])
    assert "Include /etc/ssh/sshd_config.d/*.conf" in lines[:first_match]
    # issue 19: 0600 by default (CIS Debian, SCAP Security Guide), root-owned
    assert host.file("/etc/ssh/sshd_config").mode == 0o600


def test_host_keys_exist_and_are_the_ones_served(host):
    eff = testlib.sshd_T(host)
    assert sorted(eff["hostkey"]) == ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key"]
    rsa = host.run("ssh-keygen -l -f /etc/ssh/ssh_host_rsa_key.pub").stdout.split()
    assert int(rsa[0]) >= 3072
    assert host.file("/etc/ssh/ssh_host_ed25519_key").mode == 0o600


def test_key_login_works_on_both_ports(host):
    for port in (22, 2222):
        result = testlib.ssh(host, "alice", port=port)
        assert result.rc == 0, result.stderr
        assert result.stdout.strip() == "alice"


def test_password_login_is_refused(host):
    result = testlib.ssh(host, "mallory", key=None,
                         options=("PreferredAuthentications=password,keyboard-interactive",
                                  "PubkeyAuthentication=no"))
    assert result.rc == 255
    assert "Permission denied (publickey)" in result.stderr


def test_forced_command_is_enforced_for_the_matching_user_only(host):
    assert testlib.ssh(host, "bob", command="echo free").stdout.strip() == "restricted"
    assert testlib.ssh(host, "alice", command="echo free").stdout.strip() == "free"


def test_backup_of_the_previous_file_was_kept(host):
    backups = host.run("ls /etc/ssh/ | grep -c '^sshd_config\\..*~$'").stdout.strip()
    assert int(backups) >= 1
