# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The map of module_utils/openssh that docs/architecture.md draws, enforced.

Fails when a module_utils file imports a private name (``_x``) of another, when a
file imports one of a higher layer, when a new file is not on the map, and when
the client pipeline imports the server's. The worst holes found so far came from
copies that disagreed; private imports and upward imports are how copies start.
"""

from __future__ import annotations

import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins")
UTILS = os.path.join(ROOT, "module_utils", "openssh")
PACKAGE = "ansible_collections.sshsuite.openssh.plugins.module_utils.openssh"

#: lower layers first; a file may import its own layer and the ones below.
LAYERS = [
    ("foundation", ["errors", "text", "version"]),
    ("data and files", ["catalogue", "fileio", "keygen", "keys", "values"]),
    ("formats and policies", ["authorized_keys", "ca", "chroot", "client_profiles", "compliance", "config_files",
                              "effective", "keepalive", "known_hosts", "profiles", "render", "rollback", "sftp",
                              "sshfp"]),
    ("host steps", ["guard", "sshd_host"]),
    ("pipelines", ["ca_host", "module_shell", "sftp_host", "ssh_client_apply", "sshd_apply", "sshfp_dns",
                   "sshfp_host"]),
]
LAYER_OF = {name: index for index, (_unused, names) in enumerate(LAYERS) for name in names}


def _files():
    return sorted(f[:-3] for f in os.listdir(UTILS) if f.endswith(".py") and f != "__init__.py")


def _imports(name):
    """(imported module_utils file, imported names) for every import of ``name``."""
    with open(os.path.join(UTILS, name + ".py")) as handle:
        tree = ast.parse(handle.read())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            rest = node.module[len(PACKAGE):].lstrip(".")
            if rest:
                found.append((rest, [alias.name for alias in node.names]))
            else:
                for alias in node.names:
                    found.append((alias.name, []))
    return found


def _attribute_uses(name):
    """module.attr uses of other module_utils files (``profiles._offered``)."""
    with open(os.path.join(UTILS, name + ".py")) as handle:
        tree = ast.parse(handle.read())
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            uses.append((aliases[node.value.id], node.attr))
    return uses


def test_every_file_is_on_the_map():
    assert sorted(LAYER_OF) == _files(), "add new module_utils files to LAYERS (and docs/architecture.md)"


@pytest.mark.parametrize("name", _files())
def test_no_private_names_of_other_files(name):
    private = [(module, item) for module, items in _imports(name) for item in items if item.startswith("_")]
    private += [(module, attr) for module, attr in _attribute_uses(name) if attr.startswith("_")]
    assert not private, "%s uses private names of other files: %s (make them public there)" % (name, private)


@pytest.mark.parametrize("name", _files())
def test_no_import_from_a_higher_layer(name):
    own = LAYER_OF[name]
    higher = [module for module, _unused in _imports(name) if LAYER_OF.get(module, -1) > own]
    assert not higher, "%s (%s) imports %s from a higher layer" % (name, LAYERS[own][0], higher)


def test_the_client_pipeline_does_not_import_the_server_pipeline():
    imported = {module for module, _unused in _imports("ssh_client_apply")}
    assert not imported & {"sshd_apply", "sshd_host", "guard"}


def test_module_utils_import_nothing_of_the_controller_plugins():
    for name in _files():
        with open(os.path.join(UTILS, name + ".py")) as handle:
            text = handle.read()
        assert "plugins.action" not in text and "plugins.plugin_utils" not in text and "ansible.plugins" not in text
