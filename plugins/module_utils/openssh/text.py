# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one check for text that goes into a file, and the one way to split OpenSSH files into lines.

Every string that this collection writes into sshd_config, ssh_config,
authorized_keys, known_hosts or any other file passes ``check_text`` first,
on the controller (action plugins, filters) and again on the host (the same
function, shipped with the module). It refuses:

* C0 control characters (U+0000-U+001F: NUL, TAB, LF, CR ...) and DEL;
* C1 control characters (U+0080-U+009F, NEL U+0085 among them);
* the Unicode line and paragraph separators U+2028 and U+2029.

OpenSSH itself only ends a line at ``\\n``, but Python's ``str.splitlines()``
also splits at ``\\r``, ``\\v``, ``\\f``, ``\\x1c-\\x1e``, U+0085, U+2028 and
U+2029: text that one reader sees as one line another would see as two. So
OpenSSH files are split with ``split_lines`` (``\\n`` only), never with
``splitlines()``, and nothing that could be read as a line break by anyone is
ever written.

This file imports nothing of the collection but errors.py: every other
module_utils file may use it.
"""

from __future__ import annotations

import re
from typing import Any, List, Mapping

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

#: C0 controls, DEL, C1 controls and the Unicode line/paragraph separators.
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: the same, with TAB allowed (OpenSSH splits key lines on spaces and tabs).
FORBIDDEN_BUT_TAB = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")

_NAMES = {"\n": "LF (\\n)", "\r": "CR (\\r)", "\x00": "NUL", "\t": "TAB", "\x85": "NEL (U+0085)",
          "\u2028": "LINE SEPARATOR (U+2028)", "\u2029": "PARAGRAPH SEPARATOR (U+2029)"}


def describe_char(char: str) -> str:
    """A readable name for one refused character."""
    return _NAMES.get(char, "U+%04X" % ord(char))


def find_forbidden(text: str, allow_tab: bool = False):
    """The first refused character of ``text`` as a regex match, or None."""
    return (FORBIDDEN_BUT_TAB if allow_tab else FORBIDDEN).search(text)


def check_text(text: Any, where: str, what: str = "value", allow_tab: bool = False) -> str:
    """Refuse ``text`` unless it is a string free of every character listed above.

    ``where`` names the data (an inventory path such as ``sshd_settings.Banner``),
    ``what`` the kind of text in the message. Returns ``text`` unchanged.
    """
    if not isinstance(text, str):
        raise OpenSSHConfigError("%s must be a string, got %s" % (what, type(text).__name__), where)
    found = find_forbidden(text, allow_tab)
    if found:
        raise OpenSSHConfigError(
            "%s contains the control character %s at position %d: line breaks and other control "
            "characters are never written to a file (they could inject a line)"
            % (what, describe_char(found.group()), found.start()),
            where,
        )
    return text


def check_tree(value: Any, where: str) -> None:
    """check_text() on every string inside ``value`` (mapping keys included)."""
    if isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                check_text(key, where, "name %r" % key)
            check_tree(item, "%s.%s" % (where, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_tree(item, "%s[%d]" % (where, index))


def split_lines(text: str) -> List[str]:
    """Lines as OpenSSH reads them: split at ``\\n`` only, a final newline ends the last line.

    ``"a\\nb\\n"`` -> ``["a", "b"]``; ``"a\\u2028b"`` -> ``["a\\u2028b"]`` (one line,
    which the callers then refuse or keep verbatim). A ``\\r`` before the
    ``\\n`` stays part of the line, as it does for OpenSSH.
    """
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def check_path(path: Any, where: str, what: str = "path") -> str:
    """An absolute path with no refused character and no ``..`` component."""
    check_text(path, where, what)
    if not path.startswith("/"):
        raise OpenSSHConfigError("%s %r must be absolute (start with /)" % (what, path), where)
    if any(part == ".." for part in path.split("/")):
        raise OpenSSHConfigError("%s %r must not contain a '..' component" % (what, path), where)
    if any(char in path for char in " \"'\\*?["):
        raise OpenSSHConfigError(
            "%s %r must not contain spaces, quotes, backslashes or wildcards" % (what, path), where)
    return path


def check_managed_path(path: Any, where: str, root: str, allow_any: bool = False,
                       purpose: str = "where OpenSSH reads its configuration") -> str:
    """check_path(), and inside ``root`` (the directory the daemon reads its files from).

    Outside ``root`` only with ``allow_any`` (the operator's explicit opt-in):
    otherwise a typo or a hostile inventory could make the module write
    /etc/sudoers.d/x or read /etc/shadow into a diff. ``purpose`` says what
    ``root`` is, in the message.
    """
    check_path(path, where)
    if not allow_any and not (path + "/").startswith(root.rstrip("/") + "/"):
        raise OpenSSHConfigError(
            "%r is outside %s, %s; set allow_any_path: true (role "
            "variable *_allow_any_path) if this is really meant" % (path, root, purpose), where)
    return path
