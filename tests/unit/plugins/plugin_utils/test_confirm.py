# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side validation copy of the action plugins' base (confirm.py)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import plain_data, validate_args


class TaggedStr(str):
    """Stands for Ansible's tagged strings: a str subclass deepcopy cannot take the fast path for."""


class TaggedList(list):
    pass


def test_plain_data_is_plain_and_equal():
    args = {"users": TaggedList([{"name": TaggedStr("alice"), "keys": [{"key": TaggedStr("ssh-ed25519 AAAA")}]}]),
            "exclusive": True, "rsa_min_bits": 2048}
    plain = plain_data(args)
    assert plain == args
    assert not isinstance(plain["users"], TaggedList) and not isinstance(plain["users"][0]["name"], TaggedStr)
    assert plain["users"] is not args["users"]


def test_plain_data_keeps_what_json_cannot_carry():
    class Vaulted(object):
        pass

    args = {"tsig_secret": Vaulted()}
    assert plain_data(args) is args


def test_validate_args_names_the_module_and_returns_plain_parameters():
    spec = {"users": {"type": "list", "elements": "str", "required": True}, "exclusive": {"type": "bool"}}
    params = validate_args(spec, {"users": TaggedList([TaggedStr("alice")]), "exclusive": "yes"}, "authorized_keys")
    assert params == {"users": ["alice"], "exclusive": True}
    assert not isinstance(params["users"], TaggedList)
    with pytest.raises(AnsibleActionFail, match=r"^ssh_config: .*users"):
        validate_args(spec, {"exclusive": True}, "ssh_config")
