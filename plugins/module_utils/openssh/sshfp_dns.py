# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and replacing SSHFP record sets on a zone's primary (RFC 2136, TSIG).

The wire half of the sshfp_publish module; the decisions (what to change,
what clients refuse) are in sshfp.py. Needs dnspython where it runs (the
controller by default: requirements.txt pins it).

How a publication goes:

1. every name's SSHFP set is read from the primary itself over TCP, signed
   with the TSIG key (an authoritative answer, never a resolver's cache);
2. the names whose set or TTL differs are sent in RFC 2136 UPDATE messages
   (``max_names`` names per message, one message for 100 hosts by default).
   For each name: a prerequisite that its SSHFP set is still exactly what
   was read (or absent), a delete of the whole set, and an add of every
   wanted record. So the new records and the removal of stale ones land in
   one atomic update, records of other types and other names are never
   touched, and a concurrent change by someone else makes the server refuse
   the update (YXRRSET/NXRRSET) instead of being overwritten: the names are
   then read again and the update rebuilt (up to ``attempts`` times);
3. with ``wait_until_served``, the primary is asked again until it serves what was
   sent (inline-signing servers publish the signed copy a few tens of
   milliseconds later).
"""

from __future__ import annotations

import socket
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio, sshfp
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import text as textcheck
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.tsig
    import dns.update
    HAS_DNSPYTHON = True
    DNSPYTHON_ERROR = None
except ImportError as exc:  # reported by the module, with where to install it
    HAS_DNSPYTHON = False
    DNSPYTHON_ERROR = str(exc)

MISSING_DNSPYTHON = (
    "the Python package dnspython is missing where sshfp_publish runs (%s): install it there "
    "(pip install dnspython, or the distribution's python3-dnspython), or delegate the task "
    "(role variable sshfp_publish_host) to a host that has it")

TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1")


class PublishError(OpenSSHConfigError):
    """The primary refused or did not answer; nothing more was sent."""


class PrerequisiteFailed(Exception):
    """Someone changed a name between our read and our update."""


def _rcode_reason(rcode: int, what: str) -> str:
    reasons = {
        dns.rcode.REFUSED: "REFUSED: the server does not allow this key to change these names (allow-update or "
                           "update-policy), or is not the zone's primary",
        dns.rcode.NOTAUTH: "NOTAUTH: the server is not authoritative for the zone, or refused the TSIG key "
                           "(wrong name, algorithm or secret)",
        dns.rcode.NOTZONE: "NOTZONE: a name is outside the zone",
        dns.rcode.SERVFAIL: "SERVFAIL: the server could not apply it (see its log)",
        dns.rcode.FORMERR: "FORMERR: the server could not parse the message",
        dns.rcode.NOTIMP: "NOTIMP: the server does not implement dynamic updates",
    }
    return "%s: %s" % (what, reasons.get(rcode, dns.rcode.to_text(rcode)))


class Primary(object):
    """One zone on its primary server, reached over TCP with a TSIG key."""

    def __init__(self, server: str, port: int, zone: str, key_name: str, key_algorithm: str, secret: str,
                 timeout: float = 10.0):
        if not HAS_DNSPYTHON:
            raise OpenSSHConfigError(MISSING_DNSPYTHON % DNSPYTHON_ERROR, "dnspython")
        self.server = server
        self.port = port
        self.zone = dns.name.from_text(sshfp.zone_name(zone))
        self.timeout = timeout
        if key_algorithm not in TSIG_ALGORITHMS:
            raise OpenSSHConfigError("unknown TSIG algorithm %r (use one of %s)"
                                     % (key_algorithm, ", ".join(TSIG_ALGORITHMS)), "tsig_algorithm")
        try:
            self.key = dns.tsig.Key(key_name, secret, key_algorithm)
        except Exception as exc:  # binascii.Error, dns.exception.SyntaxError
            raise OpenSSHConfigError("the TSIG key %r is unusable: %s (the secret is base64, as tsig-keygen "
                                     "prints it)" % (key_name, exc), "tsig_secret")
        self.address = self._resolve(server, port)
        self.sock: Optional[socket.socket] = None
        self.queries = 0
        self.updates = 0

    @staticmethod
    def _resolve(server: str, port: int) -> str:
        try:
            infos = socket.getaddrinfo(server, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise PublishError("cannot resolve the primary %r: %s" % (server, exc), "server")
        return infos[0][4][0]

    # -- transport ---------------------------------------------------------------------
    def _connect(self) -> socket.socket:
        if self.sock is None:
            family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect((self.address, self.port))
            except OSError as exc:
                sock.close()
                raise PublishError("cannot reach the primary %s port %d over TCP: %s"
                                   % (self.server, self.port, exc), "server")
            self.sock = sock
        return self.sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, message: "dns.message.Message", what: str) -> "dns.message.Message":
        """Send over the open connection (reconnecting once if the server closed it)."""
        for attempt in (1, 2):
            sock = self._connect()
            try:
                return dns.query.tcp(message, self.address, timeout=self.timeout, port=self.port, sock=sock)
            except (EOFError, ConnectionError, BrokenPipeError) as exc:
                self.close()
                if attempt == 2:
                    raise PublishError("%s: the primary %s closed the connection (%s)" % (what, self.server, exc),
                                       "server")
            except dns.tsig.PeerError as exc:
                self.close()
                raise PublishError("%s: the primary refused the TSIG key %s (%s: the key name, algorithm or "
                                   "secret differs from the server's)" % (what, self.key.name, exc.__class__.__name__),
                                   "tsig_secret")
            except dns.exception.Timeout:
                self.close()
                raise PublishError("%s: no answer from the primary %s within %s s" % (what, self.server, self.timeout),
                                   "server")
            except (dns.exception.DNSException, OSError) as exc:
                self.close()
                raise PublishError("%s: %s" % (what, exc), "server")
        raise AssertionError("unreachable")

    # -- reading -----------------------------------------------------------------------
    def read(self, name: str) -> Tuple[Set[sshfp.Record], Optional[int]]:
        """The SSHFP set of ``name`` as the primary serves it, and its TTL (None: no records)."""
        query = dns.message.make_query(name, dns.rdatatype.SSHFP)
        query.flags &= ~dns.flags.RD
        query.use_tsig(self.key)
        response = self.exchange(query, "reading %s SSHFP" % name)
        self.queries += 1
        rcode = response.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise PublishError(_rcode_reason(rcode, "reading %s SSHFP" % name), "server")
        if not response.flags & dns.flags.AA:
            raise PublishError("%s is not authoritative for %s (its answer has no AA flag): give the zone's primary "
                               "as server" % (self.server, self.zone), "server")
        owner = dns.name.from_text(name)
        records: Set[sshfp.Record] = set()
        ttl = None
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.CNAME:
                raise PublishError("%s is an alias (CNAME): SSHFP records belong on the name it points to" % name,
                                   "entries")
            if rrset.rdtype != dns.rdatatype.SSHFP or rrset.name != owner:
                continue
            ttl = rrset.ttl
            for rdata in rrset:
                records.add(sshfp.Record(rdata.algorithm, rdata.fp_type, rdata.fingerprint.hex()))
        return records, (ttl if records else None)

    # -- writing -----------------------------------------------------------------------
    def build_update(self, changes: List[sshfp.Change]) -> "dns.update.UpdateMessage":
        update = dns.update.UpdateMessage(self.zone, keyring=self.key)
        for change in changes:
            owner = dns.name.from_text(change.name)
            if change.before:
                for record in sshfp.sort_records(change.before):
                    update.present(owner, dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SSHFP, record.text()))
            else:
                update.absent(owner, dns.rdatatype.SSHFP)
            update.delete(owner, dns.rdatatype.SSHFP)
            for record in sshfp.sort_records(change.after):
                update.add(owner, change.ttl, dns.rdatatype.SSHFP, record.text())
        return update

    def send(self, changes: List[sshfp.Change]) -> None:
        what = "updating %d name(s) in %s" % (len(changes), self.zone)
        response = self.exchange(self.build_update(changes), what)
        self.updates += 1
        rcode = response.rcode()
        if rcode in (dns.rcode.YXRRSET, dns.rcode.NXRRSET, dns.rcode.YXDOMAIN, dns.rcode.NXDOMAIN):
            raise PrerequisiteFailed(dns.rcode.to_text(rcode))
        if rcode != dns.rcode.NOERROR:
            raise PublishError(_rcode_reason(rcode, what), "server")


def publish(primary: Primary, wanted: Mapping[str, Set[sshfp.Record]], ttl: int, check_mode: bool = False,
            max_names: int = 100, attempts: int = 3, wait: bool = True, serve_timeout: float = 30.0
            ) -> Dict[str, Any]:
    """Make the primary serve exactly ``wanted`` (name -> records) for these names.

    Returns ``{"changes": [Change...], "changed": bool, "served": bool|None,
    "queries": n, "updates": n, "attempts": n}``. In check mode only reads.
    """
    started = time.monotonic()
    try:
        for attempt in range(1, attempts + 1):
            current = {name: primary.read(name) for name in wanted}
            changes = sshfp.plan_changes(current, wanted, ttl)
            todo = [change for change in changes if change.changed]
            if check_mode or not todo:
                break
            try:
                for chunk in sshfp.chunks(todo, max_names):
                    primary.send(chunk)
            except PrerequisiteFailed as exc:
                if attempt == attempts:
                    raise PublishError("the SSHFP records of these names kept changing while they were being "
                                       "updated (%s after %d attempts): another publisher is at work" %
                                       (exc, attempts), "entries")
                continue
            break
        served = None
        if todo and not check_mode and wait:
            served = _wait_served(primary, todo, serve_timeout)
            if not served:
                raise PublishError("the primary accepted the update but still does not serve the new SSHFP sets "
                                   "after %s s" % serve_timeout, "serve_timeout")
    finally:
        primary.close()
    return {"changes": changes, "changed": bool(todo), "served": served, "queries": primary.queries,
            "updates": primary.updates, "attempts": attempt, "seconds": round(time.monotonic() - started, 3)}


def _wait_served(primary: Primary, changes: List[sshfp.Change], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    waiting = list(changes)
    while True:
        waiting = [change for change in waiting if primary.read(change.name) != (
            change.after, change.ttl if change.after else None)]
        if not waiting:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# The sshfp_publish module
# ---------------------------------------------------------------------------

ARGUMENT_SPEC = dict(
    zone=dict(type="str", required=True),
    entries=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        records=dict(type="list", elements="str", default=[]),
        zone=dict(type="str"),
    )),
    absent=dict(type="list", elements="str", default=[]),
    method=dict(type="str", choices=["dynamic", "zonefile"], default="dynamic"),
    server=dict(type="str"),
    port=dict(type="int", default=53),
    tsig_key_name=dict(type="str", no_log=False),
    tsig_algorithm=dict(type="str", choices=list(TSIG_ALGORITHMS), default="hmac-sha256"),
    tsig_secret=dict(type="str", no_log=True),
    ttl=dict(type="int", default=3600),
    timeout=dict(type="float", default=10.0),
    wait_until_served=dict(type="bool", default=True),
    serve_timeout=dict(type="float", default=30.0),
    max_names_per_update=dict(type="int", default=100),
    allow_conflicting=dict(type="bool", default=False),
    zone_file=dict(type="path"),
)
REQUIRED_IF = [
    ("method", "dynamic", ("server", "tsig_key_name", "tsig_secret")),
    ("method", "zonefile", ("zone_file",)),
]


def wanted_sets(params: Mapping[str, Any]) -> Tuple[str, Dict[str, Set[sshfp.Record]]]:
    """(zone, name -> records) from the module's entries and absent names, every problem named by place."""
    zone = sshfp.zone_name(params["zone"])
    wanted: Dict[str, Set[sshfp.Record]] = {}
    where_of: Dict[str, str] = {}

    def take(name: str, records: Set[sshfp.Record], where: str) -> None:
        if name in wanted:
            raise OpenSSHConfigError("%s is given twice (%s and %s): each name's SSHFP set is replaced as a whole, "
                                     "so it must come from one place" % (name, where_of[name], where), where)
        wanted[name] = records
        where_of[name] = where

    for index, entry in enumerate(params.get("entries") or []):
        where = "entries[%d]" % index
        if entry.get("zone") and sshfp.zone_name(entry["zone"], where + ".zone") != zone:
            raise OpenSSHConfigError("%s belongs to the zone %s, but this run publishes %s: publish each zone in "
                                     "its own run" % (entry["name"], entry["zone"], zone), where + ".zone")
        name = sshfp.absolute_name(entry["name"], zone, where + ".name")
        records = sshfp.parse_records(entry.get("records") or [], where + ".records")
        problems = sshfp.conflicts(records)
        if problems and not params.get("allow_conflicting"):
            raise OpenSSHConfigError("%s: %s (allow_conflicting: true publishes it anyway)"
                                     % (name, "; ".join(problems)), where + ".records")
        take(name, records, where)
    for index, item in enumerate(params.get("absent") or []):
        take(sshfp.absolute_name(item, zone, "absent[%d]" % index), set(), "absent[%d]" % index)
    ttl = params.get("ttl", 3600)
    if not isinstance(ttl, int) or not 0 <= ttl <= 2147483647:
        raise OpenSSHConfigError("ttl must be 0 to 2147483647 seconds", "ttl")
    return zone, wanted


def precheck(params: Mapping[str, Any]) -> None:
    """Every check that needs no DNS server (the action plugin runs it on the controller)."""
    wanted_sets(params)
    if params.get("method") == "zonefile":
        if not params.get("zone_file"):
            raise OpenSSHConfigError("the zonefile method needs zone_file", "zone_file")
        textcheck.check_path(params["zone_file"], "zone_file")
    else:
        for option in ("server", "tsig_key_name", "tsig_secret"):
            if not params.get(option):
                raise OpenSSHConfigError("the dynamic method needs %s" % option, option)
        textcheck.check_text(params["server"], "server")
    if params.get("max_names_per_update", 100) < 1:
        raise OpenSSHConfigError("max_names_per_update must be at least 1", "max_names_per_update")


def _report(result: Dict[str, Any], changes: List[sshfp.Change], want_diff: bool, header: str) -> None:
    result["names"] = dict((change.name, change.as_dict()) for change in changes)
    changed = [change for change in changes if change.changed]
    result["changed_names"] = [change.name for change in changed]
    result["added"] = [sshfp.zone_line(c.name, c.ttl, r) for c in changed for r in c.added]
    result["removed"] = [sshfp.zone_line(c.name, c.ttl_before or c.ttl, r) for c in changed for r in c.removed]
    if want_diff and changed:
        before = [line for change in changed for line in change.zone_lines("before")]
        after = [line for change in changed for line in change.zone_lines("after")]
        result["diff"] = {"before_header": header, "after_header": header,
                          "before": "\n".join(before) + ("\n" if before else ""),
                          "after": "\n".join(after) + ("\n" if after else "")}


def apply(params: Mapping[str, Any], run: Optional[Callable] = None, check_mode: bool = False,
          want_diff: bool = False, backup: Optional[Callable] = None) -> Dict[str, Any]:
    """Everything sshfp_publish does; raises OpenSSHConfigError before sending anything on bad input."""
    precheck(params)
    zone, wanted = wanted_sets(params)
    ttl = params.get("ttl", 3600)
    result: Dict[str, Any] = {"changed": False, "method": params["method"], "zone": zone}
    if params["method"] == "zonefile":
        path = textcheck.check_path(params["zone_file"], "zone_file")
        text = sshfp.render_zone_fragment(wanted, ttl, zone)
        textcheck.check_text(text.replace("\n", ""), "zone_file", "the fragment")
        old = fileio.read_file(path)
        old_text = old.decode("utf-8", "replace") if old is not None else ""
        existing = sshfp.parse_zone_fragment(old_text)
        for name in existing:
            wanted.setdefault(name, set())  # names dropped from the fragment: reported as removed
        changes = sshfp.plan_changes(existing, wanted, ttl)
        _report(result, changes, False, path)
        result["changed"] = old_text != text
        result["path"] = path
        if want_diff and result["changed"]:
            result["diff"] = {"before_header": path, "after_header": path, "before": old_text, "after": text}
        if result["changed"] and not check_mode:
            fileio.write_file(path, text.encode("utf-8"), mode=0o644)
        return result
    primary = Primary(params["server"], params.get("port", 53), zone, params["tsig_key_name"],
                      params.get("tsig_algorithm", "hmac-sha256"), params["tsig_secret"],
                      params.get("timeout", 10.0))
    done = publish(primary, wanted, ttl, check_mode, params.get("max_names_per_update", 100),
                   wait=params.get("wait_until_served", True), serve_timeout=params.get("serve_timeout", 30.0))
    _report(result, done["changes"], want_diff, "%s SSHFP on %s" % (zone, params["server"]))
    result["changed"] = done["changed"]
    for key in ("served", "queries", "updates", "attempts", "seconds"):
        result[key] = done[key]
    return result
