# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the authorized_keys_users filter (grants -> module users)."""

from __future__ import annotations

import base64
import struct

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.filter.authorized_keys import (
    FilterModule,
    authorized_keys_users,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import authorized_keys as ak


def ed(seed, comment):
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + bytes([seed]) * 32
    return "ssh-ed25519 %s %s" % (base64.b64encode(blob).decode(), comment)


ALICE, ALICE2, BOB, CAROL, ROBOT, LEAKED = (ed(i, c) for i, c in enumerate(
    ("alice@laptop", "alice@phone", "bob@laptop", "carol@laptop", "ci", "leaked"), start=1))

OWNERS = {
    "alice": [ALICE, {"key": ALICE2, "comment": "alice phone"}],
    "bob": BOB,
    "carol": [{"key": CAROL}],
    "ci-robot": [{"key": ROBOT, "options": {"restrict": True}}],
}
GROUPS = {"db-admins": ["alice", "bob"], "everyone": ["db-admins", "carol"]}


def users(grants, host="db1", groups=("db", "linux"), **kwargs):
    return authorized_keys_users(grants, OWNERS, host=host, groups=list(groups),
                                 key_groups=kwargs.pop("key_groups", GROUPS), **kwargs)


def test_registered_as_a_filter():
    assert FilterModule().filters()["authorized_keys_users"] is authorized_keys_users


def test_grants_by_group_host_and_options():
    result = users([
        {"accounts": ["postgres"], "keys": ["db-admins"], "hosts": ["db"], "options": {"from": ["10.0.0.0/8"]}},
        {"accounts": "deploy", "keys": "ci-robot", "options": {"command": "/usr/local/bin/deploy"}},
        {"accounts": ["alice"], "keys": ["alice"]},
        {"accounts": ["web"], "keys": ["everyone"], "hosts": ["web"]},
    ])
    assert [u["name"] for u in result] == ["postgres", "deploy", "alice"]
    postgres = result[0]
    assert [k["key"] for k in postgres["keys"]] == [ALICE, ALICE2, BOB]
    assert all(k["options"] == {"from": ["10.0.0.0/8"]} for k in postgres["keys"])
    assert postgres["keys"][1]["comment"] == "alice phone"
    assert result[1]["keys"] == [{"key": ROBOT, "options": {"restrict": True, "command": "/usr/local/bin/deploy"}}]
    assert result[2]["keys"] == [{"key": ALICE}, {"key": ALICE2, "comment": "alice phone"}]
    # the output is what the module accepts
    ak.build_requests(result)


def test_host_selection_by_name_and_all():
    grant = [{"accounts": ["ops"], "keys": ["carol"], "hosts": ["web3"]}]
    assert users(grant, host="web3") != [] and users(grant, host="db1") == []
    assert users([{"accounts": ["ops"], "keys": ["carol"], "hosts": "all"}], host="x", groups=[])[0]["name"] == "ops"


def test_same_key_through_two_grants_is_written_once():
    result = users([
        {"accounts": ["postgres"], "keys": ["db-admins"]},
        {"accounts": ["postgres"], "keys": ["everyone"]},
    ])
    assert [k["key"] for k in result[0]["keys"]] == [ALICE, ALICE2, BOB, CAROL]


def test_same_key_with_different_options_names_both_grants():
    with pytest.raises(AnsibleFilterError) as info:
        users([
            {"accounts": ["postgres"], "keys": ["db-admins"]},
            {"accounts": ["postgres"], "keys": ["bob"], "options": {"restrict": True}},
        ])
    assert "authorized_keys_grants[0]" in str(info.value) and "authorized_keys_grants[1]" in str(info.value)
    assert "authorized_keys_owners.bob[0]" in str(info.value)


def test_accounts_settings_and_absent_accounts():
    result = users([{"accounts": ["postgres"], "keys": ["bob"]}],
                   accounts={"postgres": {"exclusive": True}, "olduser": {"state": "absent"}, "unused": {"exclusive": False}})
    assert result == [
        {"name": "postgres", "exclusive": True, "keys": [{"key": BOB}]},
        {"name": "olduser", "state": "absent"},
    ]


def test_revoked_keys_are_removed_from_every_managed_account():
    result = users([{"accounts": ["postgres", "root"], "keys": ["bob"]}], revoked=[LEAKED])
    for user in result:
        assert user["keys"][-1] == {"key": LEAKED, "state": "absent"}
    with pytest.raises(AnsibleFilterError, match="revokes"):
        users([{"accounts": ["root"], "keys": ["bob"]}], revoked=[BOB])


def test_absent_grant_removes_keys():
    result = users([{"accounts": ["root"], "keys": ["bob"], "state": "absent"}])
    assert result[0]["keys"] == [{"key": BOB, "state": "absent"}]


def test_problems_are_reported_together_with_their_place():
    with pytest.raises(AnsibleFilterError) as info:
        authorized_keys_users(
            [
                {"accounts": ["a"], "keys": ["nobody"]},
                {"accounts": ["a"], "keys": ["loop"]},
                {"accounts": ["a"], "key": ["bob"]},
                {"accounts": ["a"], "keys": ["bob"], "state": "gone"},
            ],
            {"bob": [BOB], "broken": ["ssh-ed25519 AAAA"], "opts": ['restrict ' + BOB]},
            host="h", key_groups={"loop": ["loop2"], "loop2": ["loop"]},
        )
    text = str(info.value)
    assert "problems" in text
    assert "authorized_keys_owners.broken[0]" in text
    assert "authorized_keys_owners.opts[0]" in text and "under options" in text
    assert "'nobody' is neither a key owner nor a key group" in text
    assert "contains itself" in text
    assert "authorized_keys_grants[2]: unknown field(s) key" in text
    assert "authorized_keys_grants[3].state" in text


def test_option_conflict_between_key_and_grant():
    with pytest.raises(AnsibleFilterError, match="in the key owner's options but False in the grant"):
        users([{"accounts": ["deploy"], "keys": ["ci-robot"], "options": {"restrict": False}}])


def test_an_owner_option_cannot_undo_a_grants_restrict():
    """Issue 12 hole 5: restrict from the grant + port_forwarding from the owner rendered
    'restrict,...,port-forwarding', which sshd reads as forwarding allowed."""
    owners = dict(OWNERS, mallory=[{"key": LEAKED, "options": {"port_forwarding": True, "pty": True}}])
    with pytest.raises(AnsibleFilterError) as info:
        authorized_keys_users([{"accounts": ["deploy"], "keys": ["mallory"], "options": {"restrict": True}}],
                              owners, host="h")
    text = str(info.value)
    assert "port_forwarding: true would undo the grant's restrict" in text
    assert "pty: true would undo the grant's restrict" in text
    assert "authorized_keys_grants[0]" in text


def test_a_grant_may_allow_what_restrict_removed_and_an_owner_may_restrict_more():
    owners = dict(OWNERS, erin=[{"key": LEAKED, "options": {"agent_forwarding": False, "user_rc": False}}])
    result = authorized_keys_users([{"accounts": ["deploy"], "keys": ["erin"],
                                     "options": {"restrict": True, "port_forwarding": True}}], owners, host="h")
    assert result[0]["keys"][0]["options"] == {"agent_forwarding": False, "user_rc": False,
                                               "restrict": True, "port_forwarding": True}
    line = ak.build_requests(result)[0].present[0].line
    assert line.startswith("restrict,") and "port-forwarding" in line and "no-agent-forwarding" in line


def test_name_both_group_and_owner_is_ambiguous():
    with pytest.raises(AnsibleFilterError, match="both a key group and a key owner"):
        users([{"accounts": ["x"], "keys": ["bob"]}], key_groups={"bob": ["alice"]})


def test_absent_account_with_grants_is_an_error():
    with pytest.raises(AnsibleFilterError, match="absent but grants give it keys"):
        users([{"accounts": ["olduser"], "keys": ["bob"]}], accounts={"olduser": {"state": "absent"}})


def test_multi_line_owner_key_text():
    owners = {"gh": ALICE + "\n" + BOB + "\n"}
    result = authorized_keys_users([{"accounts": ["x"], "keys": ["gh"]}], owners, host="h")
    assert [k["key"] for k in result[0]["keys"]] == [ALICE, BOB]
