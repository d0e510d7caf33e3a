# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host half of SSHFP: which keys this host's sshd serves, and their records.

One module execution (sshfp_records) per host: ``sshd -T`` once, then each
host key file read in-process. Reads only; works on hosts this collection
does not otherwise manage.

The key sshd serves from a ``HostKey`` file is the public half of the
*private* key (sshd logs "Public key for ... does not match private key" and
ignores a ``.pub`` that disagrees), so the public key is read from the
private key file itself: the OpenSSH format carries it in clear
(keys.public_key_from_private). Only PEM-format keys need ``ssh-keygen -y``.
With ``HostKeyAgent`` the private key may live in an agent: then the ``.pub``
file is what sshd loads.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    keys,
    sshd_host,
    sshfp,
    text as textcheck,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

Runner = sshd_host.Runner


def _host_keys(paths: Sequence[str], run: Runner, where: str, warnings: List[str]) -> List[sshfp.HostKey]:
    result = []
    for index, path in enumerate(paths):
        textcheck.check_path(path, "%s[%d]" % (where, index))
        key, more = sshd_host.load_public_key(path, run)
        warnings.extend(more)
        if key is None:
            raise OpenSSHConfigError("%s does not exist (generate the key before publishing its record)" % path,
                                     "%s[%d]" % (where, index))
        result.append(sshfp.HostKey(path, key))
    return result


ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    zone=dict(type="str"),
    hash_types=dict(type="list", elements="str", default=["sha256"]),
    pending_host_keys=dict(type="list", elements="path", default=[], no_log=False),
    rotate_to=dict(type="list", elements="path", default=[]),
    ttl=dict(type="int", default=3600),
    config=dict(type="path", default="/etc/ssh/sshd_config"),
    sshd=dict(type="path", default=sshd_host.SSHD),
)


def precheck(params: Mapping[str, Any]) -> Tuple[Optional[str], str, List[int]]:
    """Every check that needs no host (the action plugin runs it on the controller): (zone, name, types)."""
    zone = sshfp.zone_name(params["zone"]) if params.get("zone") else None
    name = sshfp.absolute_name(params["name"], zone, "name") if zone else params["name"]
    if not zone:
        textcheck.check_text(name, "name")
    fp_types = sshfp.hash_numbers(params.get("hash_types") or ["sha256"])
    for option in ("pending_host_keys", "rotate_to"):
        for index, path in enumerate(params.get(option) or []):
            textcheck.check_path(path, "%s[%d]" % (option, index))
    textcheck.check_path(params.get("config") or "/etc/ssh/sshd_config", "config")
    textcheck.check_path(params.get("sshd") or sshd_host.SSHD, "sshd")
    ttl = params.get("ttl", 3600)
    if not isinstance(ttl, int) or ttl < 0:
        raise OpenSSHConfigError("ttl must be a number of seconds", "ttl")
    return zone, name, fp_types


def apply(params: Mapping[str, Any], run: Runner, check_mode: bool = False, want_diff: bool = False,
          backup: Any = None) -> Dict[str, Any]:
    """Everything sshfp_records returns. Never changes the host (the same in check mode)."""
    zone, name, fp_types = precheck(params)
    config = params.get("config") or "/etc/ssh/sshd_config"
    sshd = params.get("sshd") or sshd_host.SSHD
    warnings: List[str] = []

    effective = sshd_host.dump_effective(run, config, create=False, sshd=sshd)
    agent = (effective.get("hostkeyagent") or ["none"])[0] not in ("none", "")
    loaded: Dict[str, Optional[keys.PublicKey]] = {}
    for path in effective.get("hostkey", []):
        if path not in loaded:
            key, more = sshd_host.load_public_key(path, run, agent)
            warnings.extend(more)
            loaded[path] = key
    served, skipped = sshfp.served_keys(effective, loaded)
    if not served:
        raise OpenSSHConfigError("sshd serves no host key here (hostkey lines of sshd -T: %s)"
                                 % (", ".join(effective.get("hostkey", [])) or "none"), "config")
    warnings.extend(sshfp.algorithm_clashes(served))

    pending = _host_keys(params.get("pending_host_keys") or [], run, "pending_host_keys", warnings)
    served_blobs = {k.key.plain_blob for k in served}
    pending = [k for k in pending if k.key.plain_blob not in served_blobs]
    for host_key in pending:
        for other in served:
            if other.algorithm == host_key.algorithm:
                raise OpenSSHConfigError(
                    "%s is a %s key like the served %s: with both records published, OpenSSH 8.7 and newer "
                    "clients refuse this host (every record of the negotiated algorithm must match). Stop "
                    "serving %s first, then publish the new key (docs/sshfp.md, rotation)"
                    % (host_key.path, sshfp.ALGORITHM_NAMES[host_key.algorithm], other.path, other.path),
                    "pending_host_keys")
    clashes = sshfp.algorithm_clashes(pending)
    if clashes:
        raise OpenSSHConfigError("; ".join(clashes), "pending_host_keys")

    records = sshfp.records_of(list(served) + pending, fp_types)
    result: Dict[str, Any] = {
        "changed": False,
        "name": name,
        "zone": zone,
        "records": sshfp.texts(records),
        "entry": {"name": name, "zone": zone, "records": sshfp.texts(records)},
        "keys": [k.as_dict(fp_types) for k in served],
        "pending": [k.as_dict(fp_types) for k in pending],
        "skipped": skipped,
        "warnings": warnings,
    }
    if params.get("rotate_to"):
        target = []
        known = {k.path: k for k in served}
        for index, path in enumerate(params["rotate_to"]):
            if path in known:
                target.append(known[path])
            else:
                target.extend(_host_keys([path], run, "rotate_to", warnings))
        ttl = int(params.get("ttl") or 3600)
        steps = sshfp.plan_rotation(served, target, ttl, fp_types)
        problems = sshfp.check_plan(served, steps, ttl, fp_types=fp_types,
                                    new_keys=[k for k in target if k.path not in known])
        if problems:  # the planner's own guarantee failed: never hand out such a plan
            raise OpenSSHConfigError("the rotation plan would break clients: %s" % "; ".join(problems), "rotate_to")
        result["rotation"] = steps
    return result
