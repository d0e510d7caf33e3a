# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter of the sshfp role: the publication entries of every host of the play.

``hostvars | sshsuite.openssh.sshfp_entries(ansible_play_hosts, zone=sshfp_zone)``
collects the records that sshsuite.openssh.sshfp_records computed on each host
(the role registers them as ``sshfp_records_result``), so one sshfp_publish
execution publishes them all.

The records come from the host; the name they are published under comes from
the controller: the host's ``sshfp_name`` in its inventory variables
(hostvars), else its inventory name. A host that could choose the name would
replace the SSHFP records of any other name of the zone (another host, the
apex) with its own key, and VerifyHostKeyDNS clients would trust it. So:

* the name in the host's result must be the controller's name (the action
  plugin of sshfp_records puts it there; anything else means the result did
  not come from it, or ``sshfp_name`` was set where hostvars cannot see it,
  as a play or role variable) - refused otherwise;
* the name must lie in ``zone``, and the entry must be for that zone;
* no two hosts may have one name;
* a host whose facts define ``sshfp_name`` or the result variable is refused:
  a module on the host returned them, and facts override inventory variables.

A host of the list without a result (it did not run the records task) is an
error naming it: publishing without it would look complete and is not.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshfp
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

# Documentation: sshfp_entries.yml.

NAME_VARIABLE = "sshfp_name"


def _controller_name(host: str, variables: Mapping[str, Any], zone: str) -> str:
    """The absolute owner name the controller gives ``host``: its sshfp_name, else its inventory name."""
    name = variables.get(NAME_VARIABLE) if NAME_VARIABLE in variables else None
    if not name:
        name = variables.get("inventory_hostname") or host
    try:
        return sshfp.absolute_name(name, zone, "%s of %s" % (NAME_VARIABLE, host))
    except OpenSSHConfigError as exc:
        raise AnsibleFilterError("sshfp_entries: %s" % exc)


def sshfp_entries(hostvars: Mapping[str, Any], hosts: Sequence[str],
                  result_name: str = "sshfp_records_result", zone: Optional[str] = None) -> List[Dict[str, Any]]:
    if zone:
        try:
            zone = sshfp.zone_name(zone)
        except OpenSSHConfigError as exc:
            raise AnsibleFilterError("sshfp_entries: %s" % exc)
    entries = []
    missing = []
    owners: Dict[str, str] = {}
    for host in hosts:
        try:
            variables = hostvars[host]
        except KeyError:
            raise AnsibleFilterError("sshfp_entries: %s is not an inventory host" % host)
        facts = variables.get("ansible_facts") or {}
        forged = [name for name in (NAME_VARIABLE, result_name) if isinstance(facts, Mapping) and name in facts]
        if forged:
            raise AnsibleFilterError(
                "sshfp_entries: %s has a fact named %s: a module on that host returned it, and it would override "
                "the inventory; refusing to publish any of its records" % (host, " and ".join(forged)))
        result = variables.get(result_name) or {}
        entry = result.get("entry") if isinstance(result, Mapping) else None
        if not entry:
            missing.append(host)
            continue
        entry_zone = entry.get("zone")
        if zone and entry_zone and entry_zone != zone:
            raise AnsibleFilterError("sshfp_entries: the records of %s were computed for the zone %s, this "
                                     "publication is for %s" % (host, entry_zone, zone))
        if not zone and not entry_zone:
            raise AnsibleFilterError("sshfp_entries: the records of %s carry no zone; give zone=" % host)
        name = _controller_name(host, variables, zone or entry_zone)
        if entry.get("name") != name:
            raise AnsibleFilterError(
                "sshfp_entries: the records of %s are for %r, but the controller names it %s (%s in its inventory "
                "variables, else its inventory name); refusing: a host never chooses the name its key is "
                "published under. Set %s per host in the inventory (host_vars or group_vars), not as a play or "
                "role variable, which other hosts' hostvars cannot see"
                % (host, entry.get("name"), name, NAME_VARIABLE, NAME_VARIABLE))
        if name in owners:
            raise AnsibleFilterError("sshfp_entries: %s and %s both have the name %s; each name's records come "
                                     "from one host" % (owners[name], host, name))
        owners[name] = host
        entries.append({"name": name, "zone": zone or entry_zone, "records": list(entry.get("records") or [])})
    if missing:
        raise AnsibleFilterError("sshfp_entries: no SSHFP records were computed for %s (variable %s); run "
                                 "sshsuite.openssh.sshfp_records on every host that is published"
                                 % (", ".join(missing), result_name))
    return entries


class FilterModule(object):
    def filters(self):
        return {"sshfp_entries": sshfp_entries}
