# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT") from data.

Keys are parsed with keys.py (the parser the authorized_keys module uses):
this file only adds the known_hosts line around them.

A line is ``[@cert-authority|@revoked] hosts keytype base64 [comment]``:

* ``hosts`` is a comma-separated pattern list (``*``, ``?``, ``!``), where a
  host on a port other than 22 is written ``[name]:port``; or one hashed
  name ``|1|base64(salt)|base64(HMAC-SHA1(salt, name))`` (HashKnownHosts,
  ``ssh-keygen -H``). ssh lower-cases the host name before it looks it up,
  so names are lower-cased here too (a hash of ``Web`` would never match).
* ``@cert-authority`` lines trust host certificates signed by the key for the
  hosts that match; ``@revoked`` lines refuse the key for them (``*`` for
  everyone).

``entries_from_data(data, where)`` checks the operator's entries::

    {"hosts": ["web1", "192.0.2.10"], "keys": ["ssh-ed25519 AAAA..."],
     "port": 2222,                      # optional: [web1]:2222 ...
     "marker": "cert-authority",        # optional: or "revoked"
     "comment": "...",                  # optional
     "state": "present"}                # or "absent"

``build(entries, existing_text, exclusive, hashed, header)`` returns the new
file text and a report. Rules:

* exclusive: the file holds the managed lines and nothing else;
* additive: every existing line stays, except that the data is the truth for
  the literal names it lists: a plain (unmarked) line that names such a host
  with a key the data does not give for it loses that name (a hashed line,
  which holds one name, is dropped). Lines written by others for other names,
  wildcard lines and marker lines are left alone. ``state: absent`` entries
  remove names (and/or keys) everywhere.
* hashed: every literal name gets its own hashed line; patterns (wildcards,
  negations) cannot be hashed and stay plain, as with ``ssh-keygen -H``. An
  existing hashed line for the same name, marker and key is kept byte for
  byte, so a re-run changes nothing; a new one gets a random salt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import check_text, split_lines
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)

MARKERS = ("cert-authority", "revoked")
HASH_MAGIC = "|1|"
DEFAULT_HEADER = "Managed by Ansible (sshsuite.openssh.ssh_client). Local changes will be overwritten."

_NAME_RE = re.compile(r"^[a-z0-9._*?:%-]+\Z")
_BRACKET_RE = re.compile(r"^\[([^\]]+)\]:(\d+)\Z")
_ENTRY_KEYS = frozenset({"hosts", "keys", "port", "marker", "comment", "state"})
_BLANKS = " \t"
_FIELDS = re.compile(r"[ \t]+")


# ---------------------------------------------------------------------------
# host names and hashing
# ---------------------------------------------------------------------------


def is_pattern(name: str) -> bool:
    """Wildcards or a negation: matched by pattern, never hashed."""
    return name.startswith("!") or any(c in name for c in "*?")


def host_token(name: Any, port: Optional[int], where: str) -> str:
    """Check one host name or pattern; give it in the form known_hosts uses.

    ``web``, ``192.0.2.1``, ``*.example.org``, ``!bad.example.org``, ``::1``,
    ``[web]:2222``. With ``port`` (not 22) a bare name becomes ``[name]:port``.
    """
    if isinstance(name, bool) or not isinstance(name, (str, int)):
        raise OpenSSHConfigError(f"a host name must be a string, got {type(name).__name__}", where)
    given = str(name)
    check_text(given, where, "the host name")
    given = given.strip().lower()
    if not given:
        raise OpenSSHConfigError("empty host name", where)
    negate = given.startswith("!")
    body = given[1:] if negate else given
    bracket = _BRACKET_RE.match(body)
    if bracket:
        inner, written_port = bracket.group(1), int(bracket.group(2))
        if port is not None and int(port) != written_port:
            raise OpenSSHConfigError(f"{given} names port {written_port} but the entry says port {port}", where)
        if not 1 <= written_port <= 65535:
            raise OpenSSHConfigError(f"{given}: port {written_port} is out of range", where)
        if written_port == 22:
            raise OpenSSHConfigError(f"{given}: write port 22 without brackets ({inner}); ssh looks up "
                                     "'[name]:22' never", where)
        body, port = inner, written_port
    if body.startswith("|"):
        raise OpenSSHConfigError("give host names in the clear; hashing is the 'hash' option's job", where)
    if not _NAME_RE.match(body) or body.startswith("-"):
        raise OpenSSHConfigError(
            f"{given!r} is not a host name or pattern (letters, digits, . - _ : and the wildcards * ?; "
            "no spaces, commas, '#' or '@')", where)
    if port is not None:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise OpenSSHConfigError(f"port must be 1..65535, got {port!r}", where)
        if port != 22:
            body = f"[{body}]:{port}"
    return ("!" if negate else "") + body


def hash_name(name: str, salt: Optional[bytes] = None) -> str:
    """``|1|salt|hash`` for ``name`` as ssh-keygen -H writes it (HMAC-SHA1, 20-byte salt)."""
    if salt is None:
        salt = os.urandom(20)
    digest = hmac.new(salt, name.encode("utf-8"), hashlib.sha1).digest()
    return "%s%s|%s" % (HASH_MAGIC, base64.b64encode(salt).decode("ascii"),
                        base64.b64encode(digest).decode("ascii"))


def hashed_matches(token: str, name: str) -> bool:
    """Does the hashed host field ``token`` stand for ``name``?"""
    if not token.startswith(HASH_MAGIC):
        return False
    parts = token[len(HASH_MAGIC):].split("|")
    if len(parts) != 2:
        return False
    try:
        salt = base64.b64decode(parts[0], validate=True)
        wanted = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return False
    digest = hmac.new(salt, name.encode("utf-8"), hashlib.sha1).digest()
    return hmac.compare_digest(digest, wanted)


# ---------------------------------------------------------------------------
# lines
# ---------------------------------------------------------------------------


class KnownHostLine(object):
    """One key line: marker, host field (list of tokens), key.

    ``text`` keeps the line as it was read, so untouched lines are written
    back byte for byte.
    """

    __slots__ = ("marker", "hosts", "key", "text")

    def __init__(self, marker: Optional[str], hosts: Sequence[str], key: keys.PublicKey,
                 text: Optional[str] = None):
        self.marker = marker
        self.hosts = list(hosts)
        self.key = key
        self.text = text

    @property
    def hashed(self) -> bool:
        return len(self.hosts) == 1 and self.hosts[0].startswith(HASH_MAGIC)

    def names(self, name: str) -> bool:
        """Does this line list the literal ``name`` (in the clear or hashed)?"""
        if self.hashed:
            return hashed_matches(self.hosts[0], name)
        return name in self.hosts

    def render(self) -> str:
        parts = []
        if self.marker:
            parts.append("@" + self.marker)
        parts.append(",".join(self.hosts))
        parts.append(self.key.text())
        return " ".join(parts)

    def __repr__(self):
        return "KnownHostLine(%r)" % self.render()


def parse_line(line: str, where: str = "") -> KnownHostLine:
    """Parse one known_hosts key line (not a comment or blank line).

    Fields are separated by runs of spaces and tabs, as OpenSSH's hostfile
    parser separates them: a line written with tabs is as real to ssh as one
    written with spaces, so it must be as visible here.
    """
    line = line[:-1] if line.endswith("\r") else line
    check_text(line, where, "the known_hosts line", allow_tab=True)
    fields = _FIELDS.split(line.strip(_BLANKS), 1)
    marker = None
    if fields[0].startswith("@"):
        if fields[0][1:] not in MARKERS:
            raise OpenSSHConfigError(f"unknown marker {fields[0]!r} (known: @cert-authority, @revoked)", where)
        marker = fields[0][1:]
        fields = _FIELDS.split(fields[1], 1) if len(fields) > 1 else [""]
    if len(fields) < 2 or not fields[0] or not fields[1].strip(_BLANKS):
        raise OpenSSHConfigError("a known_hosts line needs hosts, a key type and the key", where)
    key = keys.parse_public_key(fields[1], where)
    return KnownHostLine(marker, fields[0].split(","), key, line)


def parse_file(content: str) -> List[Tuple[str, Optional[KnownHostLine]]]:
    """Every line of a known_hosts file: (raw line, parsed line or None).

    Lines end at ``\n`` only (text.split_lines), as ssh reads them. Comments,
    blank lines and lines ssh would skip as broken give None and are kept as
    they are.
    """
    result: List[Tuple[str, Optional[KnownHostLine]]] = []
    for raw in split_lines(content or ""):
        if keys.is_comment_line(raw):
            result.append((raw, None))
            continue
        try:
            result.append((raw, parse_line(raw)))
        except OpenSSHConfigError:
            result.append((raw, None))
    return result


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


class Entry(object):
    """One checked entry of the operator's data."""

    __slots__ = ("hosts", "keys", "marker", "comment", "state", "where")

    def __init__(self, hosts, keys_, marker, comment, state, where):
        self.hosts = hosts
        self.keys = keys_
        self.marker = marker
        self.comment = comment
        self.state = state
        self.where = where


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def entries_from_data(data: Any, where: str = "known_hosts.entries") -> List[Entry]:
    """Check every entry; raise OpenSSHConfigError listing all problems."""
    problems = Problems()
    result: List[Entry] = []
    if data is None:
        return result
    if not isinstance(data, (list, tuple)):
        raise OpenSSHConfigError(f"expected a list of entries, got {type(data).__name__}", where)
    for index, item in enumerate(data):
        here = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            problems.add(f"an entry is a mapping (hosts, keys, ...), got {type(item).__name__}", here)
            continue
        unknown = sorted(str(k) for k in item if k not in _ENTRY_KEYS)
        if unknown:
            problems.add(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_ENTRY_KEYS))}", here)
            continue
        state = item.get("state") or "present"
        if state not in ("present", "absent"):
            problems.add(f"state must be present or absent, got {state!r}", f"{here}.state")
            continue
        marker = item.get("marker")
        if marker is not None:
            marker = str(marker).lstrip("@")
            if marker not in MARKERS:
                problems.add(f"marker must be cert-authority or revoked, got {item.get('marker')!r}",
                             f"{here}.marker")
                continue
        port = item.get("port")
        hosts: List[str] = []
        given = _as_list(item.get("hosts"))
        for position, name in enumerate(given):
            try:
                hosts.append(host_token(name, port, f"{here}.hosts[{position}]"))
            except OpenSSHConfigError as error:
                problems.append(error)
        if len(hosts) != len(given):
            continue
        if not hosts and marker != "revoked" and state == "present":
            problems.add("an entry needs at least one host name or pattern", f"{here}.hosts")
            continue
        if hosts and all(h.startswith("!") for h in hosts):
            problems.add("only negated patterns never match; add a positive one", f"{here}.hosts")
            continue
        parsed: List[keys.PublicKey] = []
        for position, text in enumerate(_as_list(item.get("keys"))):
            kwhere = f"{here}.keys[{position}]"
            if not isinstance(text, str):
                problems.add(f"a key is a string ('type base64'), got {type(text).__name__}", kwhere)
                continue
            try:
                key = keys.parse_public_key(text, kwhere)
                if state == "present":
                    keys.check_key_policy(key, kwhere)
            except OpenSSHConfigError as error:
                problems.append(error)
                continue
            if key.is_certificate:
                problems.add("known_hosts holds plain keys; to trust host certificates give the CA's "
                             "key with marker: cert-authority", kwhere)
                continue
            parsed.append(key.with_comment(""))
        if state == "present" and not parsed:
            problems.add("an entry needs at least one key", f"{here}.keys")
            continue
        if state == "absent" and not parsed and not hosts:
            problems.add("an absent entry needs hosts, keys or both", here)
            continue
        if marker == "revoked" and not hosts:
            hosts = ["*"]
        comment = item.get("comment")
        if comment is not None:
            comment = str(comment)
            try:
                check_text(comment, f"{here}.comment", "the comment")
            except OpenSSHConfigError as error:
                problems.append(error)
                continue
        result.append(Entry(hosts, parsed, marker, comment or "", state, here))
    problems.raise_if_any()
    return result


# ---------------------------------------------------------------------------
# building the file
# ---------------------------------------------------------------------------


def _wanted_lines(entries: Sequence[Entry], hashed: bool) -> List[Tuple[Optional[str], List[str], keys.PublicKey, bool]]:
    """(marker, host tokens, key, hash this line) for every line the data asks for, in order."""
    out = []
    seen = set()
    for entry in entries:
        if entry.state != "present":
            continue
        literal = [h for h in entry.hosts if not is_pattern(h)]
        patterns = [h for h in entry.hosts if is_pattern(h)]
        for key in entry.keys:
            key = key.with_comment(entry.comment)
            if hashed and literal:
                for name in literal:
                    ident = (entry.marker, (name,), key.blob, True)
                    if ident not in seen:
                        seen.add(ident)
                        out.append((entry.marker, [name], key, True))
                if patterns:
                    ident = (entry.marker, tuple(patterns), key.blob, False)
                    if ident not in seen:
                        seen.add(ident)
                        out.append((entry.marker, patterns, key, False))
            else:
                ident = (entry.marker, tuple(entry.hosts), key.blob, False)
                if ident not in seen:
                    seen.add(ident)
                    out.append((entry.marker, list(entry.hosts), key, False))
    return out


def _managed_names(entries: Sequence[Entry]) -> Dict[str, set]:
    """literal name -> blobs of the plain (unmarked) keys the data gives for it."""
    names: Dict[str, set] = {}
    for entry in entries:
        if entry.state != "present" or entry.marker:
            continue
        for name in entry.hosts:
            if not is_pattern(name):
                names.setdefault(name, set()).update(k.blob for k in entry.keys)
    return names


def _absent_hits(line: KnownHostLine, absent: Sequence[Entry]) -> Tuple[bool, List[str]]:
    """(drop the whole line, names to take out of it) for the absent entries."""
    drop = False
    remove: List[str] = []
    for entry in absent:
        if entry.marker and entry.marker != line.marker:
            continue
        key_hit = not entry.keys or any(k.blob == line.key.blob for k in entry.keys)
        if not key_hit:
            continue
        if not entry.hosts:
            drop = True
            continue
        for name in entry.hosts:
            if line.names(name):
                if line.hashed or len(line.hosts) == 1:
                    drop = True
                else:
                    remove.append(name)
    return drop, remove


def build(entries: Sequence[Entry], existing: Optional[str], exclusive: bool, hashed: bool,
          header: str = DEFAULT_HEADER, salt: Optional[Callable[[], bytes]] = None) -> Tuple[str, Dict[str, Any]]:
    """The new text of the file and a report (lines added, removed, kept).

    ``salt`` (tests) gives the salt of a new hashed line; default os.urandom(20).
    """
    make_salt = salt or (lambda: os.urandom(20))
    existing_lines = parse_file(existing or "")
    wanted = _wanted_lines(entries, hashed)
    absent = [e for e in entries if e.state == "absent"]
    managed = _managed_names(entries)

    # 1. the existing lines after absent entries and stale keys are taken out.
    #    Every step below is a dictionary lookup per line, so a build is linear
    #    in the size of the file and the data; only hashed lines cost one HMAC
    #    per managed name (each hashed line has its own salt).
    survivors: List[Tuple[str, Optional[KnownHostLine]]] = []
    for raw, line in existing_lines:
        if line is None:
            survivors.append((raw, None))
            continue
        drop, remove = _absent_hits(line, absent)
        if not line.marker:
            if line.hashed:
                stale = [name for name, blobs in managed.items()
                         if line.key.blob not in blobs and line.names(name)]
            else:
                stale = [name for name in line.hosts
                         if name in managed and line.key.blob not in managed[name]]
            if stale:
                if line.hashed or len(line.hosts) == 1:
                    drop = True
                else:
                    remove.extend(stale)
        removed_names = set(remove)
        kept_hosts = [h for h in line.hosts if h not in removed_names]
        if drop or not kept_hosts:
            continue
        if remove:
            line = KnownHostLine(line.marker, kept_hosts, line.key)
            raw = line.render()
            line.text = raw
        survivors.append((raw, line))
    plain_lines: Dict[Tuple[Optional[str], bytes, Tuple[str, ...]], KnownHostLine] = {}
    hashed_lines: Dict[Tuple[Optional[str], bytes], List[KnownHostLine]] = {}
    for _unused, line in survivors:
        if line is None:
            continue
        if line.hashed:
            hashed_lines.setdefault((line.marker, line.key.blob), []).append(line)
        else:
            plain_lines.setdefault((line.marker, line.key.blob, tuple(line.hosts)), line)

    def reusable(marker, hosts, key, want_hash) -> Optional[KnownHostLine]:
        if want_hash:
            for line in hashed_lines.get((marker, key.blob), ()):
                if hashed_matches(line.hosts[0], hosts[0]):
                    return line
            return None
        return None if exclusive else plain_lines.get((marker, key.blob, tuple(hosts)))

    # 2. the managed lines; an existing line that says the same is kept as it is
    managed_out: List[str] = []
    for marker, hosts, key, want_hash in wanted:
        found = reusable(marker, hosts, key, want_hash)
        if found is not None:
            if exclusive:
                managed_out.append(found.text or found.render())
            continue  # additive: it stays where it is
        token = [hash_name(hosts[0], make_salt())] if want_hash else hosts
        managed_out.append(KnownHostLine(marker, token, key).render())

    if exclusive:
        out: List[str] = []
        if header:
            out.extend(("# " + line) if line else "#" for line in split_lines(header))
        out.extend(managed_out)
    else:
        out = [raw for raw, _unused in survivors] + managed_out
    old_key_lines = [raw for raw, line in existing_lines if line is not None]
    new_key_lines = [raw for raw in out if not keys.is_comment_line(raw)]
    old_set, new_set = set(old_key_lines), set(new_key_lines)
    report: Dict[str, Any] = {
        "added": [raw for raw in new_key_lines if raw not in old_set],
        "removed": [raw for raw in old_key_lines if raw not in new_set],
        "lines": len(new_key_lines),
    }
    text = "\n".join(out) + ("\n" if out else "")
    return text, report
