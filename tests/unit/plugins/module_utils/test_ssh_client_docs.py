# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The examples of docs/ssh_client.md are valid: checked on the controller,
rendered for the controller's OpenSSH and read back with its ``ssh -G``.

Every fenced yaml block after an ``<!-- example: NAME -->`` line is a set of
role variables; they are mapped to the module's parameters the way
roles/ssh_client/tasks/main.yml maps them, and ``apply`` runs in check mode
on files in a temporary directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ssh_client_apply as client

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "docs", "ssh_client.md")
ROLE_TO_MODULE = {
    "ssh_client_settings": "settings",
    "ssh_client_blocks": "blocks",
    "ssh_client_users": "users",
    "ssh_client_profile_options": "profile_options",
}


def examples():
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    found = re.findall(r"<!-- example: ([a-z-]+) -->\s*```yaml\n(.*?)```", text, re.S)
    assert len(found) >= 6, "docs/ssh_client.md lost its examples"
    return found


def run(argv):
    done = subprocess.run(list(argv), capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"), check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("name, text", examples(), ids=[e[0] for e in examples()])
def test_documented_example(name, text, tmp_path, monkeypatch):
    data = yaml.safe_load(text)
    params = {key: spec.get("default") for key, spec in client.ARGUMENT_SPEC.items()}
    params.update(profile="modern", dead_peer_timeout="5m", backup=False,
                  config_path=str(tmp_path / "ssh_config"), dropin_dir=str(tmp_path / "ssh_config.d"),
                  allow_any_path=True)
    for key, value in data.items():
        if key in ROLE_TO_MODULE:
            params[ROLE_TO_MODULE[key]] = value
        elif key == "ssh_client_known_hosts":
            params["known_hosts"] = {"path": str(tmp_path / "ssh_known_hosts"), "entries": value,
                                     "exclusive": False, "hash": data.get("ssh_client_known_hosts_hash", False)}
        elif key not in ("ssh_client_known_hosts_hash", "ssh_client_known_hosts_from_inventory"):
            pytest.fail("the docs use %s, which this test does not map" % key)
    client.precheck(params)
    if shutil.which("ssh") is None or shutil.which("setpriv") is None:
        pytest.skip("no ssh/setpriv on the controller")
    home = tmp_path / "home"
    home.mkdir()
    me = {"uid": os.getuid(), "gid": os.getgid(), "home": str(home)}
    monkeypatch.setattr(client, "account", lambda user: dict(me, name=user))
    result = client.apply(params, run, check_mode=True)
    assert result["mismatches"] == []
    assert result["changed"]
    assert not (tmp_path / "ssh_config").exists()
