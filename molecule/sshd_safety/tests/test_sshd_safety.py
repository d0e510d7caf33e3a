"""After every refused or rolled-back case, the live config is untouched and sshd serves."""
import testlib


def test_live_sshd_config_is_byte_identical(host):
    before = host.file("/root/sshd_config.before.sha256").content_string.strip()
    now = host.run("sha256sum /etc/ssh/sshd_config").stdout.split()[0]
    assert now == before


def test_sshd_is_running_and_serving(host):
    assert host.service("ssh").is_running
    assert testlib.sshd_serving(host)


def test_key_login_still_works(host):
    result = testlib.ssh(host, "alice")
    assert result.rc == 0, result.stderr


def test_no_candidate_file_is_left_behind(host):
    assert host.run("ls /etc/ssh | grep -c sshsuite-candidate").stdout.strip() == "0"


def test_the_rolled_back_config_never_stayed(host):
    assert "192.0.2.1" not in host.file("/etc/ssh/sshd_config").content_string
