# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the ssh_client role: known_hosts entries from inventory hosts.

``hostvars | sshsuite.openssh.known_hosts_from_hostvars(hosts)`` turns the
host key facts (``ansible_facts.ssh_host_key_<type>_public`` and
``..._public_keytype``, gathered with ``gather_subset: ssh_pub_keys``) of the
named inventory hosts into entries of the ssh_config module's
``known_hosts.entries``: one entry per host, with the names clients use for
it.

The names of a host: its ``ssh_client_known_host_names`` variable when set
(``[web1, web1.example.org, 192.0.2.10, "[web1]:2222"]``), otherwise the
inventory name and ``ansible_host`` (when it differs), on ``ansible_port``
when that is not 22.

``hostvars | sshsuite.openssh.hosts_without_host_keys(hosts)`` names the
hosts whose host key facts are missing, so the role gathers only those.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from ansible.errors import AnsibleFilterError

# Documentation of each filter: known_hosts_from_hostvars.yml, hosts_without_host_keys.yml.

KEY_TYPES = ("ed25519", "rsa", "ecdsa")


def _facts(hostvars: Mapping[str, Any], host: str) -> Mapping[str, Any]:
    try:
        variables = hostvars[host]
    except KeyError:
        raise AnsibleFilterError("known_hosts_from_hostvars: %s is not an inventory host" % host)
    facts = variables.get("ansible_facts") or {}
    return facts


def _public_keys(hostvars: Mapping[str, Any], host: str, key_types: Sequence[str]) -> List[str]:
    facts = _facts(hostvars, host)
    keys = []
    for key_type in key_types:
        if key_type not in KEY_TYPES:
            raise AnsibleFilterError("known_hosts_from_hostvars: unknown key type %r (known: %s)"
                                     % (key_type, ", ".join(KEY_TYPES)))
        blob = facts.get("ssh_host_key_%s_public" % key_type)
        name = facts.get("ssh_host_key_%s_public_keytype" % key_type)
        if blob and name:
            keys.append("%s %s" % (name, blob))
    return keys


def hosts_without_host_keys(hostvars: Mapping[str, Any], hosts: Sequence[str],
                            key_types: Sequence[str] = ("ed25519", "rsa")) -> List[str]:
    """The hosts of ``hosts`` that have none of the host key facts asked for."""
    return [host for host in hosts if not _public_keys(hostvars, host, key_types)]


def known_hosts_from_hostvars(hostvars: Mapping[str, Any], hosts: Sequence[str],
                              key_types: Sequence[str] = ("ed25519", "rsa"),
                              names_var: str = "ssh_client_known_host_names") -> List[Dict[str, Any]]:
    entries: List[Dict[str, Any]] = []
    missing = []
    for host in hosts:
        keys = _public_keys(hostvars, host, key_types)
        if not keys:
            missing.append(host)
            continue
        variables = hostvars[host]
        names = variables.get(names_var)
        entry: Dict[str, Any] = {"keys": keys}
        if names:
            if isinstance(names, str):
                names = [names]
            entry["hosts"] = list(names)
        else:
            entry["hosts"] = [host]
            address = variables.get("ansible_host")
            if address and address != host:
                entry["hosts"].append(str(address))
            port = variables.get("ansible_port")
            if port not in (None, "", 22, "22"):
                entry["port"] = int(port)
        entries.append(entry)
    if missing:
        raise AnsibleFilterError(
            "known_hosts_from_hostvars: no %s host key facts for %s; gather them first "
            "(ansible.builtin.setup with gather_subset: ['!all', '!min', 'ssh_pub_keys'])"
            % ("/".join(key_types), ", ".join(missing)))
    return entries


class FilterModule(object):
    def filters(self):
        return {
            "known_hosts_from_hostvars": known_hosts_from_hostvars,
            "hosts_without_host_keys": hosts_without_host_keys,
        }
