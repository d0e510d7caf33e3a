"""The module's work was real: alice's config was written, and nothing of alice's is in root's files."""


def test_alice_config_was_written_by_the_normal_runs(host):
    config = host.file("/home/alice/.ssh/config")
    assert config.user == "alice" and config.mode == 0o600
    assert "ServerAliveInterval 49" in config.content_string


def test_no_validation_directory_is_left(host):
    assert host.run("ls -d /tmp/sshsuite-ssh-* 2>/dev/null | wc -l").stdout.strip() == "0"


def test_root_files_did_not_become_alices(host):
    out = host.run("find /etc /root -user alice 2>/dev/null").stdout.strip()
    assert out == ""
