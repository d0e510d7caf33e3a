# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter of the sshfp role: the publication entries of every host of the play.

``hostvars | sshsuite.openssh.sshfp_entries(ansible_play_hosts)`` collects the
``entry`` that sshsuite.openssh.sshfp_records returned on each host (the role
registers it as ``sshfp_records_result``), so one sshfp_publish execution
publishes them all. A host of the list without a result (it did not run the
records task) is an error naming it: publishing without it would look
complete and is not.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from ansible.errors import AnsibleFilterError

# Documentation: sshfp_entries.yml.


def sshfp_entries(hostvars: Mapping[str, Any], hosts: Sequence[str],
                  result_name: str = "sshfp_records_result") -> List[Dict[str, Any]]:
    entries = []
    missing = []
    for host in hosts:
        try:
            variables = hostvars[host]
        except KeyError:
            raise AnsibleFilterError("sshfp_entries: %s is not an inventory host" % host)
        result = variables.get(result_name) or {}
        entry = result.get("entry") if isinstance(result, Mapping) else None
        if not entry:
            missing.append(host)
            continue
        entries.append({"name": entry["name"], "zone": entry.get("zone"), "records": list(entry["records"])})
    if missing:
        raise AnsibleFilterError("sshfp_entries: no SSHFP records were computed for %s (variable %s); run "
                                 "sshsuite.openssh.sshfp_records on every host that is published"
                                 % (", ".join(missing), result_name))
    return entries


class FilterModule(object):
    def filters(self):
        return {"sshfp_entries": sshfp_entries}
