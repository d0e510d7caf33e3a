# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mapping + ordered Match/Host blocks -> the text of sshd_config or ssh_config.

``render_config(daemon, settings, match_blocks, version, header, self_path=None)``

Layout of the text (stable, so a re-run with the same data is byte-identical):

1. the managed header: the caller's text, every line as a ``# `` comment;
2. ``Include`` lines, in the order given;
3. every other global keyword, sorted alphabetically by canonical name
   (case-insensitive), which is also the order sshd_config(5) and
   ssh_config(5) use, so a reader finds a keyword where the man page has it;
   values of one keyword keep the order given (HostKey, Port ...);
4. the blocks, in the order given (order matters: for sshd the first matching
   block that sets a keyword wins, for ssh the first obtained value wins), each
   as its ``Match``/``Host`` line followed by its keywords indented by four
   spaces, in the same alphabetical order (Include first).

Checks (all problems are collected and raised together):

* keyword known for the daemon and the target version (catalogue.resolve):
  a renamed keyword is written under the name the version knows
  (PubkeyAcceptedAlgorithms -> PubkeyAcceptedKeyTypes on 8.4), a too-new or
  removed one is an error naming the version; a keyword the target accepts
  but ignores (Protocol, UsePrivilegeSeparation ...) is an error too: it can
  never show up in the effective configuration, so the data would claim
  something that does not happen;
* the same keyword given twice (in any spelling, or old and new name);
* values (values.render_value);
* sshd: keywords not allowed in Match; Subsystem inside Match needs 9.5+ and a
  global Subsystem line (10.0p2 ``sshd -T -C`` crashes with SIGSEGV without one);
* Match criteria: known for the version, argument present or absent as the
  criterion needs, ``All`` alone (sshd; ssh allows it with canonical/final);
  a pattern list made only of negations (``User !root``,
  ``Address !10.0.0.0/8``, ``Host !bastion``) never matches (verified on 8.4,
  9.2, 10.0) and is an error: write ``*,!root``;
* ssh: a keyword set globally (before any Host/Match line) and again in a block:
  ssh keeps the first value it reads, so the block's value can never apply;
* Include lines must not include the file itself (``self_path``); relative
  patterns are taken relative to /etc/ssh and to the file's own directory.
"""

from __future__ import annotations

import fnmatch
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue, values
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import split_lines
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import vtuple

INDENT = "    "
DAEMONS = ("sshd", "ssh")

#: criteria whose argument is a pattern list that a negation-only list never matches.
_NOT_PATTERN_LISTS = frozenset({"exec", "version"})
_SELF_STANDING_SSH = frozenset({"canonical", "final"})


def _lines_for(daemon: str, settings: Any, version: str, where: str, problems: Problems,
               in_block: bool) -> Tuple[Dict[str, Tuple[Any, List[str]]], List[str]]:
    """Resolve, check and render one mapping of settings.

    Returns ({canonical name: (Keyword, rendered values)}, include lines).
    """
    rendered: Dict[str, Tuple[Any, List[str]]] = {}
    given_as: Dict[str, str] = {}
    if settings is None:
        return rendered, []
    if not isinstance(settings, Mapping):
        problems.add(f"expected a mapping of keyword to value, got {type(settings).__name__}", where)
        return rendered, []
    for name, value in settings.items():
        item_where = f"{where}.{name}"
        try:
            name = values.check_keyword_name(name, item_where)
        except OpenSSHConfigError as error:
            problems.add(error.message, error.where or item_where)
            continue
        if value is None:
            continue  # "not set": lets roles pass optional settings straight through
        if name.lower() in ("match", "host"):
            problems.add(f"{name} is not a setting: give it as a block", item_where)
            continue
        try:
            keyword = catalogue.resolve(daemon, name, version) if version else catalogue.lookup(daemon, name)
        except OpenSSHConfigError as error:
            problems.add(error.message, item_where)
            continue
        if keyword.block:
            problems.add(f"{keyword.name} is not a setting: give it as a block", item_where)
            continue
        if version and keyword.deprecated_in(version):
            problems.add(
                f"{keyword.name} is accepted but ignored by OpenSSH {version} (deprecated since "
                f"{keyword.deprecated}); remove it" + (f" ({keyword.note})" if keyword.note else ""),
                item_where,
            )
            continue
        if keyword.name in given_as:
            problems.add(
                f"{keyword.name} is given twice (as {given_as[keyword.name]!r} and {name!r})", item_where
            )
            continue
        given_as[keyword.name] = name
        if in_block and daemon == "sshd":
            if not catalogue.allowed_in_match(daemon, keyword.name, version):
                since = f" before OpenSSH {keyword.match_since}" if keyword.match_since and keyword.match else ""
                target = f" (target: {version})" if version else ""
                problems.add(f"{keyword.name} is not allowed inside a Match block{since}{target}", item_where)
                continue
        try:
            lines = values.render_value(keyword, value, item_where, version)
        except OpenSSHConfigError as error:
            problems.add(error.message, error.where or item_where)
            continue
        if in_block and keyword.value == "subsystem" and any('"' in line or "'" in line for line in lines):
            # 10.0p2 keeps the quotes of a global Subsystem but drops them inside Match
            problems.add("quotes in a Subsystem command are lost inside a Match block (OpenSSH 10.0 drops "
                         "them there); use a command without quotes", item_where)
            continue
        rendered[keyword.name] = (keyword, lines)
    includes = []
    if "Include" in rendered:
        includes = [f"Include {line}" for line in rendered.pop("Include")[1]]
    return rendered, includes


def _keyword_lines(rendered: Mapping[str, Tuple[Any, List[str]]], indent: str = "") -> List[str]:
    out = []
    for name in sorted(rendered, key=lambda n: (n.lower(), n)):
        for line in rendered[name][1]:
            out.append(f"{indent}{name} {line}")
    return out


def _words(text: str, where: str) -> List[str]:
    """Split on spaces; a double-quoted part (``exec "test -d /x"``) stays one word."""
    words: List[str] = []
    current: List[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
            continue
        if char == " " and not quoted:
            if current:
                words.append("".join(current))
                current = []
            continue
        current.append(char)
    if quoted:
        raise OpenSSHConfigError("unbalanced double quote in the Match criteria", where)
    if current:
        words.append("".join(current))
    return words


def split_criteria(text: str, where: str) -> List[Tuple[str, Any]]:
    """``"User alice Address 10.0.0.0/8"`` -> [("User", "alice"), ("Address", "10.0.0.0/8")]."""
    words = _words(text, where)
    pairs: List[Tuple[str, Any]] = []
    index = 0
    while index < len(words):
        name = words[index]
        bare = name.lstrip("!").lower()
        if bare in ("all", "canonical", "final", "invalid-user"):
            pairs.append((name, None))
            index += 1
            continue
        if index + 1 >= len(words):
            pairs.append((name, None))
            index += 1
            continue
        pairs.append((name, words[index + 1]))
        index += 2
    if not pairs:
        raise OpenSSHConfigError("a Match block needs at least one criterion", where)
    return pairs


def criteria_pairs(criteria: Any, where: str) -> List[Tuple[str, Optional[str]]]:
    """Match criteria from data (a mapping or a string) as (name, argument) pairs.

    The one criteria parser: render_config writes the ``Match`` line from it,
    the sshd module derives ``sshd -T -C`` specs and the client module its
    test destinations from it. A list argument becomes the comma-joined
    pattern list; a criterion without argument has None. Anything that is
    neither a mapping nor a string raises.
    """
    if isinstance(criteria, str):
        values.check_text(criteria, where, "Match criteria")
        return [(name, arg if arg is None else str(arg)) for name, arg in split_criteria(criteria, where)]
    if isinstance(criteria, Mapping):
        pairs: List[Tuple[str, Optional[str]]] = []
        for name, arg in criteria.items():
            if isinstance(arg, (list, tuple)):
                arg = ",".join(str(a) for a in arg)
            pairs.append((str(name), None if arg is None or arg is True else str(arg)))
        return pairs
    raise OpenSSHConfigError("criteria must be a mapping or a string, got %s" % values.type_name(criteria),
                             where)


def _criterion_argument(value: Any, where: str, command: bool) -> str:
    """Render one criterion argument: a pattern list (comma-joined) or an exec command."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise OpenSSHConfigError("needs at least one pattern, got an empty list", where)
        items = []
        for index, item in enumerate(value):
            items.append(_pattern(item, f"{where}[{index}]"))
        return ",".join(items)
    if isinstance(value, bool) or isinstance(value, Mapping) or value is None:
        raise OpenSSHConfigError(f"expected a pattern list, got {values.type_name(value)}", where)
    text = str(value)
    values.check_text(text, where, "Match criterion")
    text = text.strip()
    if not text:
        raise OpenSSHConfigError("needs an argument, got an empty string", where)
    if command:
        if '"' in text or "\\" in text:
            raise OpenSSHConfigError("an exec command must not contain double quotes or backslashes", where)
        return f'"{text}"' if " " in text else text
    return ",".join(_pattern(part, where) for part in text.split(","))


def _pattern(value: Any, where: str) -> str:
    if isinstance(value, bool) or isinstance(value, (Mapping, list, tuple)) or value is None:
        raise OpenSSHConfigError(f"expected a pattern, got {values.type_name(value)}", where)
    text = str(value)
    values.check_text(text, where, "Match criterion")
    text = text.strip()
    if not text:
        raise OpenSSHConfigError("empty pattern (doubled or trailing comma?)", where)
    for char in (" ", '"', "'", "\\", ","):
        if char in text:
            raise OpenSSHConfigError(f"pattern {text!r} must not contain {char!r}", where)
    return text


def _negation_only(argument: str) -> bool:
    parts = [p for p in argument.split(",") if p]
    return bool(parts) and all(p.startswith("!") for p in parts)


def _match_line(daemon: str, criteria: Any, version: str, where: str, problems: Problems) -> Optional[str]:
    """Check the criteria of one Match block; return ``Match ...`` or None."""
    try:
        if isinstance(criteria, str):
            values.check_text(criteria, where, "Match criteria")
            pairs = split_criteria(criteria, where)
        elif isinstance(criteria, Mapping):
            pairs = list(criteria.items())
            if not pairs:
                raise OpenSSHConfigError("a Match block needs at least one criterion", where)
        else:
            raise OpenSSHConfigError(
                f"criteria must be a mapping or a string, got {values.type_name(criteria)}", where
            )
    except OpenSSHConfigError as error:
        problems.add(error.message, error.where or where)
        return None
    words: List[str] = []
    names: List[str] = []
    ok = True
    for raw_name, argument in pairs:
        item_where = f"{where}.{raw_name}"
        if not isinstance(raw_name, str):
            problems.add(f"criterion names must be strings, got {raw_name!r}", where)
            ok = False
            continue
        negate = daemon == "ssh" and raw_name.startswith("!")
        name = raw_name[1:] if negate else raw_name
        try:
            values.check_text(name, item_where, "Match criterion")
            crit = catalogue.criterion(daemon, name, version or catalogue.NEWEST_KNOWN)
        except OpenSSHConfigError as error:
            problems.add(error.message, item_where)
            ok = False
            continue
        lower = crit.name.lower()
        names.append(lower)
        if not crit.takes_argument:
            if argument not in (None, True, "") and not (isinstance(argument, str) and not argument.strip()):
                problems.add(f"{crit.name} takes no argument, got {argument!r}", item_where)
                ok = False
                continue
            words.append(("!" if negate else "") + crit.name)
            continue
        if argument is None or argument is True or argument is False:
            problems.add(f"{crit.name} needs an argument (a pattern list)", item_where)
            ok = False
            continue
        try:
            text = _criterion_argument(argument, item_where, command=(lower == "exec"))
            values.check_comment_char(text, item_where, version)
        except OpenSSHConfigError as error:
            problems.add(error.message, error.where or item_where)
            ok = False
            continue
        if lower not in _NOT_PATTERN_LISTS and _negation_only(text):
            problems.add(
                f"{crit.name} {text}: a list of only negated patterns never matches (OpenSSH needs a "
                f"positive match first); write {crit.name} *,{text} to match everything else",
                item_where,
            )
            ok = False
            continue
        words.append(f"{'!' if negate else ''}{crit.name} {text}")
    if "all" in names and len(names) > 1:
        others = [n for n in names if n != "all"]
        if daemon == "sshd" or any(n not in _SELF_STANDING_SSH for n in others):
            problems.add("All cannot be combined with other criteria", where)
            ok = False
    if not ok or not words:
        return None
    return "Match " + " ".join(words)


def _host_line(patterns: Any, version: str, where: str, problems: Problems) -> Optional[str]:
    try:
        if isinstance(patterns, str):
            values.check_text(patterns, where, "Host pattern")
            items = patterns.split()
            item_wheres = [where] * len(items)
        elif isinstance(patterns, (list, tuple)):
            items = list(patterns)
            item_wheres = [f"{where}[{i}]" for i in range(len(items))]
        else:
            raise OpenSSHConfigError(f"host must be a pattern or a list of patterns, got {values.type_name(patterns)}",
                                     where)
        if not items:
            raise OpenSSHConfigError("Host needs at least one pattern", where)
        rendered = []
        for item, item_where in zip(items, item_wheres):
            text = _pattern(item, item_where)
            values.check_comment_char(text, item_where, version)
            rendered.append(text)
    except OpenSSHConfigError as error:
        problems.add(error.message, error.where or where)
        return None
    if all(p.startswith("!") for p in rendered):
        problems.add(
            f"Host {' '.join(rendered)}: only negated patterns never match; add a positive one, e.g. '*'", where
        )
        return None
    return "Host " + " ".join(rendered)


def _check_self_include(lines: Sequence[str], daemon: str, self_path: Optional[str], where: str,
                        problems: Problems) -> None:
    if not self_path:
        return
    target = os.path.normpath(self_path)
    bases = ["/etc/ssh", os.path.dirname(target)]
    if daemon == "ssh":
        bases.append(os.path.expanduser("~/.ssh"))
    for line in lines:
        for pattern in line.split()[1:]:
            pattern = pattern.strip('"')
            candidates = [pattern] if pattern.startswith("/") else [os.path.join(b, pattern) for b in bases]
            if any(fnmatch.fnmatchcase(target, os.path.normpath(c)) for c in candidates):
                problems.add(
                    f"Include {pattern} would include this file ({self_path}) in itself; sshd/ssh would "
                    "recurse until they give up",
                    f"{where}.Include",
                )


def render_config(
    daemon: str,
    settings: Optional[Mapping[str, Any]],
    match_blocks: Optional[Sequence[Mapping[str, Any]]],
    version: Optional[str],
    header: str,
    self_path: Optional[str] = None,
    warnings: Optional[List[str]] = None,
    settings_where: str = "settings",
    blocks_where: str = "match_blocks",
) -> str:
    """Render a whole sshd_config (daemon "sshd") or ssh_config (daemon "ssh").

    ``settings``: keyword (any case) -> value. A value of None means "not set".
    ``match_blocks``: ordered; sshd: ``{"criteria": {...} or "User a", "settings": {...}}``;
    ssh: ``{"host": "a b" or [...], "settings": {...}}`` or ``{"match": ..., "settings": ...}``.
    ``version``: target OpenSSH "major.minor"; None checks the data for any release (what
    the controller does before it knows the host: every check but the per-version ones,
    which the host repeats with its own version). ``header``: text of the managed
    header (each line becomes a comment). ``self_path``: where the file will be
    written, to refuse an Include of itself. ``warnings``: if a list is given,
    notes that are not errors are appended to it. ``settings_where`` and
    ``blocks_where`` name the data in error messages (e.g. "sshd_settings").

    Raises OpenSSHConfigError listing every problem found. Returns the text,
    ending with a newline.
    """
    problems = Problems()
    if daemon not in DAEMONS:
        raise OpenSSHConfigError(f"daemon must be 'sshd' or 'ssh', got {daemon!r}", "daemon")
    if version is not None:
        try:
            vtuple(version)
        except OpenSSHConfigError as error:
            raise OpenSSHConfigError(error.message, "version")
    notes = warnings if warnings is not None else []

    header_lines: List[str] = []
    if header:
        if not isinstance(header, str):
            problems.add(f"header must be text, got {type(header).__name__}", "header")
        else:
            for index, line in enumerate(split_lines(header)):
                try:
                    values.check_text(line, f"header line {index + 1}", "header")
                except OpenSSHConfigError as error:
                    problems.add(error.message, error.where)
                    continue
                line = line.rstrip()
                header_lines.append(line if line.startswith("#") else ("# " + line if line else "#"))

    global_rendered, includes = _lines_for(daemon, settings, version, settings_where, problems, in_block=False)
    _check_self_include(includes, daemon, self_path, settings_where, problems)

    block_texts: List[List[str]] = []
    if match_blocks is not None and not isinstance(match_blocks, (list, tuple)):
        problems.add(f"expected a list of blocks, got {values.type_name(match_blocks)}", blocks_where)
        match_blocks = []
    for index, block in enumerate(match_blocks or []):
        where = f"{blocks_where}[{index}]"
        if not isinstance(block, Mapping):
            problems.add(f"a block must be a mapping, got {values.type_name(block)}", where)
            continue
        allowed = {"criteria", "settings"} if daemon == "sshd" else {"host", "match", "settings"}
        unknown = sorted(str(k) for k in block if k not in allowed)
        if unknown:
            problems.add(f"unknown block key(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}", where)
            continue
        if daemon == "sshd":
            if "criteria" not in block:
                problems.add("a Match block needs 'criteria'", where)
                continue
            opener = _match_line(daemon, block["criteria"], version, f"{where}.criteria", problems)
        else:
            if ("host" in block) == ("match" in block):
                problems.add("an ssh block needs exactly one of 'host' or 'match'", where)
                continue
            if "host" in block:
                opener = _host_line(block["host"], version, f"{where}.host", problems)
            else:
                opener = _match_line(daemon, block["match"], version, f"{where}.match", problems)
        block_settings = block.get("settings")
        if not block_settings:
            problems.add("a block needs at least one setting", f"{where}.settings")
            continue
        rendered, block_includes = _lines_for(daemon, block_settings, version, f"{where}.settings", problems,
                                              in_block=True)
        _check_self_include(block_includes, daemon, self_path, f"{where}.settings", problems)
        if daemon == "ssh":
            for name, (keyword, _unused) in rendered.items():
                if name in global_rendered and keyword.first_wins:
                    problems.add(
                        f"{name} is also set globally; ssh keeps the first value it reads, so the global "
                        "value (written before any Host/Match line) always wins and this one never "
                        "applies. Set it in a final 'Host *' block instead of globally",
                        f"{where}.settings.{name}",
                    )
        if daemon == "sshd" and "Subsystem" in rendered:
            if "Subsystem" not in global_rendered:
                problems.add(
                    "Subsystem inside Match needs a global Subsystem line too: without one, "
                    "OpenSSH 10.0p2 crashes (sshd -T -C: segmentation fault)",
                    f"{where}.settings.Subsystem",
                )
            else:
                global_names = {line.split(" ", 1)[0] for line in global_rendered["Subsystem"][1]}
                block_names = {line.split(" ", 1)[0] for line in rendered["Subsystem"][1]}
                missing = sorted(global_names - block_names)
                if missing:
                    notes.append(
                        f"{where}: a Subsystem inside Match replaces the whole global list for matching "
                        f"connections; {', '.join(missing)} will not be available to them"
                    )
        if opener is None:
            continue
        block_texts.append([opener] + [INDENT + line for line in block_includes] + _keyword_lines(rendered, INDENT))

    problems.raise_if_any()

    sections: List[List[str]] = []
    if header_lines:
        sections.append(header_lines)
    if includes:
        sections.append(includes)
    body = _keyword_lines(global_rendered)
    if body:
        sections.append(body)
    sections.extend(block_texts)
    return "\n\n".join("\n".join(section) for section in sections) + "\n"
