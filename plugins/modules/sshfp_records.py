#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sshfp_records
short_description: SSHFP records of the host keys this host's sshd really serves
version_added: 0.1.0
description:
  - Asks the host's own C(sshd -T) which C(HostKey) files sshd loads, reads the public key of each from the
    private key file (what sshd serves, even when a C(.pub) file disagrees), and computes the SSHFP records
    (RFC 4255, RFC 6594) in Python; no C(ssh-keygen -r), which prints SHA-1 and SHA-256 whatever it is asked.
  - Follows sshd's rules for what a client can be offered. A missing file is skipped. Of several keys of one
    type only the first is served. A type that C(HostKeyAlgorithms) excludes is not offered. Skipped files are
    listed with the reason.
  - One module execution per host, reading only. It works on any host with sshd, also on hosts this collection
    does not otherwise manage. The records go to M(sshsuite.openssh.sshfp_publish) (the role
    sshsuite.openssh.sshfp does both).
  - O(pending_host_keys) adds the records of keys sshd does not serve yet (the first half of a rotation). A
    pending key of an algorithm the host already serves with another key is refused. OpenSSH 8.7 and newer
    clients refuse a host when any record of the negotiated algorithm mismatches.
  - O(rotate_to) returns the steps from the served keys to that list that no OpenSSH client notices. Each step
    names the C(HostKey) list for sshd, the keys whose records are published and the time to wait.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode runs it unchanged.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
options:
  name:
    description:
      - Owner name of the records, the name clients connect to (C(web1.example.com), or C(web1) relative to
        O(zone)).
    type: str
    required: true
  zone:
    description:
      - The zone the name belongs to. When set, the name is checked to lie inside it and made absolute, and the
        returned entry carries the zone (M(sshsuite.openssh.sshfp_publish) refuses entries of another zone).
    type: str
  hash_types:
    description:
      - Fingerprint types. V(sha256) (type 2) is what every client since OpenSSH 6.1 uses. V(sha1) (type 1)
        only for very old clients; OpenSSH 10.1 announced it will ignore SHA-1 records.
    type: list
    elements: str
    default: [sha256]
  pending_host_keys:
    description:
      - Private host key files (paths) whose records are published although sshd does not serve them yet.
    type: list
    elements: path
    default: []
  rotate_to:
    description:
      - The C(HostKey) list (paths, in order) sshd should serve after a rotation. The result gets
        RV(rotation), the plan. Keys that sshd does not serve yet must exist.
    type: list
    elements: path
    default: []
  ttl:
    description: TTL of the published records, in seconds; the rotation plan waits this long where caches matter.
    type: int
    default: 3600
  config:
    description: sshd configuration file (C(sshd -T -f)).
    type: path
    default: /etc/ssh/sshd_config
  sshd:
    description: Path of the sshd binary.
    type: path
    default: /usr/sbin/sshd
notes:
  - Runs C(sshd -T), which needs the privilege separation directory C(/run/sshd). Where it is missing, sshd runs in
    a private mount namespace with its own empty C(/run); nothing on the host is created.
seealso:
  - module: sshsuite.openssh.sshfp_publish
"""

EXAMPLES = r"""
- name: Records of the keys sshd serves
  sshsuite.openssh.sshfp_records:
    name: "{{ inventory_hostname }}"
    zone: example.com
  register: sshfp

- name: Plan a rotation of the Ed25519 key (the new key file exists)
  sshsuite.openssh.sshfp_records:
    name: web1.example.com
    rotate_to:
      - /etc/ssh/ssh_host_rsa_key
      - /etc/ssh/ssh_host_ed25519_key-2026
    ttl: 3600
  register: sshfp_plan
"""

RETURN = r"""
name:
  description: The owner name (absolute, with a trailing dot, when O(zone) is set).
  returned: always
  type: str
  sample: web1.example.com.
records:
  description: The SSHFP records (served keys and pending keys), C(ALGORITHM TYPE HEX), sorted.
  returned: always
  type: list
  elements: str
  sample: ["1 2 6d3f...", "4 2 9a1c..."]
entry:
  description: C(name), C(zone) and C(records), as M(sshsuite.openssh.sshfp_publish) takes them in O(sshsuite.openssh.sshfp_publish#module:entries).
  returned: always
  type: dict
keys:
  description: The keys sshd serves, in C(HostKey) order, with path, type, SHA256 fingerprint, SSHFP algorithm and records.
  returned: always
  type: list
  elements: dict
pending:
  description: The pending keys, as RV(keys).
  returned: always
  type: list
  elements: dict
skipped:
  description: C(hostkey) lines of C(sshd -T) that serve nothing, with the reason.
  returned: always
  type: list
  elements: dict
rotation:
  description:
    - The rotation plan, one state per step. C(action) is V(serve) or V(publish), with a C(description).
      C(hostkeys) is the C(HostKey) list for sshd. C(publish) lists the keys whose records DNS holds, and
      C(pending) those of them sshd does not serve. C(records) are their records. C(wait_seconds) is how long
      to wait before the next step. An empty list means nothing to do.
  returned: when rotate_to is set
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshfp_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import run_apply


def main():
    module = AnsibleModule(argument_spec=sshfp_host.ARGUMENT_SPEC, supports_check_mode=True)
    run_apply(module, sshfp_host.apply)


if __name__ == "__main__":
    main()
