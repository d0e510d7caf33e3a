# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/sshfp_host.py: real key files, a stand-in for sshd -T."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys, sshfp, sshfp_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

SSH_KEYGEN = shutil.which("ssh-keygen")
pytestmark = [pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen not installed"),
              pytest.mark.skipif(os.geteuid() != 0, reason="host keys are read with root's checks")]


def keygen(path, kind, pem=False):
    args = [SSH_KEYGEN, "-q", "-N", "", "-t", kind, "-f", path] + (["-m", "PEM"] if pem else [])
    subprocess.run(args + (["-b", "2048"] if kind == "rsa" else []), check=True)
    with open(path + ".pub") as handle:
        return keys.parse_public_key(handle.read())


@pytest.fixture
def lab(tmp_path):
    os.chmod(str(tmp_path), 0o755)
    d = str(tmp_path)
    found = {"rsa": keygen(d + "/rsa", "rsa", pem=True), "ed": keygen(d + "/ed", "ed25519"),
             "ecdsa": keygen(d + "/ecdsa", "ecdsa"), "ed_new": keygen(d + "/ed_new", "ed25519")}
    return d, found


def runner(dump, calls):
    def run(argv):
        calls.append(list(argv))
        if "-T" in argv:
            return 0, dump, ""
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        return done.returncode, done.stdout, done.stderr
    return run


def params(**more):
    base = {"name": "web1", "zone": "lab.test", "hash_types": ["sha256"], "pending_host_keys": [],
            "rotate_to": [], "ttl": 60, "config": "/etc/ssh/sshd_config", "sshd": "/usr/sbin/sshd"}
    base.update(more)
    return base


def test_records_of_served_keys(lab):
    d, k = lab
    dump = "port 22\nhostkey %s/rsa\nhostkey %s/missing\nhostkey %s/ed\nhostkey %s/ecdsa\n" % (d, d, d, d)
    calls = []
    result = sshfp_host.apply(params(), runner(dump, calls))
    assert result["name"] == "web1.lab.test." and result["entry"]["zone"] == "lab.test."
    assert [item["path"] for item in result["keys"]] == [d + "/rsa", d + "/ed", d + "/ecdsa"]
    expected = sshfp.records_for_key(k["rsa"]) + sshfp.records_for_key(k["ed"]) + sshfp.records_for_key(k["ecdsa"])
    assert result["records"] == sshfp.texts(expected)
    assert result["skipped"][0]["path"] == d + "/missing"
    # only the PEM key needed ssh-keygen -y; the OpenSSH-format keys were read in-process
    assert [c for c in calls if c[0] == "ssh-keygen"] == [["ssh-keygen", "-y", "-f", d + "/rsa"]]


def test_a_pub_file_that_disagrees_is_reported_and_ignored(lab):
    d, k = lab
    shutil.copy(d + "/ed_new.pub", d + "/ed.pub")
    result = sshfp_host.apply(params(), runner("hostkey %s/ed\n" % d, []))
    assert result["records"] == sshfp.texts(sshfp.records_for_key(k["ed"]))
    assert "does not match the private key" in result["warnings"][0]


def test_pending_key_of_a_served_algorithm_is_refused(lab):
    d, k = lab
    dump = "hostkey %s/ecdsa\nhostkey %s/ed\n" % (d, d)
    with pytest.raises(OpenSSHConfigError, match="Stop serving .*/ed first"):
        sshfp_host.apply(params(pending_host_keys=[d + "/ed_new"]), runner(dump, []))
    dump = "hostkey %s/ecdsa\n" % d
    result = sshfp_host.apply(params(pending_host_keys=[d + "/ed_new"]), runner(dump, []))
    assert result["pending"][0]["path"] == d + "/ed_new"
    assert sshfp.texts(sshfp.records_for_key(k["ed_new"]))[0] in result["records"]


def test_rotation_plan(lab):
    d, k = lab
    dump = "hostkey %s/ecdsa\nhostkey %s/ed\n" % (d, d)
    result = sshfp_host.apply(params(rotate_to=[d + "/ecdsa", d + "/ed_new"]), runner(dump, []))
    steps = result["rotation"]
    assert [s["hostkeys"] for s in steps] == [[d + "/ecdsa"], [d + "/ecdsa"], [d + "/ecdsa", d + "/ed_new"]]
    assert steps[1]["pending"] == [d + "/ed_new"] and steps[1]["wait_seconds"] == 60


def test_no_served_key_is_an_error(lab):
    d, _unused = lab
    with pytest.raises(OpenSSHConfigError, match="serves no host key"):
        sshfp_host.apply(params(), runner("hostkey %s/none\n" % d, []))
