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
3. with ``confirm``, the primary is asked again until it serves what was
   sent (inline-signing servers publish the signed copy a few tens of
   milliseconds later).
"""

from __future__ import annotations

import socket
import time
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshfp
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
            max_names: int = 100, attempts: int = 3, confirm: bool = True, confirm_timeout: float = 30.0
            ) -> Dict[str, Any]:
    """Make the primary serve exactly ``wanted`` (name -> records) for these names.

    Returns ``{"changes": [Change...], "changed": bool, "confirmed": bool|None,
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
        confirmed = None
        if todo and not check_mode and confirm:
            confirmed = _confirm(primary, todo, confirm_timeout)
            if not confirmed:
                raise PublishError("the primary accepted the update but still does not serve the new SSHFP sets "
                                   "after %s s" % confirm_timeout, "confirm")
    finally:
        primary.close()
    return {"changes": changes, "changed": bool(todo), "confirmed": confirmed, "queries": primary.queries,
            "updates": primary.updates, "attempts": attempt, "seconds": round(time.monotonic() - started, 3)}


def _confirm(primary: Primary, changes: List[sshfp.Change], timeout: float) -> bool:
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
