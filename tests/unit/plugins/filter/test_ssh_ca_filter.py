# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the ssh_ca role."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.filter import ssh_ca

pytestmark = pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="needs openssh-client")


def key(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True)
    return open(str(path) + ".pub").read().strip()


def test_certificate_info(tmp_path):
    key(tmp_path / "ca")
    key(tmp_path / "u")
    subprocess.run(["ssh-keygen", "-q", "-s", str(tmp_path / "ca"), "-I", "alice id", "-n", "alice,ops", "-z", "42",
                    "-V", "20260101000000:20270101000000", "-O", "force-command=echo hi", str(tmp_path / "u.pub")],
                   check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    info = ssh_ca.certificate_info(open(str(tmp_path / "u-cert.pub")).read())
    assert info["serial"] == 42 and info["key_id"] == "alice id" and info["principals"] == ["alice", "ops"]
    assert (info["valid_from"], info["valid_to"]) == ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    assert info["critical_options"] == {"force-command": "echo hi"}
    assert info["key_type"] == "ssh-ed25519-cert-v01@openssh.com"
    with pytest.raises(AnsibleFilterError, match="plain key"):
        ssh_ca.certificate_info(open(str(tmp_path / "u.pub")).read())


def test_cert_authority_entries_and_principals(tmp_path):
    ca_key = key(tmp_path / "ca")
    entries = ssh_ca.ssh_ca_cert_authority_entries([ca_key], ["*.lab"])
    assert entries[0]["marker"] == "cert-authority" and entries[0]["hosts"] == ["*.lab"]
    with pytest.raises(AnsibleFilterError):
        ssh_ca.ssh_ca_cert_authority_entries([ca_key], [])
    assert ssh_ca.ssh_ca_principals(["web"], {"web": {"deploy": ["d"]}, "db": {"deploy": ["x"]}}) == {"deploy": ["d"]}
