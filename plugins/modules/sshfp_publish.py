#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sshfp_publish
short_description: Publish the SSHFP records of many names with TSIG-signed dynamic updates, or as a zone-file fragment
version_added: 0.1.0
description:
  - Makes the zone's primary serve exactly the given SSHFP records for each given name. Records of other
    types and names that are not given stay as they are.
  - V(dynamic) (default) reads each name's SSHFP set from the primary over TCP with the TSIG key, and sends only
    the names that differ in RFC 2136 UPDATE messages signed with TSIG. Up to O(max_names_per_update) names go
    in one message, so 100 hosts take one update.
  - For each name, the update carries a prerequisite that its set is still what was read. It then deletes the
    whole set and adds every wanted record, so stale records of rotated keys go in the same atomic update that
    adds the new ones. If someone else changed a name in between, the server refuses the update; the module
    reads again and retries.
  - An unchanged run only reads and reports V(changed=false). Check mode reads and reports the records it
    would add and remove; C(--diff) shows them as zone-file lines.
  - With O(wait_until_served), the module waits until the primary serves the new sets. Servers with inline signing
    publish the signed copy a moment after the update.
  - V(zonefile) writes the same records as a zone-file fragment to O(zone_file) (for C($INCLUDE)) on the host
    the task runs on. The file holds exactly the names of this run.
  - Refuses, before anything is sent, a record set that OpenSSH 8.7 and newer clients would refuse whatever
    key the host serves (two different fingerprints of one algorithm), unless O(allow_conflicting) is set.
  - Needs the Python package dnspython where it runs (the controller by default; the collection's
    C(requirements.txt) pins it). V(zonefile) does not.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: Reads the primary (or the fragment) and reports the records it would add and remove; sends no update and writes no file.
  diff_mode:
    support: full
    description: The records before and after, as zone-file lines, for every name that changes (the whole fragment for V(zonefile)).
options:
  zone:
    description: The zone the names belong to, for example V(example.com).
    type: str
    required: true
  entries:
    description:
      - The names and their complete SSHFP sets. An empty O(entries[].records) removes every SSHFP record of
        the name.
      - The RV(sshsuite.openssh.sshfp_records#module:entry) result of M(sshsuite.openssh.sshfp_records) has
        this form.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Owner name, absolute or relative to O(zone).
        type: str
        required: true
      records:
        description:
          - Records as V(ALGORITHM TYPE HEX). Upper case and BIND's split hex are accepted.
        type: list
        elements: str
        default: []
      zone:
        description: Zone the entry was computed for; it must be O(zone).
        type: str
  absent:
    description: Names whose SSHFP records are all removed (decommissioned hosts).
    type: list
    elements: str
    default: []
  method:
    description: V(dynamic) sends RFC 2136 updates to O(server); V(zonefile) writes O(zone_file).
    type: str
    choices: [dynamic, zonefile]
    default: dynamic
  server:
    description: The zone's primary (address or name). Its answers must be authoritative.
    type: str
  port:
    description: The primary's DNS port.
    type: int
    default: 53
  tsig_key_name:
    description: Name of the TSIG key the primary allows to update the zone.
    type: str
  tsig_algorithm:
    description: TSIG algorithm of the key.
    type: str
    choices: [hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1]
    default: hmac-sha256
  tsig_secret:
    description: The key's secret in base64, as C(tsig-keygen) prints it. Keep it in Ansible Vault.
    type: str
  ttl:
    description: TTL of the records. A set whose TTL differs is replaced.
    type: int
    default: 3600
  timeout:
    description: Seconds to wait for each answer of the primary.
    type: float
    default: 10.0
  wait_until_served:
    description: After an update, wait until the primary serves the new sets.
    type: bool
    default: true
  serve_timeout:
    description: Seconds O(wait_until_served) waits at most.
    type: float
    default: 30.0
  max_names_per_update:
    description: Names per UPDATE message.
    type: int
    default: 100
  allow_conflicting:
    description: Publish a set with two fingerprints of one algorithm although OpenSSH 8.7+ clients refuse it.
    type: bool
    default: false
  zone_file:
    description: Path of the fragment for V(zonefile). Its directory must be owned by root and not writable by others.
    type: path
notes:
  - The TSIG secret is never logged and never returned.
seealso:
  - module: sshsuite.openssh.sshfp_records
  - name: RFC 2136 (dynamic updates)
    description: Prerequisites and update sections used here.
    link: https://www.rfc-editor.org/rfc/rfc2136
"""

EXAMPLES = r"""
- name: Records of every host
  sshsuite.openssh.sshfp_records:
    name: "{{ inventory_hostname }}"
    zone: example.com
  register: sshfp

- name: Publish them all in one run on the controller
  sshsuite.openssh.sshfp_publish:
    zone: example.com
    server: ns1.example.com
    tsig_key_name: sshfp-update
    tsig_secret: "{{ vault_sshfp_tsig_secret }}"
    ttl: 3600
    entries: "{{ ansible_play_hosts | map('extract', hostvars, ['sshfp', 'entry']) | list }}"
  delegate_to: localhost
  run_once: true

- name: Or write a fragment the zone file includes
  sshsuite.openssh.sshfp_publish:
    method: zonefile
    zone: example.com
    zone_file: /etc/bind/zones/example.com.sshfp
    entries: "{{ ansible_play_hosts | map('extract', hostvars, ['sshfp', 'entry']) | list }}"
  delegate_to: ns1.example.com
  run_once: true
"""

RETURN = r"""
zone:
  description: The zone, absolute.
  returned: always
  type: str
  sample: example.com.
names:
  description: Per name, C(before), C(after), C(added), C(removed) (record lists), C(ttl_before), C(ttl) and C(changed).
  returned: always
  type: dict
changed_names:
  description: Names whose set was (or in check mode would be) replaced.
  returned: always
  type: list
  elements: str
added:
  description: Records added, as zone-file lines.
  returned: always
  type: list
  elements: str
  sample: ["web1.example.com. 3600 IN SSHFP 4 2 9a1c..."]
removed:
  description: Records removed, as zone-file lines.
  returned: always
  type: list
  elements: str
queries:
  description: Queries sent to the primary.
  returned: method is dynamic
  type: int
updates:
  description: UPDATE messages sent.
  returned: method is dynamic
  type: int
served:
  description: Whether the primary served the new sets before the module returned (null when nothing was sent).
  returned: method is dynamic
  type: bool
seconds:
  description: Time spent talking to the primary.
  returned: method is dynamic
  type: float
path:
  description: The fragment written.
  returned: method is zonefile
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshfp_dns
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import run_apply


def main():
    module = AnsibleModule(argument_spec=sshfp_dns.ARGUMENT_SPEC, required_if=sshfp_dns.REQUIRED_IF,
                           supports_check_mode=True)
    run_apply(module, sshfp_dns.apply)


if __name__ == "__main__":
    main()
