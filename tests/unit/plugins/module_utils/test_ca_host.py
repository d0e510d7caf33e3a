# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ca_host.py on a scratch directory tree: the files sshd will point to, the KRL guard, the host keys
sshd -T names, and certificates written only next to them. Needs root (files are root-owned)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ca, ca_host, keygen
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="needs root (root-owned files)"),
              pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="needs openssh-client")]


def make_key(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True)
    return open(str(path) + ".pub").read().strip()


@pytest.fixture
def tree(tmp_path):
    os.chmod(tmp_path, 0o755)
    return tmp_path


def fake_run(hostkeys, hostcerts=()):
    """sshd -T answers with the given hostkey lines; ssh-keygen really runs."""
    dump = "".join("hostkey %s\n" % k for k in hostkeys) + "".join("hostcertificate %s\n" % c for c in hostcerts)

    def run(argv):
        if any(str(a).endswith("sshd") for a in argv) and "-T" in argv:
            return 0, dump, ""
        return keygen.local_run(argv)
    return run


def params(**items):
    base = {"install_trusted_user_ca_keys": None, "install_principals": None, "install_krl": None,
            "install_certificates": [], "collect_host_keys": False, "host_key_types": [],
            "config_path": "/nonexistent", "reload": False, "service": None}
    renamed = {"trusted_user_ca_keys": "install_trusted_user_ca_keys", "principals": "install_principals",
               "krl": "install_krl", "certificates": "install_certificates", "collect": "collect_host_keys"}
    base.update({renamed.get(name, name): value for name, value in items.items()})
    return base


def krl_b64(sections):
    return base64.b64encode(keygen.build_krl(sections)).decode()


def test_principals_files_root_owned_and_exclusive(tree):
    directory = tree / "auth_principals"
    spec = {"directory": str(directory), "files": {"alice": "alice\nops\n", "bob": "bob\n"}, "exclusive": True}
    result = ca_host.apply(params(principals=spec), fake_run([]))
    assert result["changed"] and sorted(result["principals"]["changed"]) == ["alice", "bob"]
    assert (directory / "alice").read_text() == "alice\nops\n"
    assert oct(os.stat(directory / "alice").st_mode & 0o777) == "0o644"
    (directory / "mallory").write_text("root\n")
    spec["files"] = {"alice": "alice\nops\n"}
    result = ca_host.apply(params(principals=spec), fake_run([]))
    assert result["principals"]["removed"] == ["bob", "mallory"]
    assert sorted(os.listdir(directory)) == ["alice"]
    assert not ca_host.apply(params(principals=spec), fake_run([]))["changed"]


def test_check_mode_writes_nothing(tree):
    spec = {"directory": str(tree / "p"), "files": {"alice": "alice\n"}, "exclusive": True}
    krl = {"path": str(tree / "ssh_ca" / "krl"), "content": krl_b64([])}
    trusted = {"path": str(tree / "ssh_ca" / "trusted.pub"), "content": "# x\n"}
    result = ca_host.apply(params(principals=spec, krl=krl, trusted_user_ca_keys=trusted), fake_run([]),
                           check_mode=True)
    assert result["changed"] and not result["krl"]["valid"]
    assert sorted(os.listdir(tree)) == []


def test_krl_installed_once_then_unchanged_although_rebuilt(tree):
    user_ca = make_key(tree / "user_ca")
    sections = ca.krl_sections(ca.revocations_from_data({"serials": [7], "key_ids": ["lost"]}),
                               [ca.keys.parse_public_key(user_ca)])
    path = tree / "ssh_ca" / "revoked_keys.krl"
    first = ca_host.apply(params(krl={"path": str(path), "content": krl_b64(sections)}), fake_run([]))
    assert first["krl"]["changed"] and first["krl"]["valid"] and "serial: 7" in first["krl"]["entries"]
    import time
    time.sleep(1.1)
    again = ca_host.apply(params(krl={"path": str(path), "content": krl_b64(sections)}), fake_run([]))
    assert not again["changed"] and again["krl"]["valid"]


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"ssh-ed25519 AAAA\n"])
def test_broken_or_empty_krl_is_refused_and_the_installed_one_stays(tree, content):
    path = tree / "ssh_ca" / "revoked_keys.krl"
    ca_host.apply(params(krl={"path": str(path), "content": krl_b64([])}), fake_run([]))
    before = path.read_bytes()
    with pytest.raises(OpenSSHConfigError, match="ssh-keygen -Q -l rejects it"):
        ca_host.apply(params(krl={"path": str(path), "content": base64.b64encode(content).decode()}), fake_run([]))
    assert path.read_bytes() == before


def test_krl_that_revokes_a_trusted_ca_is_refused(tree):
    user_ca = make_key(tree / "user_ca")
    trusted = {"path": str(tree / "ssh_ca" / "trusted.pub"), "content": "# managed\n%s\n" % user_ca}
    krl = {"path": str(tree / "ssh_ca" / "krl"), "content": krl_b64([(None, "key: %s\n" % user_ca)])}
    with pytest.raises(OpenSSHConfigError, match="revokes the trusted user CA key"):
        ca_host.apply(params(trusted_user_ca_keys=trusted, krl=krl), fake_run([]))
    assert not (tree / "ssh_ca" / "krl").exists()


def test_host_keys_collected_and_certificates_only_next_to_them(tree):
    make_key(tree / "ssh_host_ed25519_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(tree / "ssh_host_rsa_key")],
                   check=True)
    os.unlink(tree / "ssh_host_rsa_key.pub")  # derived with ssh-keygen -y
    host_ca = make_key(tree / "host_ca")
    hostkeys = [str(tree / "ssh_host_ed25519_key"), str(tree / "ssh_host_rsa_key"), str(tree / "missing_key")]
    result = ca_host.apply(params(collect=True, host_key_types=["ed25519", "rsa"]), fake_run(hostkeys))
    found = {item["type"]: item for item in result["host_keys"]}
    assert sorted(found) == ["ed25519", "rsa"] and found["rsa"]["certificate"] is None
    only = ca_host.apply(params(collect=True, host_key_types=["ed25519"]), fake_run(hostkeys))
    assert [item["type"] for item in only["host_keys"]] == ["ed25519"]
    request = ca.CertRequest("x", "host", ca.keys.parse_public_key(found["ed25519"]["public_key"]), "host:x", ["x"],
                             ca.Window(duration=86400))
    decisions = ca.plan([request], {}, ca.keys.parse_public_key(host_ca), 1_800_000_000, 0.5)
    with keygen.Signer(host_ca, private_key=str(tree / "host_ca")) as signer:
        ca.sign_planned(decisions, signer, ca.Registry(str(tree / "state")), ca.keys.parse_public_key(host_ca),
                        1_800_000_000)
    cert = decisions[0]["certificate"].text()
    with pytest.raises(OpenSSHConfigError, match="not <host key>-cert.pub"):
        ca_host.apply(params(certificates=[{"path": str(tree / "elsewhere-cert.pub"), "content": cert}]),
                      fake_run(hostkeys))
    done = ca_host.apply(params(certificates=[{"path": hostkeys[0] + "-cert.pub", "content": cert}]),
                         fake_run(hostkeys))
    assert done["certificates_installed"] == [hostkeys[0] + "-cert.pub"]
    assert ca_host.apply(params(collect=True), fake_run(hostkeys))["host_keys"][0]["certificate"] == cert
