# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shipped roles, playbooks and plugins use no other collection at run time.

Certified content may not depend on community collections, and galaxy.yml
declares no dependency. Every role, playbook and plugin file is read (new ones
included), and every collection name found in a task's module, an include_role,
a lookup, a filter/test or a Python import must be ansible.builtin or this
collection. The lab, Molecule and the benchmarks may use containers.podman and
ansible.posix: they are not shipped (galaxy.yml build_ignore) and not read here.
"""

from __future__ import annotations

import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALLOWED = {"ansible.builtin", "sshsuite.openssh"}
# A collection that a role may use only when present, with the rest working
# without it, goes here with the reason (none so far).
OPTIONAL: dict[str, str] = {}

FQCN = r"([a-z0-9_]+\.[a-z0-9_]+)\.[a-z0-9_]+"
YAML_USES = [
    re.compile(r"^\s*(?:-\s+)?" + FQCN + r":", re.M),  # a task's module
    re.compile(r"\bname:\s*['\"]?" + FQCN + r"\b"),  # include_role / import_role
    re.compile(r"\b(?:lookup|query|q)\(\s*['\"]" + FQCN),  # lookups
    re.compile(r"\|\s*" + FQCN + r"\b"),  # filters
    re.compile(r"\bis\s+(?:not\s+)?" + FQCN + r"\b"),  # tests
]
PYTHON_USES = re.compile(r"\bansible_collections\.([a-z0-9_]+\.[a-z0-9_]+)\b")


def shipped_files():
    patterns = ["roles/**/*.yml", "roles/**/*.yaml", "roles/**/*.j2", "playbooks/**/*.yml",
                "plugins/**/*.yml", "plugins/**/*.py", "meta/*.yml"]
    found = set()
    for pattern in patterns:
        found.update(glob.glob(os.path.join(ROOT, pattern), recursive=True))
    return sorted(os.path.relpath(path, ROOT) for path in found)


def collections_used(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".py"):
        return set(PYTHON_USES.findall(text))
    used = set()
    for pattern in YAML_USES:
        used.update(pattern.findall(text))
    return used


def test_there_are_files_to_check():
    files = shipped_files()
    assert any(path.startswith("roles/") for path in files)
    assert any(path.startswith("plugins/modules/") for path in files)


@pytest.mark.parametrize("path", shipped_files())
def test_no_other_collection_at_run_time(path):
    foreign = collections_used(path) - ALLOWED - set(OPTIONAL)
    assert not foreign, "%s uses %s: not allowed in shipped content (see this test's docstring)" % (
        path, ", ".join(sorted(foreign)))


def test_the_check_sees_a_community_module():
    """The patterns do find a community collection where a role would use one."""
    sample = "- name: x\n  community.general.nsupdate:\n    zone: z\n"
    assert YAML_USES[0].findall(sample) == ["community.general"]
    assert PYTHON_USES.findall("from ansible_collections.community.crypto.plugins import x") == ["community.crypto"]
