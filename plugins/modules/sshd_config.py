#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sshd_config
short_description: Render, validate and safely apply an sshd configuration in one step
version_added: 0.1.0
description:
  - Renders C(sshd_config) (or one drop-in file) from a mapping of keywords and an ordered list
    of Match blocks, for the OpenSSH version the target really runs.
  - Validates the combination sshd will read (main file, every drop-in, the candidate in place of
    the live file) with the target's own C(sshd -t) and C(sshd -T), and compares the requested
    values with the effective ones, Match blocks included.
  - Refuses a configuration that would lock out the user Ansible connects as, unless told otherwise.
  - Installs the candidate atomically with a backup, reloads sshd, checks that sshd answers on
    every configured address, and rolls back if it does not.
  - Ensures the host keys exist (never regenerating an existing key) and removes key types the
    version dropped.
  - Everything, including the OpenSSH version probe, happens in one module execution, so an
    unchanged run costs one round trip.
  - The action plugin of the same name checks every keyword and value on the controller first,
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
    description: Returns a diff of the managed configuration file (the whole file or the drop-in).
options:
  settings:
    description:
      - Global keywords, as a mapping of keyword to value (any case; written in the man page's spelling).
      - Lists are joined the way sshd reads the keyword (commas, spaces or one line per value);
        booleans become C(yes)/C(no); durations such as C(5m) are allowed where sshd takes a time.
    type: dict
    default: {}
  profile:
    description:
      - Security profile laid under C(settings) (which override it keyword by keyword).
      - C(modern) - post-quantum hybrid and curve25519 key exchange (only what the host's own binary offers),
        AEAD/CTR ciphers, ETM MACs, Ed25519 and RSA host keys with rsa-sha2 signatures, no root or password
        logins, no forwarding, strict limits. Keeps OpenSSH 8.4+, PuTTY, paramiko, AsyncSSH and Ansible in.
      - C(fips) - the algorithm set FIPS 140 / DISA STIG environments require (NIST curves, SHA-2 MACs).
      - C(none) - only what C(settings) says. See docs/profiles.md for every setting and its CIS/STIG item.
    type: str
    choices: [modern, fips, none]
    default: none
  profile_options:
    description:
      - Options of the profile - C(pq_only) (post-quantum key exchange only; locks out many clients, see
        docs/profiles.md), C(root_login) (C(no), C(prohibit-password), C(forced-commands-only)),
        C(allow_passwords), C(allow_keyboard_interactive), C(allow_forwarding) (list of C(tcp), C(agent),
        C(x11), C(streamlocal), C(tunnel), or true), C(rsa_host_key).
    type: dict
    default: {}
  idle_timeout:
    description:
      - End sessions that stay idle this long (a duration such as C(15m)). Written as ChannelTimeout and
        UnusedConnectionTimeout on 9.2 and newer; OpenSSH 8.4 cannot end an idle but responsive session
        (a warning says so; see C(idle_shell_fallback)).
    type: raw
  dead_peer_timeout:
    description:
      - Drop a client that stopped answering within this duration (ClientAliveInterval and
        ClientAliveCountMax, chosen from the disconnect times measured per release; TCPKeepAlive off).
    type: raw
  idle_shell_fallback:
    description: Also write C(/etc/profile.d) TMOUT for the idle timeout, which ends idle shells on any version.
    type: bool
    default: false
  match:
    description:
      - Ordered Match blocks, written after the global keywords.
    type: list
    elements: dict
    default: []
    suboptions:
      criteria:
        description: Match criteria, as a mapping (C(User), C(Group), C(Address), ...) or the raw criteria string.
        type: raw
        required: true
      settings:
        description: Keywords for the block (only those sshd_config(5) allows inside Match).
        type: dict
        required: true
      connection:
        description:
          - Connection specification (C(user), C(host), C(addr), C(laddr), C(lport), C(rdomain)) that matches
            this block, used to check its effective values with C(sshd -T -C). Derived from literal criteria when omitted.
        type: dict
  contributions:
    description:
      - Settings and Match blocks from other roles of the collection, as C(name -> {settings, match}).
        The sshd role fills it from facts named C(sshd_contribution_<name>).
      - Layered under O(settings) (the operator's value wins keyword by keyword) and above the profile;
        their Match blocks follow those of O(match), in name order. Two contributions that set one keyword
        to different values are an error that names both.
    type: dict
    default: {}
  mode:
    description:
      - C(file) manages the whole C(config_path); C(dropin) owns only C(dropin_path) and leaves every other file alone.
    type: str
    choices: [file, dropin]
    default: file
  config_path:
    description: The main sshd configuration file.
    type: path
    default: /etc/ssh/sshd_config
  dropin_path:
    description:
      - The drop-in file owned in C(dropin) mode. It must sort first in its directory, because sshd keeps the
        first value it reads.
    type: path
    default: /etc/ssh/sshd_config.d/00-sshsuite.conf
  include_dropins:
    description:
      - In C(file) mode, read the files of C(dropin_dir) after the global keywords managed here (so the managed
        values win) and before the Match blocks. C(false) leaves the drop-in directory out.
    type: bool
    default: true
  distribution_defaults:
    description:
      - In C(file) mode, start from what the distribution's own sshd_config sets and hosts rely on
        (Debian and Ubuntu - C(UsePAM yes), C(KbdInteractiveAuthentication no), C(PrintMotd no),
        C(AcceptEnv LANG LC_*), their sftp-server path; Red Hat likewise), under C(settings).
      - Without C(UsePAM yes), key logins to accounts with a locked password fail ("account is locked").
    type: bool
    default: true
  dropin_dir:
    description: The drop-in directory (Debian's C(Include) target).
    type: path
    default: /etc/ssh/sshd_config.d
  allow_any_path:
    description:
      - O(config_path), O(dropin_path) and O(dropin_dir) must lie under C(/etc/ssh), where sshd reads its
        configuration. V(true) allows any absolute path.
    type: bool
    default: false
  header:
    description: Comment written at the top of the managed file.
    type: str
    default: "Managed by Ansible (sshsuite.openssh.sshd). Local changes will be overwritten."
  host_keys:
    description:
      - Host key types that must exist. Missing keys are generated; existing keys are never regenerated.
      - When C(settings) sets no C(HostKey), one C(HostKey) line per type is written.
    type: list
    elements: str
    default: [ed25519, rsa]
  host_key_rotation:
    description:
      - 'Opt-in rotation, per key type, C({rsa: {phase: publish, bits: 4096}}). C(publish) generates
        C(/etc/ssh/ssh_host_<type>_key.next) and serves it beside the current key; C(retire) moves it over the
        current key. Files are recorded for the confirmed apply like every other change.'
    type: dict
    default: {}
  host_key_rsa_bits:
    description: Size of a newly generated RSA host key; an existing smaller key is reported, not replaced.
    type: int
    default: 3072
  remove_host_keys:
    description:
      - Host key types to delete. C(auto) removes DSA keys where OpenSSH dropped DSA (10.0 and newer).
    type: list
    elements: str
    default: [auto]
  guard:
    description:
      - Refuse a configuration under which C(guard_user) could no longer log in (AllowUsers, DenyUsers,
        AllowGroups, DenyGroups, PermitRootLogin, AuthenticationMethods, disabled key or password
        authentication, a port the inventory does not use, a key file that does not exist).
    type: bool
    default: true
  guard_user:
    description: User whose access is protected; the action plugin fills in the user Ansible connects as.
    type: str
  guard_port:
    description: Port the inventory connects to.
    type: int
  guard_address:
    description: Address the operator connects from; read from the SSH connection when omitted.
    type: str
  guard_auth:
    description: How the operator authenticates.
    type: str
    choices: [publickey, password]
    default: publickey
  guard_key:
    description:
      - Public key (one line) of the key Ansible logs in with; the action plugin sends the C(.pub) next to the
        connection's private key file. Used when sshd's log does not name the key of this session, to check it
        against C(PubkeyAcceptedAlgorithms), C(RequiredRSASize) and C(RevokedKeys).
    type: str
  guard_jump_host:
    description:
      - Other hosts are reached through this one (the action plugin looks for ProxyJump, C(-J) or ProxyCommand
        naming it in the inventory), so turning TCP forwarding off is a lockout too.
    type: bool
    default: false
  confirm_timeout:
    description:
      - Confirmed apply. After a change that reaches sshd, arm an automatic rollback on the host that restores
        every changed file (the configuration, generated or removed host keys, the idle fallback) and restarts
        sshd after this many seconds, unless the action plugin confirms first with a fresh login.
      - The rollback is a transient systemd timer where systemd runs, a detached process otherwise; it
        survives the module, the SSH session and the controller.
      - Set by the action plugin only for the ssh and paramiko connections (others never authenticate).
        0 arms nothing.
    type: int
    default: 0
  config_mode:
    description: Mode of the managed file (octal text); a stricter mode already on the file is kept.
    type: str
    default: "0600"
  reload:
    description: Reload sshd after a change (and check that it serves, or roll back).
    type: bool
    default: true
  serve_timeout:
    description: Seconds to wait for sshd to answer on every listen address after a reload.
    type: float
    default: 10
  service:
    description: systemd unit name of sshd (without suffix); detected (C(ssh) on Debian, C(sshd) elsewhere).
    type: str
notes:
  - A reload (SIGHUP) makes sshd re-execute itself, so every keyword, listeners included, takes effect
    without dropping open sessions. Under systemd socket activation a changed C(Port) or C(ListenAddress)
    restarts the socket unit instead.
seealso:
  - module: sshsuite.openssh.sshd_validate
"""

EXAMPLES = r"""
- name: Key-only logins, a group that may only use SFTP
  sshsuite.openssh.sshd_config:
    settings:
      PasswordAuthentication: false
      KbdInteractiveAuthentication: false
      PermitRootLogin: prohibit-password
      AllowGroups: [ssh-users, sftp-only]
      Subsystem:
        sftp: internal-sftp
    match:
      - criteria: {Group: sftp-only}
        settings:
          ChrootDirectory: /srv/sftp/%u
          ForceCommand: internal-sftp
          AllowTcpForwarding: false

- name: Own one drop-in and leave the rest of the configuration alone
  sshsuite.openssh.sshd_config:
    mode: dropin
    settings:
      ClientAliveInterval: 5m
"""

RETURN = r"""
version:
  description: OpenSSH version of the target.
  returned: always
  type: str
  sample: "9.2"
idle:
  description: What the idle policy decided (measured dead-peer bound in seconds, what enforces the idle timeout).
  returned: always
  type: dict
path:
  description: The file this module manages.
  returned: always
  type: str
  sample: /etc/ssh/sshd_config
backup_file:
  description: Copy of the previous file, kept when the file changed.
  returned: changed
  type: str
mode:
  description: Mode the managed file has after the run (a stricter mode found on it is kept).
  returned: always
  type: str
  sample: "0600"
confirmation:
  description:
    - The confirmed apply. C(id), C(timeout), C(method) (systemd or process) of the armed rollback,
      C(fresh_login) (what the fresh login said), C(confirmed) (true once the rollback was cancelled),
      C(after_rollback) when the change was rolled back; or C(confirmed) false with the C(reason) when the
      connection cannot prove a login.
  returned: when something changed
  type: dict
  sample: {"id": "20261204T213000-a1b2c3", "timeout": 120, "method": "systemd", "confirmed": true,
           "fresh_login": "a fresh ssh login ran a command"}
effective:
  description: The effective global configuration (C(sshd -T)), keyword to list of values.
  returned: always
  type: dict
mismatches:
  description: Requested values that sshd does not use, with what it uses instead (empty on success).
  returned: always
  type: list
  elements: dict
host_keys:
  description: Host keys ensured, with type, bits and SHA256 fingerprint.
  returned: always
  type: list
  elements: dict
service_action:
  description: What was done to the service (reloaded, restarted socket, none).
  returned: always
  type: str
rolled_back:
  description: True when the new configuration was installed, sshd did not serve, and the backup was restored.
  returned: failure
  type: bool
guard:
  description: The user, port and address the lockout guard checked, or why it did not run.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshd_apply
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import run_apply


def main():
    module = AnsibleModule(argument_spec=sshd_apply.ARGUMENT_SPEC, supports_check_mode=True)
    run_apply(module, sshd_apply.apply)


if __name__ == "__main__":
    main()
