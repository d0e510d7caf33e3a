#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ssh_config
short_description: The ssh client's configuration, per-user files and global known hosts, validated by ssh -G
version_added: 0.1.0
description:
  - Renders the system-wide C(ssh_config) (or one drop-in in C(/etc/ssh/ssh_config.d)) from global keywords and
    ordered C(Host)/C(Match) blocks, for the OpenSSH version the client really runs, with the same keyword
    catalogue, value checks and renderer as M(sshsuite.openssh.sshd_config).
  - Adds a final C(Host *) block with the C(modern) client profile and the keepalive policy
    (C(ServerAliveInterval)/C(ServerAliveCountMax) from C(dead_peer_timeout)); the operator's own keywords win.
  - Writes C(~/.ssh/config) of named users, as a whole file or as a marked section at the top that leaves the
    user's own lines alone (0700 C(~/.ssh), 0600 file, owned by the user).
  - Builds the global known hosts file from data (host keys, C(@cert-authority), C(@revoked); hashed or not;
    exclusive or additive).
  - Checks every candidate with the client itself before anything is written - C(ssh -G -F candidate) for
    representative destinations, compared with what the data asks for; per-user files are checked as the user,
    together with the system-wide file - and fails with a readable diff when they differ.
  - One module execution per host does all of it; the action plugin checks the data on the controller first,
    so bad input never reaches a host.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: Check mode runs every check (candidates are validated from a private temporary directory that is
      removed again) and reports what would change; it installs, reloads and changes nothing.
  diff_mode:
    support: full
    description: Returns a diff of each file that changes (system-wide file, per-user files, known hosts).
options:
  settings:
    description:
      - Global keywords of the system-wide file (keyword -> value), written before any block. ssh keeps the first
        value it reads, so these apply to every host and no block can change them; put per-host defaults into a
        final C(Host *) block instead.
    type: dict
    default: {}
  blocks:
    description:
      - Ordered blocks, each with C(host) (pattern or list of patterns) or C(match) (criteria as a mapping or a
        string), C(settings), and optionally C(destinations), destinations (C(host) or C(user@host)) that the
        block must apply to; validation checks the block's values there.
    type: list
    elements: dict
    default: []
  profile:
    description: Client security profile written into the final C(Host *) block.
    type: str
    choices: [modern, none]
    default: none
  profile_options:
    description:
      - C(pq_only) (post-quantum key exchange only; cannot reach OpenSSH 8.4 servers), C(sshfp)
        (VerifyHostKeyDNS yes), C(allow_forwarding) (list of agent, x11), C(rsa), C(hash_known_hosts),
        C(update_host_keys).
    type: dict
    default: {}
  dead_peer_timeout:
    description:
      - How long a server that stopped answering may keep the session (seconds or C(5m)); sets
        ServerAliveInterval/ServerAliveCountMax and TCPKeepAlive no. Unset leaves them alone, 0 turns probes off.
    type: raw
  mode:
    description:
      - C(file) manages the whole C(config_path); C(dropin) owns only C(dropin_path); C(none) leaves the
        system-wide configuration alone (users and known hosts only).
    type: str
    choices: [file, dropin, none]
    default: file
  config_path:
    description: The system-wide client configuration file.
    type: path
    default: /etc/ssh/ssh_config
  dropin_path:
    description: The drop-in owned in C(dropin) mode; it must sort first, because ssh keeps the first value it reads.
    type: path
    default: /etc/ssh/ssh_config.d/00-sshsuite.conf
  dropin_dir:
    description: The drop-in directory.
    type: path
    default: /etc/ssh/ssh_config.d
  allow_any_path:
    description:
      - O(config_path), O(dropin_path), O(dropin_dir) and O(known_hosts.path) must lie under C(/etc/ssh), where
        ssh reads its system-wide files. V(true) allows any absolute path.
    type: bool
    default: false
  include_dropins:
    description: In C(file) mode, read the drop-in directory after everything managed (managed values win).
    type: bool
    default: true
  header:
    description: Comment written at the top of managed files.
    type: str
    default: "Managed by Ansible (sshsuite.openssh.ssh_client). Local changes will be overwritten."
  users:
    description: Users whose C(~/.ssh/config) is managed.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Account name; it must exist.
        type: str
        required: true
      settings:
        description: Global keywords of the user's file.
        type: dict
        default: {}
      blocks:
        description: Ordered Host/Match blocks of the user's file (same form as C(blocks)).
        type: list
        elements: dict
        default: []
      manage:
        description:
          - C(section) owns a marked section at the top of the file and keeps every other line as the user wrote it;
            C(file) owns the whole file.
        type: str
        choices: [section, file]
        default: section
      destinations:
        description: Destinations to check this user's file with (default C(destinations)).
        type: list
        elements: str
        default: []
  known_hosts:
    description: The global known hosts file; unset leaves it alone.
    type: dict
    suboptions:
      path:
        description: File to manage.
        type: path
        default: /etc/ssh/ssh_known_hosts
      entries:
        description:
          - Each with C(hosts) (names or patterns), C(keys) (public key lines), optional C(port), C(marker)
            (C(cert-authority) or C(revoked)), C(comment), C(state) (C(present) or C(absent)).
        type: list
        elements: dict
        default: []
      exclusive:
        description:
          - C(true) writes only the managed lines. C(false) keeps other lines, but the data is the truth for the
            names it lists (another key for such a name is taken out).
        type: bool
        default: false
      hash:
        description: Hash literal host names (as C(ssh-keygen -H)); patterns stay in the clear.
        type: bool
        default: false
  destinations:
    description:
      - Destinations (C(host) or C(user@host)) for which C(ssh -G) is compared with the data, besides one derived
        per block. The default names a host that no literal pattern matches.
    type: list
    elements: str
    default: [sshsuite-check.invalid]
  validate:
    description: Compare with C(ssh -G) before writing. Note that C(ssh -G) runs C(Match exec) commands.
    type: bool
    default: true
  backup:
    description: Keep a copy of a changed system-wide file (per-user files are never backed up).
    type: bool
    default: true
seealso:
  - module: sshsuite.openssh.ssh_config_validate
  - module: sshsuite.openssh.sshd_config
"""

EXAMPLES = r"""
- name: A modern client, a bastion and multiplexing
  sshsuite.openssh.ssh_config:
    profile: modern
    dead_peer_timeout: 2m
    blocks:
      - host: bastion
        settings:
          HostName: 192.0.2.10
      - host: "*.internal"
        settings:
          ProxyJump: bastion
      - host: "*"
        settings:
          ControlMaster: auto
          ControlPath: ~/.ssh/cm-%C
          ControlPersist: 10m
    known_hosts:
      entries:
        - hosts: [bastion, 192.0.2.10]
          keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..."]
        - hosts: ["*.internal"]
          marker: cert-authority
          keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... host-ca"]
"""

RETURN = r"""
version:
  description: OpenSSH version of the client.
  returned: always
  type: str
  sample: "9.2"
files:
  description: Every file managed, with C(kind) (system, user, known_hosts), C(changed) and C(backup_file).
  returned: always
  type: list
  elements: dict
validation:
  description:
    - Per configuration (C(system), C(user:NAME)), the destinations checked with the blocks that applied to each,
      the effective values (C(ssh -G)), mismatches and blocks that no destination reached.
  returned: always
  type: dict
mismatches:
  description: Requested values that C(ssh -G) does not report (empty on success).
  returned: always
  type: list
  elements: dict
known_hosts:
  description: Lines added and removed, and the number of key lines.
  returned: when known_hosts is set
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ssh_client_apply
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import run_apply


def main():
    module = AnsibleModule(argument_spec=ssh_client_apply.ARGUMENT_SPEC, supports_check_mode=True)
    run_apply(module, ssh_client_apply.apply)


if __name__ == "__main__":
    main()
