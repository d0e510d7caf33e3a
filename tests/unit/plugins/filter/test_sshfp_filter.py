# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the sshfp_entries filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.filter.sshfp import sshfp_entries

KEY = "4 2 " + "ab" * 32
EVIL = "4 2 " + "66" * 32


def result(name, zone="example.org.", records=(KEY,)):
    return {"entry": {"name": name, "zone": zone, "records": list(records)}}


def test_entries_of_every_host():
    hostvars = {"a": {"sshfp_records_result": {"entry": {"name": "a.z.", "zone": "z.", "records": ["4 2 aa"]}}},
                "b": {"sshfp_records_result": {"entry": {"name": "b.z.", "zone": "z.", "records": []}}}}
    assert sshfp_entries(hostvars, ["a", "b"]) == [{"name": "a.z.", "zone": "z.", "records": ["4 2 aa"]},
                                                   {"name": "b.z.", "zone": "z.", "records": []}]
    assert sshfp_entries(hostvars, ["a", "b"], zone="Z") == sshfp_entries(hostvars, ["a", "b"])


def test_a_host_without_records_is_named():
    with pytest.raises(AnsibleFilterError, match="no SSHFP records were computed for b"):
        sshfp_entries({"a": {"sshfp_records_result": result("a.z.", "z.", [])}, "b": {}}, ["a", "b"])
    with pytest.raises(AnsibleFilterError, match="not an inventory host"):
        sshfp_entries({}, ["x"])


def test_the_name_is_the_controllers_sshfp_name_or_inventory_name():
    hostvars = {"web1": {"inventory_hostname": "web1", "sshfp_name": "www", "sshfp_records_result":
                         result("www.example.org.")},
                "web2": {"inventory_hostname": "web2", "sshfp_records_result": result("web2.example.org.")},
                "web3": {"inventory_hostname": "web3", "sshfp_name": "web3.example.org.",
                         "sshfp_records_result": result("web3.example.org.")}}
    entries = sshfp_entries(hostvars, ["web1", "web2", "web3"], zone="example.org")
    assert [e["name"] for e in entries] == ["www.example.org.", "web2.example.org.", "web3.example.org."]


@pytest.mark.parametrize("forged", ["db1.example.org.", "example.org.", "web1.example.org.evil.", "www.other.test."])
def test_a_host_cannot_publish_its_key_under_another_name(forged):
    """The attack of review p5: a compromised web1 returns db1's (or the apex's) name with its own key."""
    hostvars = {"web1": {"inventory_hostname": "web1", "sshfp_name": "web1",
                         "sshfp_records_result": result(forged, records=[EVIL])}}
    with pytest.raises(AnsibleFilterError, match="a host never chooses the name"):
        sshfp_entries(hostvars, ["web1"], zone="example.org")
    with pytest.raises(AnsibleFilterError, match="a host never chooses the name"):
        sshfp_entries(hostvars, ["web1"])  # without zone=: the entry's own zone does not help either


def test_a_forged_zone_is_refused():
    hostvars = {"web1": {"inventory_hostname": "web1",
                         "sshfp_records_result": result("web1.example.org.evil.", zone="example.org.evil.")}}
    with pytest.raises(AnsibleFilterError, match="computed for the zone example.org.evil., this publication is for"):
        sshfp_entries(hostvars, ["web1"], zone="example.org")


def test_a_name_outside_the_zone_is_refused():
    hostvars = {"web1": {"inventory_hostname": "web1", "sshfp_name": "web1.other.test.",
                         "sshfp_records_result": result("web1.other.test.")}}
    with pytest.raises(AnsibleFilterError, match="not inside the zone example.org."):
        sshfp_entries(hostvars, ["web1"], zone="example.org")


def test_two_hosts_with_one_name_are_refused():
    hostvars = {"web1": {"sshfp_name": "www", "sshfp_records_result": result("www.example.org.")},
                "web2": {"sshfp_name": "www", "sshfp_records_result": result("www.example.org.", records=[EVIL])}}
    with pytest.raises(AnsibleFilterError, match="web1 and web2 both have the name www.example.org."):
        sshfp_entries(hostvars, ["web1", "web2"], zone="example.org")


@pytest.mark.parametrize("fact", ["sshfp_name", "sshfp_records_result"])
def test_a_fact_the_host_returned_cannot_rename_it(fact):
    """Facts a module returns become variables that override the inventory's sshfp_name."""
    hostvars = {"web1": {"inventory_hostname": "web1", "sshfp_name": "db1",
                         "ansible_facts": {fact: "db1"},
                         "sshfp_records_result": result("db1.example.org.", records=[EVIL])}}
    with pytest.raises(AnsibleFilterError, match="web1 has a fact named %s" % fact):
        sshfp_entries(hostvars, ["web1"], zone="example.org")
