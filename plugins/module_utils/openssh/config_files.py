# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which files sshd and ssh read for a configuration, and the validation copy that stands for them.

Shared by the server (sshd_apply.py) and the client (ssh_client_apply.py):
``Include`` expansion in the order the daemons read the files, the list of
files behind a main file, whether a main file reads a drop-in, the
validation copy in which every Include is spelled out with the candidate in
place of the live file, and who else sets a keyword (the first value wins).

Files are read with fileio.read_file (regular file, one link, no FIFO can
block, no symlink in the last component); ``owners`` limits whose files are
read at all (the client passes the user's uid for files of a user's config).
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
import shlex
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import split_lines

CONFIG_DIR = "/etc/ssh"


def read_text(path: str, owners: Optional[Iterable[int]] = None) -> Optional[str]:
    """A configuration file's text, or None when it is missing or refused by the reader's checks."""
    try:
        data = fileio.read_file(path, owners)
    except (OSError, fileio.FileRefused):
        return None
    return None if data is None else data.decode("utf-8", "replace")


def include_patterns(line: str) -> List[str]:
    """The patterns of an ``Include`` line, [] for any other line."""
    stripped = line.strip()
    if not stripped.lower().startswith("include"):
        return []
    try:
        words = shlex.split(stripped, comments=True)
    except ValueError:  # unbalanced quote: sshd refuses the file, sshd -t says so
        return []
    if len(words) < 2 or words[0].lower() != "include":
        return []
    return words[1:]


def absolute_pattern(pattern: str, base_dir: str = CONFIG_DIR) -> str:
    return pattern if os.path.isabs(pattern) else os.path.join(base_dir, pattern)


def expand_include(pattern: str, base_dir: str = CONFIG_DIR) -> List[str]:
    """Files an ``Include`` pattern names, in the order sshd reads them.

    sshd and ssh expand the pattern with glob(3), which sorts the names;
    relative patterns are taken from /etc/ssh (system files).
    """
    pattern = absolute_pattern(pattern, base_dir)
    if any(ch in pattern for ch in "*?["):
        return sorted(glob.glob(pattern))
    return [pattern] if os.path.exists(pattern) else []


def files_read(main_path: str, owners: Optional[Iterable[int]] = None, _seen: Optional[set] = None) -> List[str]:
    """Every file read for ``main_path``, main file first, includes in order."""
    seen = _seen if _seen is not None else set()
    if main_path in seen:
        return []
    content = read_text(main_path, owners)
    if content is None:
        return []
    seen.add(main_path)
    result = [main_path]
    for line in split_lines(content):
        for pattern in include_patterns(line):
            for path in expand_include(pattern):
                result.extend(files_read(path, owners, seen))
    return result


def main_includes(main_path: str, path: str) -> bool:
    """Does the main config read ``path`` (by name or through its directory's glob)?"""
    content = read_text(main_path)
    if content is None:
        return False
    directory = os.path.dirname(path)
    for line in split_lines(content):
        for pattern in include_patterns(line):
            full = absolute_pattern(pattern)
            if full == path or (os.path.dirname(full) == directory and
                                fnmatch.fnmatch(os.path.basename(path), os.path.basename(full))):
                return True
    return False


def validation_main(main_path: str, replace: Mapping[str, str], work: fileio.Directory,
                    name: str = "main.validate") -> str:
    """Write into ``work`` a copy of the main config in which every Include is spelled out.

    The daemon must validate the combination it will really read: the main
    file, each drop-in in glob order, with the candidate standing where the
    live file will be. Include lines become one Include per file (same
    order), with ``replace`` (live path -> candidate path) applied, and a
    candidate for a drop-in that does not exist yet added where the glob
    will find it. Returns the copy's path.
    """
    source = replace.get(main_path, main_path)
    content = read_text(source) or ""
    lines: List[str] = []
    for line in split_lines(content):
        patterns = include_patterns(line)
        if not patterns:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        for pattern in patterns:
            matched = expand_include(pattern)
            full = absolute_pattern(pattern)
            for live in replace:
                if live != main_path and live not in matched and fnmatch.fnmatch(live, full):
                    matched = sorted(matched + [live])
            for path in matched:
                lines.append("%sInclude %s" % (indent, replace.get(path, path)))
    work.write(name, ("\n".join(lines) + "\n").encode("utf-8"), mode=0o600)
    return os.path.join(work.path, name)


def who_sets(keyword: str, files: Sequence[str], own: str, names: Optional[Dict[str, str]] = None,
             owners: Optional[Iterable[int]] = None) -> List[str]:
    """``file:line: text`` of the other files that set ``keyword`` (first value wins).

    ``names`` maps validation copies to the files they stand for, so the
    message names the real file.
    """
    found = []
    pattern = re.compile(r"^\s*%s(\s|=)" % re.escape(keyword), re.IGNORECASE)
    for path in files:
        if path == own:
            continue
        content = read_text(path, owners)
        if content is None:
            continue
        shown = (names or {}).get(path, path)
        for number, line in enumerate(split_lines(content), 1):
            if pattern.match(line):
                found.append("%s:%d: %s" % (shown, number, line.strip()))
    return found
