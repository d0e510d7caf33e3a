# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sftp and sftp_preflight modules: documentation that matches the argument specs, and the
preflight asking this machine's own sshd -T which chroot an account gets."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import root_owned_base
import yaml

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sftp, sftp_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import ApplyFailed
from ansible_collections.sshsuite.openssh.plugins.modules import sftp as sftp_module
from ansible_collections.sshsuite.openssh.plugins.modules import sftp_preflight as preflight_module

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
ROOT = os.geteuid() == 0


def _compare(documented, spec, where):
    assert set(documented) == set(spec), where
    for name, option in spec.items():
        doc = documented[name]
        assert doc.get("type", "str") == option.get("type", "str"), "%s.%s" % (where, name)
        assert doc.get("default") == option.get("default"), "%s.%s" % (where, name)
        assert doc.get("elements") == option.get("elements"), "%s.%s" % (where, name)
        assert doc.get("description"), "%s.%s" % (where, name)
        if option.get("options"):
            _compare(doc["suboptions"], option["options"], "%s.%s" % (where, name))


@pytest.mark.parametrize("module,spec", [(sftp_module, sftp.ARGUMENT_SPEC),
                                         (preflight_module, sftp_host.PREFLIGHT_SPEC)])
def test_documentation_matches_the_argument_spec(module, spec):
    documentation = yaml.safe_load(module.DOCUMENTATION)
    _compare(documentation["options"], spec, documentation["module"])
    assert documentation["author"] == ["sshsuite.openssh contributors (@sshsuite)"]
    for attribute in ("check_mode", "diff_mode"):
        assert documentation["attributes"][attribute]["description"]
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


def run(argv):
    done = subprocess.run(list(argv), capture_output=True, text=True, env={"LC_ALL": "C", "PATH": os.environ["PATH"]}, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.skipif(SSHD is None or not ROOT, reason="needs sshd and root")
def test_preflight_asks_sshd_which_jail_an_account_gets():
    # the jails under /run (root-owned parents); sshd's files elsewhere: without /run/sshd,
    # sshd -T runs in a private mount namespace with an empty /run of its own
    top = root_owned_base()
    base = tempfile.mkdtemp(prefix="sshsuite-preflight-", dir=top)
    files = tempfile.mkdtemp(prefix="sshsuite-preflight-")
    try:
        os.chmod(base, 0o755)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(files, "key")], check=True)
        jails = os.path.join(base, "jails")
        os.mkdir(jails, 0o775)
        os.chmod(jails, 0o775)  # group-writable: sshd would refuse every login below it
        config = os.path.join(files, "sshd_config")
        with open(config, "w") as handle:
            handle.write("HostKey %s/key\nSubsystem sftp internal-sftp -l VERBOSE\n"
                         "Match User daemon Address 127.0.0.1\n"
                         "    ChrootDirectory %s/%%u\n"
                         "    ForceCommand internal-sftp -d /upload -u 0022 -l INFO -f AUTH -R\n" % (files, jails))
        params = {"users": ["daemon"], "groups": [], "addresses": ["127.0.0.1", "192.0.2.1"], "config": config,
                  "fail_on": "fail"}
        with pytest.raises(ApplyFailed) as caught:
            sftp_host.preflight_config(params, run)
        results = caught.value.result["results"]
        assert [r["address"] for r in results] == ["127.0.0.1", "192.0.2.1"]
        here, elsewhere = results
        assert here["chroot_directory"] == jails + "/%u"      # sshd -T prints tokens unexpanded
        assert here["chroot"] == jails + "/daemon"
        assert here["verdict"] == "refuse"
        assert here["sshd_verdict"] == 'refuse: bad ownership or modes for chroot directory component "%s/"' % jails
        assert ("flags", "fail") in [(f["rule"], f["level"]) for f in here["findings"]]  # -R dropped by sshd
        assert elsewhere["verdict"] == "no chroot" and elsewhere["findings"] == []
        assert "daemon from 127.0.0.1" in caught.value.message
        params["fail_on"] = "never"
        assert sftp_host.preflight_config(params, run)["ok"] is False
    finally:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(files, ignore_errors=True)
