# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SSHFP resource records (RFC 4255, RFC 6594) for the host keys sshd serves.

Standard library only: the sshfp_records module runs this on the managed host,
sshfp_publish on the controller (or wherever the role delegates it). The DNS
wire work (queries, RFC 2136 updates, TSIG) is in sshfp_dns.py; everything
that can be decided without a network is here.

``Record``
    one SSHFP record: key algorithm (1 RSA, 2 DSA, 3 ECDSA, 4 Ed25519),
    fingerprint type (1 SHA-1, 2 SHA-256) and the fingerprint in lower-case
    hex. ``records_for_key`` computes them from a ``keys.PublicKey``;
    ``parse_record`` reads ``4 2 <hex>`` and the form BIND and dig print
    (upper case, the hex split into words).

Served keys
    ``served_keys`` turns the ``hostkey`` lines of ``sshd -T`` and the keys
    read from those files into the keys clients can be offered: a missing
    file is skipped (sshd skips it too), the first key of each key type wins
    (sshd never offers a later one of the same type), and a key whose
    algorithms ``HostKeyAlgorithms`` excludes is not offered.

Names and record sets
    ``absolute_name`` checks an owner name and places it inside the zone;
    ``plan_changes`` compares what DNS holds with what it should hold, name
    by name (the complete SSHFP set of a name is always replaced as a whole);
    ``conflicts`` finds sets that OpenSSH 8.7+ clients refuse whatever key
    the host serves; ``render_zone_fragment`` writes zone-file lines.

What clients accept (``client_accepts``)
    OpenSSH compares every SSHFP record whose key algorithm is the algorithm
    of the negotiated host key. Before 8.7 one matching record is enough.
    From 8.7 on (upstream commit b75a80fa8) *every* record of that algorithm
    must match: a stale record next to the right one fails the host. A
    record of a fingerprint type the client does not know (neither 1 nor 2)
    makes it give up on DNS for the whole name.

Rotation (``plan_rotation`` and ``check_plan``)
    Which keys sshd serves and which keys' records are published, step by
    step, so that no client of any version ever fails while resolvers still
    hold an older record set (up to the TTL). The rule the plan follows:

    * a key of an algorithm the host does not serve yet: publish its record
      next to the others, wait a TTL, then serve it (safe on every version:
      records of an algorithm that is not negotiated are never compared);
    * a new key for an algorithm the host serves: for 8.7+ clients the old
      and the new fingerprint can never be published together while that
      algorithm is served, and the switch cannot be atomic because resolvers
      cache. So the algorithm is withdrawn first (clients negotiate another
      served algorithm, the bridge), the record replaced, a TTL waited, and
      the new key served. 8.4 would accept the classic "publish alongside"
      order; the plan is the one that is safe for all of them;
    * a key that is dropped: stop serving it, then remove its record.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import at_least

#: SSHFP key algorithm numbers (RFC 4255, RFC 6594, RFC 7479) by key family.
ALGORITHMS = {"rsa": 1, "dsa": 2, "ecdsa": 3, "ed25519": 4}
ALGORITHM_NAMES = {1: "RSA", 2: "DSA", 3: "ECDSA", 4: "Ed25519", 6: "Ed448"}
#: fingerprint types: number and hex length.
HASH_TYPES = {"sha1": 1, "sha256": 2}
HASH_NAMES = {1: "SHA-1", 2: "SHA-256"}
_HEX_LENGTH = {1: 40, 2: 64}
_DIGEST = {1: hashlib.sha1, 2: hashlib.sha256}

#: first OpenSSH release whose client wants every record of the algorithm to match.
ALL_MUST_MATCH_SINCE = "8.7"
#: the client releases the lab proves (bullseye, bookworm, trixie).
LAB_CLIENT_VERSIONS = ("8.4", "9.2", "10.0")

#: HostKeyAlgorithms names that make sshd offer a key of this type.
_OFFERED_BY = {
    "ssh-rsa": ("ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"),
    "ssh-dss": ("ssh-dss",),
    "ecdsa-sha2-nistp256": ("ecdsa-sha2-nistp256",),
    "ecdsa-sha2-nistp384": ("ecdsa-sha2-nistp384",),
    "ecdsa-sha2-nistp521": ("ecdsa-sha2-nistp521",),
    "ssh-ed25519": ("ssh-ed25519",),
}
_CERT_SUFFIX = "-cert-v01@openssh.com"

_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\Z")
_HEX = re.compile(r"^[0-9a-f]+\Z")


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------

class Record(tuple):
    """(algorithm, fp_type, fingerprint): an immutable, hashable SSHFP record."""

    __slots__ = ()

    def __new__(cls, algorithm: int, fp_type: int, fingerprint: str):
        return tuple.__new__(cls, (int(algorithm), int(fp_type), fingerprint.lower()))

    algorithm = property(lambda self: self[0])
    fp_type = property(lambda self: self[1])
    fingerprint = property(lambda self: self[2])

    def text(self) -> str:
        """``4 2 <hex>``: the record's data as zone files and nsupdate write it."""
        return "%d %d %s" % self

    def describe(self) -> str:
        return "%s %s %s" % (ALGORITHM_NAMES.get(self.algorithm, "algorithm %d" % self.algorithm),
                             HASH_NAMES.get(self.fp_type, "type %d" % self.fp_type), self.fingerprint)

    def __repr__(self):
        return "Record(%r)" % self.text()


def algorithm_of(key: keys.PublicKey, where: str = "") -> int:
    """The SSHFP algorithm number of a host key (certificates: their plain key)."""
    family = key.key_type.family
    number = ALGORITHMS.get(family)
    if number is None:
        raise OpenSSHConfigError("%s keys have no SSHFP algorithm (and cannot be host keys)" % key.type_name,
                                 where)
    return number


def hash_numbers(hash_types: Iterable[Any], where: str = "hash_types") -> List[int]:
    """``["sha256", "sha1"]`` (names or numbers) -> ``[2, 1]``, without repeats; refuses others."""
    numbers: List[int] = []
    for item in hash_types:
        text = str(item).lower().replace("-", "")
        number = HASH_TYPES.get(text)
        if number is None and text in ("1", "2"):
            number = int(text)
        if number is None:
            raise OpenSSHConfigError("unknown fingerprint type %r (use sha256, or sha1 for old clients)" % item,
                                     where)
        if number not in numbers:
            numbers.append(number)
    if not numbers:
        raise OpenSSHConfigError("at least one fingerprint type is needed (sha256)", where)
    return numbers


def fingerprint_hex(key: keys.PublicKey, fp_type: int) -> str:
    return _DIGEST[fp_type](key.plain_blob).hexdigest()


def records_for_key(key: keys.PublicKey, fp_types: Sequence[int] = (2,), where: str = "") -> List[Record]:
    """The SSHFP records of one host key, one per fingerprint type."""
    algorithm = algorithm_of(key, where)
    return [Record(algorithm, fp_type, fingerprint_hex(key, fp_type)) for fp_type in fp_types]


def parse_record(text: Any, where: str = "") -> Record:
    """``"4 2 <hex>"``; the hex may be upper case and split into words (as dig prints it)."""
    if not isinstance(text, str):
        raise OpenSSHConfigError("an SSHFP record must be a string like '4 2 <hex>', got %s"
                                 % type(text).__name__, where)
    words = text.split()
    if len(words) < 3 or not words[0].isdigit() or not words[1].isdigit():
        raise OpenSSHConfigError("%r is not an SSHFP record ('ALGORITHM TYPE HEX', for example '4 2 9f86...')"
                                 % text[:80], where)
    algorithm, fp_type = int(words[0]), int(words[1])
    fingerprint = "".join(words[2:]).lower()
    if algorithm not in ALGORITHM_NAMES:
        raise OpenSSHConfigError("SSHFP algorithm %d is unknown (1 RSA, 2 DSA, 3 ECDSA, 4 Ed25519, 6 Ed448)"
                                 % algorithm, where)
    if fp_type not in _HEX_LENGTH:
        raise OpenSSHConfigError("SSHFP fingerprint type %d is unknown (1 SHA-1, 2 SHA-256); OpenSSH clients "
                                 "skip DNS verification of the whole name when they meet one" % fp_type, where)
    if not _HEX.match(fingerprint) or len(fingerprint) != _HEX_LENGTH[fp_type]:
        raise OpenSSHConfigError("the %s fingerprint of %r must be %d hex digits"
                                 % (HASH_NAMES[fp_type], text[:80], _HEX_LENGTH[fp_type]), where)
    return Record(algorithm, fp_type, fingerprint)


def parse_records(texts: Any, where: str = "records") -> Set[Record]:
    if not isinstance(texts, (list, tuple)):
        raise OpenSSHConfigError("records must be a list of strings like '4 2 <hex>'", where)
    return {parse_record(text, "%s[%d]" % (where, index)) for index, text in enumerate(texts)}


def sort_records(records: Iterable[Record]) -> List[Record]:
    return sorted(records)


def texts(records: Iterable[Record]) -> List[str]:
    return [record.text() for record in sort_records(records)]


# ---------------------------------------------------------------------------
# Which keys sshd serves
# ---------------------------------------------------------------------------

class HostKey(object):
    """A host key file and the public key sshd serves from it."""

    __slots__ = ("path", "key")

    def __init__(self, path: str, key: keys.PublicKey):
        self.path = path
        self.key = key

    @property
    def algorithm(self) -> int:
        return algorithm_of(self.key, self.path)

    def as_dict(self, fp_types: Sequence[int] = (2,)) -> Dict[str, Any]:
        return {"path": self.path, "type": self.key.type_name, "fingerprint": self.key.fingerprint,
                "sshfp_algorithm": self.algorithm,
                "records": texts(records_for_key(self.key, fp_types, self.path))}

    def __repr__(self):
        return "HostKey(%s, %s)" % (self.path, self.key.describe())


def offered_types(effective: Mapping[str, List[str]]) -> Optional[Set[str]]:
    """Key types HostKeyAlgorithms lets sshd offer, or None when sshd -T did not say."""
    lines = effective.get("hostkeyalgorithms")
    if not lines:
        return None
    names = {name for line in lines for name in line.replace(" ", ",").split(",") if name}
    certificates = bool(effective.get("hostcertificate"))
    offered = set()
    for key_type, algorithms in _OFFERED_BY.items():
        for name in algorithms:
            base = name[:-len("@openssh.com")] if name.endswith("@openssh.com") else name
            if name in names or (certificates and base + _CERT_SUFFIX in names):
                offered.add(key_type)
    return offered


def served_keys(effective: Mapping[str, List[str]], loaded: Mapping[str, Optional[keys.PublicKey]]
                ) -> Tuple[List[HostKey], List[Dict[str, str]]]:
    """The keys sshd offers, in HostKey order, and why the other hostkey lines are not.

    ``effective`` is ``sshd -T`` parsed (effective.parse_dump); ``loaded`` maps
    every path of its ``hostkey`` lines to the public key sshd loads from it,
    or None when the file does not exist. Returns (served, skipped) where
    skipped entries are ``{"path", "reason"}``.
    """
    offered = offered_types(effective)
    served: List[HostKey] = []
    skipped: List[Dict[str, str]] = []
    seen: Dict[str, str] = {}
    for path in effective.get("hostkey", []):
        key = loaded.get(path)
        if key is None:
            skipped.append({"path": path, "reason": "the file does not exist; sshd skips it"})
            continue
        type_name = key.key_type.plain
        if type_name in seen:
            skipped.append({"path": path, "reason": "%s already serves a %s key; sshd never offers a second "
                            "key of the same type" % (seen[type_name], type_name)})
            continue
        seen[type_name] = path
        if offered is not None and type_name not in offered:
            skipped.append({"path": path, "reason": "HostKeyAlgorithms does not offer %s" % type_name})
            continue
        served.append(HostKey(path, key))
    return served, skipped


def algorithm_clashes(host_keys: Sequence[HostKey]) -> List[str]:
    """Keys that share one SSHFP algorithm (ECDSA curves all map to 3)."""
    by_algorithm: Dict[int, List[HostKey]] = {}
    for host_key in host_keys:
        by_algorithm.setdefault(host_key.algorithm, []).append(host_key)
    problems = []
    for algorithm, group in sorted(by_algorithm.items()):
        distinct = {host_key.key.plain_blob for host_key in group}
        if len(distinct) > 1:
            problems.append(
                "%s share SSHFP algorithm %d (%s): OpenSSH 8.7 and newer clients refuse the host whichever of "
                "them they negotiate, because one record of that algorithm never matches"
                % (" and ".join("%s (%s)" % (k.path, k.key.type_name) for k in group), algorithm,
                   ALGORITHM_NAMES[algorithm]))
    return problems


def records_of(host_keys: Iterable[HostKey], fp_types: Sequence[int]) -> Set[Record]:
    result: Set[Record] = set()
    for host_key in host_keys:
        result.update(records_for_key(host_key.key, fp_types, host_key.path))
    return result


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

def _check_labels(name: str, where: str, what: str) -> None:
    if len(name) > 253:
        raise OpenSSHConfigError("%s %r is longer than 253 characters" % (what, name[:60]), where)
    for label in name.split("."):
        if not _LABEL.match(label):
            raise OpenSSHConfigError(
                "%s %r has the label %r: labels are 1-63 letters, digits, '-' or '_' (no wildcard, no empty "
                "label)" % (what, name, label), where)


def zone_name(zone: Any, where: str = "zone") -> str:
    """``lab.test`` or ``lab.test.`` -> ``lab.test.`` (lower case)."""
    if not isinstance(zone, str) or not zone.strip("."):
        raise OpenSSHConfigError("the zone must be a domain name such as example.com", where)
    text = zone.lower()
    text = text[:-1] if text.endswith(".") else text
    _check_labels(text, where, "the zone")
    return text + "."


def absolute_name(name: Any, zone: str, where: str = "name") -> str:
    """The owner name, absolute and lower case, checked to lie inside ``zone``.

    ``web1`` (no dot) is relative to the zone; ``web1.lab.test`` and
    ``web1.lab.test.`` are absolute. A dotted name outside the zone is an
    error rather than a guess.
    """
    zone = zone_name(zone)
    if not isinstance(name, str) or not name.strip("."):
        raise OpenSSHConfigError("the owner name must be a host name such as web1.%s" % zone[:-1], where)
    text = name.lower()
    if text.endswith("."):
        text = text[:-1]
    elif "." not in text:
        text = "%s.%s" % (text, zone[:-1])
    _check_labels(text, where, "the name")
    if text != zone[:-1] and not text.endswith("." + zone[:-1]):
        raise OpenSSHConfigError("%r is not inside the zone %s (write a name of that zone, or a single label "
                                 "relative to it)" % (name, zone), where)
    return text + "."


# ---------------------------------------------------------------------------
# Record sets: what to change, what clients refuse
# ---------------------------------------------------------------------------

def conflicts(records: Iterable[Record]) -> List[str]:
    """Reasons why OpenSSH 8.7+ clients refuse this set whatever key the host serves.

    Two different fingerprints of one type for one algorithm can only come
    from two keys of that algorithm; one of them never matches the key the
    client negotiates.
    """
    seen: Dict[Tuple[int, int], Set[str]] = {}
    for record in records:
        seen.setdefault((record.algorithm, record.fp_type), set()).add(record.fingerprint)
    problems = []
    for (algorithm, fp_type), fingerprints in sorted(seen.items()):
        if len(fingerprints) > 1:
            problems.append("%d %s fingerprints of %s keys: OpenSSH 8.7 and newer clients want every record of "
                            "the negotiated key's algorithm to match, so this host would be refused"
                            % (len(fingerprints), HASH_NAMES.get(fp_type, fp_type),
                               ALGORITHM_NAMES.get(algorithm, algorithm)))
    return problems


class Change(object):
    """The SSHFP set of one name: before and after, and whether DNS must change."""

    __slots__ = ("name", "before", "after", "ttl_before", "ttl")

    def __init__(self, name: str, before: Set[Record], after: Set[Record], ttl_before: Optional[int], ttl: int):
        self.name = name
        self.before = set(before)
        self.after = set(after)
        self.ttl_before = ttl_before
        self.ttl = ttl

    @property
    def added(self) -> List[Record]:
        return sort_records(self.after - self.before)

    @property
    def removed(self) -> List[Record]:
        return sort_records(self.before - self.after)

    @property
    def changed(self) -> bool:
        if self.before != self.after:
            return True
        return bool(self.after) and self.ttl_before != self.ttl

    def zone_lines(self, which: str) -> List[str]:
        records = self.before if which == "before" else self.after
        ttl = self.ttl_before if which == "before" else self.ttl
        return [zone_line(self.name, ttl if ttl is not None else self.ttl, record) for record in sort_records(records)]

    def as_dict(self) -> Dict[str, Any]:
        return {"before": texts(self.before), "after": texts(self.after), "added": texts(self.added),
                "removed": texts(self.removed), "ttl_before": self.ttl_before,
                "ttl": self.ttl if self.after else None, "changed": self.changed}


def plan_changes(current: Mapping[str, Tuple[Set[Record], Optional[int]]], wanted: Mapping[str, Set[Record]],
                 ttl: int) -> List[Change]:
    """One Change per wanted name (sorted by name); ``current`` maps name -> (records, ttl)."""
    changes = []
    for name in sorted(wanted):
        before, ttl_before = current.get(name, (set(), None))
        changes.append(Change(name, before, wanted[name], ttl_before if before else None, ttl))
    return changes


def chunks(items: Sequence[Any], size: int) -> List[List[Any]]:
    size = max(1, int(size))
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


def zone_line(name: str, ttl: int, record: Record) -> str:
    return "%s %d IN SSHFP %s" % (name, ttl, record.text())


def render_zone_fragment(wanted: Mapping[str, Set[Record]], ttl: int, zone: str) -> str:
    """Zone-file lines for every name, for operators who keep zones as files (``$INCLUDE`` it)."""
    lines = ["; SSHFP records of %d names in %s, written by sshsuite.openssh.sshfp_publish." % (len(wanted), zone),
             "; Generated from the host keys sshd serves: edit the inventory, not this file."]
    for name in sorted(wanted):
        for record in sort_records(wanted[name]):
            lines.append(zone_line(name, ttl, record))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# What a client accepts
# ---------------------------------------------------------------------------

def client_accepts(version: str, records: Iterable[Record], key: keys.PublicKey) -> bool:
    """Would an OpenSSH ``version`` client trust ``key`` from this (DNSSEC-secure) record set?

    A model of verify_host_key_dns() in dns.c: records of other algorithms
    are not compared; before 8.7 one match suffices, from 8.7 every compared
    record must match; a record of an unknown fingerprint type makes the
    client give up on DNS (it then asks known_hosts, which for these tests
    is empty: refused).
    """
    algorithm = algorithm_of(key)
    matched = failed = False
    for record in records:
        if record.fp_type not in _DIGEST:
            return False
        if record.algorithm != algorithm:
            continue
        digest = fingerprint_hex(key, record.fp_type)
        if record.fingerprint == digest:
            matched = True
        elif len(record.fingerprint) == len(digest):
            failed = True
    if at_least(version, ALL_MUST_MATCH_SINCE):
        return matched and not failed
    return matched


# ---------------------------------------------------------------------------
# Host key rotation
# ---------------------------------------------------------------------------

def _by_algorithm(host_keys: Sequence[HostKey], what: str) -> Dict[int, HostKey]:
    clashes = algorithm_clashes(host_keys)
    if clashes:
        raise OpenSSHConfigError("; ".join(clashes), what)
    result: Dict[int, HostKey] = {}
    for host_key in host_keys:
        result.setdefault(host_key.algorithm, host_key)
    return result


def _step(action: str, description: str, served: Sequence[HostKey], published: Sequence[HostKey],
          wait: int, fp_types: Sequence[int]) -> Dict[str, Any]:
    served_paths = [k.path for k in served]
    return {
        "action": action,
        "description": description,
        "hostkeys": served_paths,
        "publish": [k.path for k in published],
        "pending": [k.path for k in published if k.path not in served_paths],
        "records": texts(records_of(published, fp_types)),
        "wait_seconds": wait,
    }


def _names(algorithms: Iterable[int]) -> str:
    return ", ".join(ALGORITHM_NAMES[a] for a in algorithms)


def plan_rotation(current: Sequence[HostKey], target: Sequence[HostKey], ttl: int,
                  fp_types: Sequence[int] = (2,)) -> List[Dict[str, Any]]:
    """The steps from the keys sshd serves now to ``target`` that no client version notices.

    Each step is the state to reach, in order: ``hostkeys`` (the HostKey
    list sshd serves, for the sshd role), ``publish`` (the keys whose
    records DNS holds; ``pending`` are those not served yet: the sshfp role's
    pending keys), ``records`` and ``wait_seconds`` (how long resolvers may
    still hand out the previous record set: wait that long before the next
    step). An empty list: nothing to do. Stateless: planning again from
    any intermediate state gives the remaining steps.
    """
    if not target:
        raise OpenSSHConfigError("the target key list is empty: sshd needs at least one host key", "rotate_to")
    now = _by_algorithm(current, "current host keys")
    goal = _by_algorithm(target, "rotate_to")
    same = {a for a in goal if a in now and now[a].key.plain_blob == goal[a].key.plain_blob}
    introduced = [a for a in goal if a not in now]
    swapped = [a for a in goal if a in now and a not in same]
    retired = [a for a in now if a not in goal]
    if not introduced and not swapped and not retired:
        if [k.path for k in current] == [k.path for k in target]:
            return []
        return [_step("serve", "serve the same keys from the listed files", target, target, 0, fp_types)]
    if swapped and not (same or introduced):
        raise OpenSSHConfigError(
            "every algorithm the host serves gets a new key (%s): a client that cached the old record would "
            "meet the new key with nothing else to fall back on. Serve a key of a second algorithm first "
            "(add it to rotate_to), rotate, then drop it if it is not wanted"
            % ", ".join(ALGORITHM_NAMES[a] for a in swapped), "rotate_to")
    steps: List[Dict[str, Any]] = []
    published = list(current)
    if introduced:
        published = list(current) + [goal[a] for a in introduced]
        steps.append(_step(
            "publish", "publish the records of the new %s key(s) next to the served ones (no client compares "
            "records of an algorithm it is not offered)" % _names(introduced),
            current, published, ttl, fp_types))
    bridge = [k for k in target if k.algorithm in same or k.algorithm in introduced]
    if introduced or swapped or retired:
        parts = []
        if introduced:
            parts.append("serve the new %s key(s)" % _names(introduced))
        if swapped:
            parts.append("stop serving the old %s key(s): clients negotiate %s meanwhile"
                         % (_names(swapped), _names(sorted({k.algorithm for k in bridge}))))
        if retired:
            parts.append("stop serving %s" % _names(retired))
        steps.append(_step("serve", "; ".join(parts), bridge, published, 0, fp_types))
    if swapped or retired:
        parts = []
        if swapped:
            parts.append("replace the %s record(s) with the new key's (that algorithm is not served now)"
                         % _names(swapped))
        if retired:
            parts.append("remove the records of %s, which is no longer served" % _names(retired))
        steps.append(_step("publish", "; ".join(parts), bridge, target, ttl if swapped else 0, fp_types))
    if swapped:
        steps.append(_step("serve", "serve the new %s key(s)" % _names(swapped), target, target, 0, fp_types))
    return steps


def _keys_of(paths: Sequence[str], known: Mapping[str, keys.PublicKey]) -> List[keys.PublicKey]:
    return [known[path] for path in paths]


def check_plan(current: Sequence[HostKey], steps: Sequence[Mapping[str, Any]], ttl: int,
               versions: Sequence[str] = LAB_CLIENT_VERSIONS, fp_types: Sequence[int] = (2,),
               new_keys: Sequence[HostKey] = ()) -> List[str]:
    """Every moment of the plan at which a client of one of ``versions`` would refuse the host.

    Starting from ``current`` served and published, each step changes what
    is served or what is published. A resolver may hand out any record set
    that was published less than ``ttl`` seconds ago (the waits of the
    steps are the only time that passes). At every step, every served key
    must be accepted by every version with every record set in circulation.
    ``new_keys`` are the keys the plan introduces (not served at the start).
    """
    known = {k.path: k.key for k in list(current) + list(new_keys)}
    for step in steps:
        for path in list(step["hostkeys"]) + list(step["publish"]):
            if path not in known:
                raise OpenSSHConfigError("the plan names %s, whose key is unknown" % path, "check_plan")
    served = [k.key for k in current]
    published = records_of(current, fp_types)
    history: List[Tuple[Set[Record], float]] = []  # (record set, time it was replaced)
    now = 0.0
    problems = []
    for index, step in enumerate(steps, start=1):
        new_served = _keys_of(step["hostkeys"], known)
        new_records = set()
        for key in _keys_of(step["publish"], known):
            new_records.update(records_for_key(key, fp_types))
        if new_records != published:
            if new_served != served and set(k.blob for k in new_served) != set(k.blob for k in served):
                problems.append("step %d changes both the served keys and the records at once" % index)
            history.append((published, now))
            published = new_records
        served = new_served
        circulating = [published] + [old for old, replaced in history if now - replaced < ttl]
        for key in served:
            for version in versions:
                for record_set in circulating:
                    if not client_accepts(version, record_set, key):
                        problems.append("step %d (%s): an OpenSSH %s client negotiating %s would refuse the "
                                        "host with the records %s"
                                        % (index, step["action"], version, key.describe(), texts(record_set)))
        now += step.get("wait_seconds", 0)
    return problems


def parse_zone_fragment(text: str) -> Dict[str, Tuple[Set[Record], Optional[int]]]:
    """The SSHFP lines of a fragment render_zone_fragment wrote: name -> (records, ttl).

    Lenient: comments, blank lines and lines of another shape are skipped
    (the file is rewritten whole anyway).
    """
    result: Dict[str, Tuple[Set[Record], Optional[int]]] = {}
    for line in text.split("\n"):
        words = line.split(";", 1)[0].split()
        if len(words) < 7 or words[2].upper() != "IN" or words[3].upper() != "SSHFP" or not words[1].isdigit():
            continue
        try:
            record = parse_record(" ".join(words[4:]))
        except OpenSSHConfigError:
            continue
        records, _unused = result.setdefault(words[0].lower(), (set(), int(words[1])))
        records.add(record)
    return result
