# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller half of ssh_ca_host: what it decides from the data and from the host's first answer,
before anything is signed or sent (no connection: the module is never executed here)."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.sshsuite.openssh.plugins.action.ssh_ca_host import ActionModule
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ca_host, keygen
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError
from ansible_collections.sshsuite.openssh.plugins.modules import ssh_ca_host as module

pytestmark = pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="needs openssh-client")


def make_key(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True)
    return open(str(path) + ".pub").read().strip()


def validated(**args):
    result = ArgumentSpecValidator(ca_host.CONTROLLER_SPEC).validate(args)
    assert not result.error_messages
    return result.validated_parameters


def action():
    return ActionModule.__new__(ActionModule)


def first_answer(tmp_path, hostname, fqdn):
    """The first module execution's answer as a compromised host could forge it."""
    host_key = make_key(tmp_path / "ssh_host_ed25519_key")
    return {"hostname": hostname, "fqdn": fqdn,
            "host_keys": [{"path": str(tmp_path / "ssh_host_ed25519_key"), "type": "ed25519", "public_key": host_key,
                           "certificate_path": str(tmp_path / "ssh_host_ed25519_key-cert.pub"), "certificate": None}]}


def test_a_host_cannot_name_itself_into_its_certificate(tmp_path):
    make_key(tmp_path / "host_ca")
    first = first_answer(tmp_path, "*", "db1.example.org")
    task_vars = {"inventory_hostname": "web1", "ansible_host": "192.0.2.10"}
    for from_host in (False, True):
        params = validated(host_ca={"private_key": str(tmp_path / "host_ca")}, host_principals_from_host=from_host)
        warnings = []
        requests, _unused = action()._requests(params, task_vars, first, warnings)
        assert requests[0].principals == ("web1", "192.0.2.10")
        assert len(warnings) == (2 if from_host else 0)


def test_host_names_under_a_configured_domain_are_signed(tmp_path):
    first = first_answer(tmp_path, "web1", "web1.example.org")
    params = validated(host_ca={"private_key": "/nonexistent"}, host_principals_from_host=True,
                       host_principal_domains=["example.org"])
    requests, _unused = action()._requests(params, {"inventory_hostname": "web1"}, first)
    assert requests[0].principals == ("web1", "web1.example.org")


def test_revoked_serials_without_a_trusted_ca_stop_the_run():
    """The KRL used to be built without them and installed: the 'revoked' serial still logged in."""
    params = validated(revoked={"serials": [42], "key_ids": ["bob-laptop"]})
    with pytest.raises(OpenSSHConfigError, match="would not revoke them"):
        action()._prepare(params)


def test_the_krl_sent_to_the_host_holds_every_revocation(tmp_path):
    user_ca = make_key(tmp_path / "user_ca")
    params = validated(revoked={"serials": [42], "key_ids": ["bob-laptop"]}, user_ca_keys=[user_ca])
    krl = base64.b64decode(action()._prepare(params)["install_krl"]["content"])
    (tmp_path / "krl").write_bytes(krl)
    ok, listing = keygen.krl_listing(keygen.local_run, str(tmp_path / "krl"))
    assert ok and "serial: 42" in listing.split("\n") and "id: bob-laptop" in listing.split("\n")


@pytest.mark.parametrize("args", [{"principals_directory": "/etc"}, {"principals_directory": "/etc/ssh"},
                                  {"krl_path": "/root/.ssh/authorized_keys"},
                                  {"trusted_user_ca_keys_path": "/etc/sudoers.d/ca"}])
def test_ca_paths_are_confined_on_the_controller(args):
    with pytest.raises(OpenSSHConfigError, match="allow_any_path|directory of their own"):
        action()._prepare(validated(principals={"alice": ["ops"]}, **args))


def test_allow_any_path_is_an_explicit_opt_in():
    args = action()._prepare(validated(principals={"alice": ["ops"]}, principals_directory="/srv/principals",
                                       allow_any_path=True))
    assert args["allow_any_path"] is True and args["install_principals"]["files"] == {"alice": ["ops"]}


def test_documentation_matches_the_argument_spec():
    documented = yaml.safe_load(module.DOCUMENTATION)["options"]

    def compare(doc, spec, where):
        assert set(doc) == set(spec), where
        for name, option in spec.items():
            assert doc[name].get("type", "str") == option.get("type", "str"), "%s.%s" % (where, name)
            assert doc[name].get("default") == option.get("default"), "%s.%s" % (where, name)
            if option.get("options"):
                compare(doc[name]["suboptions"], option["options"], "%s.%s" % (where, name))
    compare(documented, ca_host.ARGUMENT_SPEC, "ssh_ca_host")
