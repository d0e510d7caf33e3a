# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the sshfp_entries filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.filter.sshfp import sshfp_entries


def test_entries_of_every_host():
    hostvars = {"a": {"sshfp_records_result": {"entry": {"name": "a.z.", "zone": "z.", "records": ["4 2 aa"]}}},
                "b": {"sshfp_records_result": {"entry": {"name": "b.z.", "zone": "z.", "records": []}}}}
    assert sshfp_entries(hostvars, ["a", "b"]) == [{"name": "a.z.", "zone": "z.", "records": ["4 2 aa"]},
                                                   {"name": "b.z.", "zone": "z.", "records": []}]


def test_a_host_without_records_is_named():
    with pytest.raises(AnsibleFilterError, match="no SSHFP records were computed for b"):
        sshfp_entries({"a": {"sshfp_records_result": {"entry": {"name": "a.z.", "records": []}}}, "b": {}}, ["a", "b"])
    with pytest.raises(AnsibleFilterError, match="not an inventory host"):
        sshfp_entries({}, ["x"])
