# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What sshd/ssh really use: parse ``sshd -T`` / ``ssh -G``, compare, show a diff.

``parse_dump(text)`` gives ``{key: [value of each line with that key, in order]}``
(keys lower-case). The compliance checks use the same format.

``compare(daemon, requested, effective, version)`` normalises each requested
value the way the dump prints it (values.normalise) and returns the
mismatches. Comparison rules, per kind of value:

* algorithm lists: a plain list must equal the printed list (order included;
  a name with ``*``/``?`` stands for the printed names it matches);
  ``+list``: every name is present; ``-list``: no printed name matches any
  pattern; ``^list``: the printed list starts with the names, in order;
* yes/no and choice words: case-insensitive, ssh's ``true``/``false`` equal
  ``yes``/``no``;
* keywords whose lines add up (``first_wins`` False: AllowUsers, AcceptEnv,
  HostKey, Port, SendEnv, IdentityFile ...): the same set of values, order and
  duplicates ignored (ssh -G may print an accumulated value twice);
* ListenAddress: ``host`` matches every printed ``host:PORT``;
* PerSourcePenalties: every requested word is printed (sshd prints the whole
  set, defaults included);
* ``none`` requested and nothing printed: equal (ssh -G leaves unset
  commands out);
* everything else: the printed lines equal the normalised value, with runs of
  spaces collapsed;
* keywords the dump does not print (catalogue ``dumped`` False) are skipped,
  and so are ssh paths holding ``~``, ``%`` tokens or ``${}`` (ssh -G prints
  ControlPath and UserKnownHostsFile expanded); pass ``skipped=[]`` to learn
  which and why.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue, values
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import split_lines
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import at_least

_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")
_TRUTH = {"true": "yes", "false": "no"}


@dataclass
class Mismatch:
    """One keyword whose effective value differs from the requested one."""

    keyword: str
    wanted: List[str]
    got: List[str]
    reason: str = ""


def parse_dump(text: str) -> Dict[str, List[str]]:
    """``sshd -T`` / ``ssh -G`` output -> ``{key: [rest of each line with that key]}``.

    Keys are lower-cased (10.4+ ``sshd -T`` prints "PermitRootLogin no", and
    ``ssh -G`` has always printed "canonicalizePermittedcnames"); a key
    printed on several lines gets several elements, in order; a key printed
    without a value gets ``""``. Lines whose first word is not a plain word
    of letters and digits (``/etc/ssh/x line 3: ...``, ``debug1: ...``,
    ``Pseudo-terminal will not ...``) are ignored. Pass stdout only: a stderr
    warning that starts with a plain word would show up as a key.
    """
    result: Dict[str, List[str]] = {}
    for line in split_lines(text or ""):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        key, _unused, rest = line.partition(" ")
        if not _KEY_RE.match(key):
            continue
        result.setdefault(key.lower(), []).append(rest.rstrip())
    return result


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _unquoted(text: str) -> str:
    # 10.0 prints a global Subsystem command with its quotes, a Match one without
    return _collapse(text.replace('"', ""))


def _words_of(lines: List[str]) -> List[str]:
    words: List[str] = []
    for line in lines:
        words.extend(line.split())
    return words


def _algorithms_match(wanted: str, got: List[str]) -> Tuple[bool, str]:
    printed = [name for name in (got[0].split(",") if got else []) if name]
    prefix = wanted[:1] if wanted[:1] in ("+", "-", "^") else ""
    names = [n for n in wanted[len(prefix):].split(",") if n]
    literal = [n for n in names if not any(c in n for c in "*?")]
    patterns = [n for n in names if n not in literal]
    if prefix == "-":
        hit = [p for p in printed if any(fnmatch.fnmatchcase(p, n) for n in names)]
        return (not hit, f"still offered: {','.join(hit)}" if hit else "")
    missing = [n for n in literal if n not in printed]
    if missing:
        return False, f"missing: {','.join(missing)}"
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(p, pattern) for p in printed):
            return False, f"nothing matches {pattern}"
    if prefix == "+":
        return True, ""
    if prefix == "^":
        if printed[: len(literal)] != literal:
            return False, f"does not start with {','.join(literal)}"
        return True, ""
    if not patterns:
        if printed != literal:
            extra = [p for p in printed if p not in literal]
            return False, (f"also offered: {','.join(extra)}" if extra else "different order")
        return True, ""
    stray = [p for p in printed if p not in literal and not any(fnmatch.fnmatchcase(p, n) for n in patterns)]
    if stray:
        return False, f"also offered: {','.join(stray)}"
    order = [p for p in printed if p in literal]
    if order != literal:
        return False, "different order"
    return True, ""


def _listen_match(wanted: List[str], got: List[str]) -> bool:
    def split(entry: str) -> Tuple[str, Optional[str], str]:
        address, _unused, rest = entry.partition(" ")
        bracket = re.match(r"^\[(.+)\](?::(\d+))?\Z", address)
        if bracket:
            return bracket.group(1), bracket.group(2), rest
        if address.count(":") == 1:
            host, port = address.split(":")
            return host, port, rest
        return address, None, rest

    def same_host(a: str, b: str) -> bool:
        try:
            return ipaddress.ip_address(a) == ipaddress.ip_address(b)
        except ValueError:
            return a.lower() == b.lower()

    printed = [split(g) for g in got]
    for entry in wanted:
        host, port, rest = split(entry)
        found = [p for p in printed if same_host(p[0], host) and (port is None or p[1] == port)]
        if not found:
            return False
    for p_host, p_port, _unused in printed:
        if not any(same_host(split(w)[0], p_host) for w in wanted):
            return False
    return True


def _skip_reason(keyword: Any, wanted: List[str]) -> Optional[str]:
    if not keyword.dumped:
        return f"{'sshd -T' if keyword.daemon == 'sshd' else 'ssh -G'} does not print {keyword.name}"
    if keyword.daemon == "ssh" and keyword.value == "path":
        # ControlPath, UserKnownHostsFile ... are printed expanded (IdentityFile is not);
        # commands (ProxyCommand %h) are printed as written and are compared
        if any(("~" in w) or ("%" in w) or ("${" in w) for w in wanted):
            return "ssh -G expands ~, %-tokens and ${VAR} in paths; not compared"
    return None


def _compare_one(keyword: Any, wanted: List[str], got: List[str]) -> Optional[str]:
    """None when equal, else a short reason."""
    kind = keyword.value
    if not got:
        if wanted in (["none"], [""]):
            return None
        return "not in the effective configuration"
    if kind == "algorithms":
        ok, why = _algorithms_match(wanted[0] if wanted else "", got)
        return None if ok else why
    if kind in ("yesno", "choice"):
        left = [_TRUTH.get(w.lower(), w.lower()) for w in wanted]
        right = [_TRUTH.get(g.lower(), g.lower()) for g in got]
        return None if left == right else "different value"
    if kind == "listen_address":
        return None if _listen_match(wanted, got) else "different addresses"
    if kind == "penalties":
        # "yes" means the built-in penalties, which sshd -T prints expanded
        # ("crash:90 authfail:5 ..."): any printed value but "no" is "yes".
        printed = _words_of(got)
        asked = [w for w in _words_of(wanted) if w != "yes"]
        if "yes" in _words_of(wanted) and printed == ["no"]:
            return "different value"
        missing = [w for w in asked if w not in set(printed)]
        return None if not missing else f"missing: {' '.join(missing)}"
    if not keyword.first_wins or kind == "subsystem":
        clean = _unquoted if kind == "subsystem" else _collapse
        left = sorted(set(clean(w) for w in wanted))
        right = sorted(set(clean(g) for g in got))
        if left == right:
            return None
        extra = [g for g in right if g not in left]
        missing = [w for w in left if w not in right]
        parts = []
        if missing:
            parts.append("missing: " + ", ".join(missing))
        if extra:
            parts.append("also: " + ", ".join(extra))
        return "; ".join(parts)
    if [_collapse(w) for w in wanted] == [_collapse(g) for g in got]:
        return None
    if keyword.multi == "space" and _words_of(wanted) == _words_of(got):
        return None
    return "different value"


def compare(
    daemon: str,
    requested: Mapping[str, Any],
    effective: Mapping[str, List[str]],
    version: str,
    skipped: Optional[List[Tuple[str, str]]] = None,
) -> List[Mismatch]:
    """Mismatches between ``requested`` (keyword -> value) and a parse_dump() result.

    Keywords are resolved for ``version`` (PubkeyAcceptedAlgorithms is looked
    up under ``pubkeyacceptedkeytypes`` on 8.4). Keywords that cannot be
    compared are left out; pass a list as ``skipped`` to receive
    ``(keyword, reason)`` for each. Raises OpenSSHConfigError (all problems at
    once) for unknown keywords or invalid values.
    """
    problems = Problems()
    mismatches: List[Mismatch] = []
    for name, value in requested.items():
        if value is None:
            continue
        where = f"requested.{name}"
        try:
            keyword = catalogue.resolve(daemon, name, version)
            wanted = values.normalise(keyword, value, version)
        except OpenSSHConfigError as error:
            problems.add(error.message, where)
            continue
        reason = _skip_reason(keyword, wanted)
        if reason:
            if skipped is not None:
                skipped.append((keyword.name, reason))
            continue
        got = list(effective.get(keyword.key, []))
        why = _compare_one(keyword, wanted, got)
        if why is not None:
            mismatches.append(Mismatch(keyword.name, wanted, got, why))
    problems.raise_if_any()
    return mismatches


def format_diff(mismatches: List[Mismatch]) -> str:
    """Readable diff: per keyword, ``- wanted`` lines then ``+ effective`` lines."""
    out: List[str] = []
    for mismatch in mismatches:
        out.append(f"{mismatch.keyword}:" + (f" ({mismatch.reason})" if mismatch.reason else ""))
        for line in mismatch.wanted or ["(nothing)"]:
            out.append(f"  - {line}")
        for line in mismatch.got or ["(not printed)"]:
            out.append(f"  + {line}")
    return "\n".join(out) + ("\n" if out else "")


_SPEC_VALUE_RE = re.compile(r"^[A-Za-z0-9._@%+:\[\]-]+\Z")


def connection_spec(
    user: Optional[str] = None,
    host: Optional[str] = None,
    addr: Optional[str] = None,
    laddr: Optional[str] = None,
    lport: Optional[Any] = None,
    rdomain: Optional[str] = None,
    invalid_user: bool = False,
    version: Optional[str] = None,
) -> str:
    """The argument of ``sshd -T -C``: ``user=alice,host=h.example,addr=192.0.2.1``.

    Values must not contain ``,``, ``=``, spaces or control characters (they
    would change the spec). ``addr``/``laddr`` must be IP addresses, ``lport``
    a port. ``invalid_user`` adds the 9.9+ flag. Before 7.7 sshd needs all of
    user, host, laddr, lport and addr: given ``version``, that is checked.
    """
    problems = Problems()
    parts: List[str] = []
    for key, value in (("user", user), ("host", host), ("addr", addr), ("laddr", laddr),
                       ("lport", lport), ("rdomain", rdomain)):
        if value is None:
            continue
        where = f"connection_spec.{key}"
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            problems.add(f"expected a string, got {values.type_name(value)}", where)
            continue
        text = str(value)
        try:
            values.check_text(text, where)
        except OpenSSHConfigError as error:
            problems.add(error.message, where)
            continue
        if not text or not _SPEC_VALUE_RE.match(text):
            problems.add(f"{text!r} may not be used in a connection spec (no spaces, ',' or '=')", where)
            continue
        if key in ("addr", "laddr"):
            try:
                ipaddress.ip_address(text)
            except ValueError:
                problems.add(f"{text!r} is not an IP address", where)
                continue
        if key == "lport" and (not text.isdigit() or not 1 <= int(text) <= 65535):
            problems.add(f"{text!r} is not a port (1..65535)", where)
            continue
        parts.append(f"{key}={text}")
    if invalid_user:
        if version is not None and not at_least(version, "9.9"):
            problems.add(f"invalid-user needs OpenSSH 9.9 (target: {version})", "connection_spec.invalid_user")
        else:
            parts.append("invalid-user")
    if not parts:
        problems.add("a connection spec needs at least one of user, host, addr, laddr, lport, rdomain",
                     "connection_spec")
    if version is not None and not at_least(version, "7.7"):
        given = {p.split("=", 1)[0] for p in parts}
        missing = [k for k in ("user", "host", "laddr", "lport", "addr") if k not in given]
        if missing:
            problems.add(f"OpenSSH before 7.7 needs all of user, host, laddr, lport and addr; missing "
                         f"{', '.join(missing)}", "connection_spec")
        if rdomain is not None:
            problems.add("rdomain needs OpenSSH 7.7", "connection_spec.rdomain")
    problems.raise_if_any()
    return ",".join(parts)
