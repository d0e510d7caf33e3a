# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side validation copy of the action plugins' base (confirm.py)."""

from __future__ import annotations

from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import plain_data


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
