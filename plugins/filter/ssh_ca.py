# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the ssh_ca role, on the collection's one key and certificate parser.

``certificate_info``: an OpenSSH certificate (text of a ``-cert.pub`` file) as data.
``ssh_ca_cert_authority_entries``: ``@cert-authority`` entries for the ssh_client role's known_hosts.
``ssh_ca_principals``: the principals files of a host from its inventory groups.

Documentation of each filter: certificate_info.yml, ssh_ca_cert_authority_entries.yml, ssh_ca_principals.yml.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ca, keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError


def certificate_info(certificate: Any) -> Dict[str, Any]:
    if not isinstance(certificate, str):
        raise AnsibleFilterError("certificate_info: expected the certificate text, got %s" % type(certificate).__name__)
    try:
        key = keys.parse_public_key(certificate.strip(), "certificate_info")
    except OpenSSHConfigError as exc:
        raise AnsibleFilterError(str(exc))
    if key.certificate is None:
        raise AnsibleFilterError("certificate_info: %s is a plain key, not a certificate" % key.describe())
    info = key.certificate.info()
    info["key_type"] = key.type_name
    info["comment"] = key.comment
    return info


def ssh_ca_cert_authority_entries(ca_keys: Any, hosts: Any) -> List[Dict[str, Any]]:
    try:
        return ca.cert_authority_entries(ca_keys, hosts)
    except OpenSSHConfigError as exc:
        raise AnsibleFilterError("ssh_ca_cert_authority_entries: %s" % exc)


def ssh_ca_principals(group_names: Any, per_group: Any, explicit: Any = None) -> Dict[str, List[str]]:
    try:
        return ca.principals_by_group(list(group_names or []), per_group, explicit)
    except OpenSSHConfigError as exc:
        raise AnsibleFilterError("ssh_ca_principals: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {
            "certificate_info": certificate_info,
            "ssh_ca_cert_authority_entries": ssh_ca_cert_authority_entries,
            "ssh_ca_principals": ssh_ca_principals,
        }
