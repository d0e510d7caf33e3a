# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one text check and the one line splitter (text.py)."""

from __future__ import annotations

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import text
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

REFUSED = ["\n", "\r", "\x00", "\t", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c"]


@pytest.mark.parametrize("char", REFUSED, ids=[repr(c) for c in REFUSED])
def test_every_line_breaking_or_control_character_is_refused(char):
    with pytest.raises(OpenSSHConfigError, match="control character"):
        text.check_text("a%sb" % char, "where")


def test_tab_only_where_allowed():
    assert text.check_text("a\tb", "w", allow_tab=True) == "a\tb"
    for char in ("\n", "\u2028", "\x85"):
        with pytest.raises(OpenSSHConfigError):
            text.check_text("a%sb" % char, "w", allow_tab=True)


def test_ordinary_unicode_passes():
    assert text.check_text("café – ünïcode ✓", "w") == "café – ünïcode ✓"


def test_split_lines_splits_on_newline_only():
    assert text.split_lines("a\u2028b\x85c\rd\x0be\nf\n") == ["a\u2028b\x85c\rd\x0be", "f"]
    assert text.split_lines("") == []
    assert text.split_lines("a") == ["a"]
    assert text.split_lines("a\n\nb") == ["a", "", "b"]


def test_check_tree_names_the_place():
    with pytest.raises(OpenSSHConfigError) as info:
        text.check_tree({"a": [{"b": "x\u2029y"}]}, "data")
    assert info.value.where == "data.a[0].b"


@pytest.mark.parametrize("path", ["relative/x", "/etc/ssh\n/x", "/etc/../x", "/etc/ssh d", "/etc/*.conf",
                                  "/etc/ssh\u2028x"])
def test_check_path_refuses(path):
    with pytest.raises(OpenSSHConfigError):
        text.check_path(path, "config_path")


def test_check_path_accepts():
    assert text.check_path("/etc/ssh/sshd_config.d", "dropin_dir") == "/etc/ssh/sshd_config.d"
