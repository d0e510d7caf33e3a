"""Drop-in mode gives the requested effective values and leaves every other file alone."""
import testlib


def test_requested_values_win_over_cloud_init(host):
    eff = testlib.sshd_T(host)
    assert eff["passwordauthentication"] == ["no"]
    assert eff["x11forwarding"] == ["no"]
    assert eff["clientaliveinterval"] == ["120"]
    assert eff["maxauthtries"] == ["3"]
    assert host.file("/etc/ssh/sshd_config.d/50-cloud-init.conf").contains("PasswordAuthentication yes")


def test_match_block_in_the_dropin_applies(host):
    assert testlib.sshd_T(host, "user=bob,host=c,addr=127.0.0.1")["permittty"] == ["no"]
    assert testlib.sshd_T(host, "user=alice,host=c,addr=127.0.0.1")["permittty"] == ["yes"]


def test_main_file_is_untouched(host):
    stock = host.file("/root/sshd_config.stock.sha256").content_string.split()[0]
    assert host.run("sha256sum /etc/ssh/sshd_config").stdout.split()[0] == stock


def test_dropin_is_managed_and_has_no_include(host):
    dropin = host.file("/etc/ssh/sshd_config.d/00-sshsuite.conf")
    assert dropin.mode == 0o600 and dropin.user == "root"  # issue 19
    assert dropin.content_string.startswith("# Managed by Ansible")
    assert "Include" not in dropin.content_string


def test_password_login_refused_key_login_works(host):
    assert testlib.ssh(host, "alice").stdout.strip() == "alice"
    refused = testlib.ssh(host, "mallory", key=None,
                          options=("PreferredAuthentications=password", "PubkeyAuthentication=no"))
    assert refused.rc == 255


def test_socket_activation_is_kept_and_serves_the_new_config(host):
    assert host.run("systemctl is-active ssh.socket").stdout.strip() == "active"
    assert host.run("systemctl is-enabled ssh.service").stdout.strip() == "disabled"
    assert host.run("systemctl is-enabled ssh.socket").stdout.strip() == "enabled"
    assert testlib.sshd_T(host)["logingracetime"] == ["45"]
    assert testlib.ssh(host, "alice").stdout.strip() == "alice"
