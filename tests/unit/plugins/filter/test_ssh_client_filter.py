# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for plugins/filter/ssh_client.py."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.filter.ssh_client import (
    hosts_without_host_keys,
    known_hosts_from_hostvars,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import known_hosts

ED = "AAAAC3NzaC1lZDI1NTE5AAAAIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"


def facts(ed25519=True):
    result = {}
    if ed25519:
        result.update(ssh_host_key_ed25519_public=ED, ssh_host_key_ed25519_public_keytype="ssh-ed25519")
    return {"ansible_facts": result}


HOSTVARS = {
    "web1": dict(facts(), ansible_host="192.0.2.1"),
    "web2": dict(facts(), ansible_port=2222),
    "bastion": dict(facts(), ssh_client_known_host_names=["bastion", "127.0.0.3", "[127.0.0.3]:2200"]),
    "new": facts(ed25519=False),
}


def test_entries_use_inventory_names_addresses_and_ports():
    entries = known_hosts_from_hostvars(HOSTVARS, ["web1", "web2", "bastion"])
    assert entries[0] == {"hosts": ["web1", "192.0.2.1"], "keys": ["ssh-ed25519 " + ED]}
    assert entries[1] == {"hosts": ["web2"], "port": 2222, "keys": ["ssh-ed25519 " + ED]}
    assert entries[2]["hosts"] == ["bastion", "127.0.0.3", "[127.0.0.3]:2200"]
    # what the filter returns is what the module accepts
    assert len(known_hosts.entries_from_data(entries)) == 3


def test_hosts_without_facts_are_named():
    assert hosts_without_host_keys(HOSTVARS, ["web1", "new"]) == ["new"]
    with pytest.raises(AnsibleFilterError, match="no ed25519/rsa host key facts for new"):
        known_hosts_from_hostvars(HOSTVARS, ["web1", "new"])


def test_unknown_key_type_and_host():
    with pytest.raises(AnsibleFilterError, match="unknown key type"):
        known_hosts_from_hostvars(HOSTVARS, ["web1"], ["dsa"])
    with pytest.raises(AnsibleFilterError, match="not an inventory host"):
        known_hosts_from_hostvars(HOSTVARS, ["nope"])
