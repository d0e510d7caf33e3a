#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sftp
short_description: Chrooted SFTP-only accounts - layout, /dev/log in each chroot and a chroot preflight that agrees with sshd
version_added: "0.2.0"
description:
  - Creates or fixes the directories of chrooted SFTP-only accounts, declared per group (C(Match Group)) or per
    account (C(Match User)), in one execution per host, and returns the sshd settings and Match blocks they need
    (RV(sshd_contribution)) for the sshd role to apply.
  - "Layouts: V(per_user) (ChrootDirectory C(<root>/%u), writable directories inside each jail), V(shared)
    (one jail C(<root>), a private directory C(<root>/<account>) per account, directories shared by a group) and
    V(home) (ChrootDirectory C(%h): the home directory is the jail)."
  - Before anything changes, every chroot path the blocks select (every declared account and every member of
    every group, by supplementary or primary group) is checked with the rule sshd applies at login (each
    component root-owned and not writable by group or others, followed through links, a directory) and with a
    stricter one sshd lacks (every directory passed while resolving links is root's alone, so the jail cannot
    be swapped for C(/)). Any failure names the component and the task fails with nothing changed.
  - Sets up C(/dev/log) inside each chroot as a bind mount of journald's socket made by a systemd .mount unit
    (survives reboots and restarts of the socket), so internal-sftp and sshd can log after the chroot.
  - Creates missing groups and accounts (no shell, no home of their own) unless O(create_accounts=false).
  - Root never follows a link in, or creates anything inside, a directory an account controls.
  - The action plugin of the same name checks the data on the controller first.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: Computes every change and runs the preflight on the planned tree; writes nothing.
  diff_mode:
    support: full
    description: Shows each managed directory as it is and as it will be (type, mode, owner).
options:
  groups:
    description:
      - Groups whose members are SFTP-only (one C(Match Group) block each).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Group name (created when missing).
        type: str
        required: true
      members:
        description: Accounts made members of the group (created when missing). Existing members stay.
        type: list
        elements: str
        default: []
      layout:
        description: V(per_user), V(shared) or V(home), see above.
        type: str
        choices: [per_user, shared, home]
        default: per_user
      root:
        description:
          - V(per_user) - the directory holding one jail per account. V(shared) - the jail itself.
            V(home) - where new accounts get their home directory (default C(/home)).
          - Its parents are never changed, only checked (and created root 0755 when missing).
        type: str
      writable:
        description:
          - Directories inside each jail owned by the account (V(per_user) and V(home) layouts). Default C([upload]).
        type: list
        elements: str
      writable_mode:
        description: Mode of the writable directories, a quoted octal string.
        type: str
        default: "0750"
      start:
        description:
          - Start directory inside the jail (internal-sftp C(-d)); C(%u) is the account name.
          - Default the first writable directory (V(shared) - the account's private directory).
        type: str
      read_only:
        description: internal-sftp C(-R) - every request that would change a file is refused.
        type: bool
        default: false
      umask:
        description:
          - internal-sftp C(-u), a quoted octal string. Always written, because the default differs between
            releases (022 on 8.4 and 9.2, 002 on Debian's 10.0). It only removes bits from the mode the client
            sends; C(chmod) and C(put -p) are not limited by it (deny C(setstat,fsetstat,lsetstat) for that).
        type: str
        default: "0022"
      log_level:
        description: internal-sftp C(-l). V(INFO) logs every open, close (with byte counts), rename and removal.
        type: str
        default: INFO
      log_facility:
        description: internal-sftp C(-f) (V(AUTH), V(AUTHPRIV), V(DAEMON), V(USER), V(LOCAL0) to V(LOCAL7)).
        type: str
        default: AUTH
      allowed_requests:
        description: internal-sftp C(-p) - only these requests (names of C(sftp-server -Q requests)).
        type: list
        elements: str
        default: []
      denied_requests:
        description: internal-sftp C(-P) - refuse these requests, for example C([setstat, fsetstat, lsetstat]).
        type: list
        elements: str
        default: []
      addresses:
        description:
          - Client addresses (IP, CIDR or pattern) the accounts may connect from; connections from anywhere else
            are refused (C(DenyGroups) / C(DenyUsers) in a second Match block). Empty - any address.
        type: list
        elements: str
        default: []
      shared:
        description: V(shared) layout - directories C(<root>/<name>) shared by a group.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Directory name.
            type: str
            required: true
          group:
            description: Group that shares it (default the block's group).
            type: str
          mode:
            description: Mode, a quoted octal string; setgid keeps new files in the group.
            type: str
            default: "2770"
          acl:
            description:
              - Add an access and a default POSIX ACL giving the group the directory's group permissions, so that
                new files and directories inherit them and the block's umask does not apply inside.
            type: bool
            default: false
      dev_log:
        description: Bind journald's socket at C(CHROOT/dev/log) (systemd .mount unit).
        type: bool
        default: true
  users:
    description:
      - Single SFTP-only accounts (one C(Match User) block each, placed before the group blocks); the same options
        as O(groups) without C(members).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Account name (created when missing).
        type: str
        required: true
      layout:
        description: See O(groups[].layout).
        type: str
        choices: [per_user, shared, home]
        default: per_user
      root:
        description: See O(groups[].root).
        type: str
      writable:
        description: See O(groups[].writable).
        type: list
        elements: str
      writable_mode:
        description: See O(groups[].writable_mode).
        type: str
        default: "0750"
      start:
        description: See O(groups[].start).
        type: str
      read_only:
        description: See O(groups[].read_only).
        type: bool
        default: false
      umask:
        description: See O(groups[].umask).
        type: str
        default: "0022"
      log_level:
        description: See O(groups[].log_level).
        type: str
        default: INFO
      log_facility:
        description: See O(groups[].log_facility).
        type: str
        default: AUTH
      allowed_requests:
        description: See O(groups[].allowed_requests).
        type: list
        elements: str
        default: []
      denied_requests:
        description: See O(groups[].denied_requests).
        type: list
        elements: str
        default: []
      addresses:
        description: See O(groups[].addresses).
        type: list
        elements: str
        default: []
      shared:
        description: See O(groups[].shared); C(group) is required here.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Directory name.
            type: str
            required: true
          group:
            description: Group that shares it.
            type: str
          mode:
            description: Mode, a quoted octal string.
            type: str
            default: "2770"
          acl:
            description: See O(groups[].shared[].acl).
            type: bool
            default: false
      dev_log:
        description: See O(groups[].dev_log).
        type: bool
        default: true
  create_accounts:
    description: Create missing groups and accounts, and add declared members to their group.
    type: bool
    default: true
  account_shell:
    description: Login shell of accounts this module creates (sshd runs internal-sftp without it).
    type: str
    default: /usr/sbin/nologin
  authorized_keys_file:
    description:
      - C(AuthorizedKeysFile) in every block, outside every jail and root-owned (the authorized_keys role's
        central layout writes it). Empty - not set.
    type: str
    default: /etc/ssh/authorized_keys/%u
  subsystem:
    description:
      - Command of the global C(Subsystem sftp) line, which replaces the distribution's (a second line is fatal
        on 8.4 and 9.2). Empty - leave it alone (for example when the sshd role runs in drop-in mode).
    type: str
    default: internal-sftp
notes:
  - The preflight rules and the recipe cases they were checked against are in docs/sftp.md.
seealso:
  - module: sshsuite.openssh.sftp_preflight
  - module: sshsuite.openssh.sshd_config
"""

EXAMPLES = r"""
- name: Partners get one jail each, uploads only from their network
  sshsuite.openssh.sftp:
    groups:
      - name: partners
        members: [acme, globex]
        root: /srv/sftp/partners
        writable: [upload]
        umask: "0027"
        addresses: [192.0.2.0/24]
  register: sftp_result

- name: Hand the Match blocks to the sshd role
  ansible.builtin.set_fact:
    sshd_contribution_sftp: "{{ sftp_result.sshd_contribution }}"
"""

RETURN = r"""
sshd_contribution:
  description: Settings and Match blocks for the sshd role (set it as the fact C(sshd_contribution_sftp)).
  returned: always
  type: dict
  sample: {"settings": {"Subsystem": {"sftp": "internal-sftp"}},
           "match": [{"criteria": {"Group": "partners"}, "settings": {"ChrootDirectory": "/srv/sftp/partners/%u"}}]}
changes:
  description: What was (in check mode - would be) created or fixed.
  returned: always
  type: list
  elements: str
chroots:
  description: Per account, its block, its chroot and the preflight's findings (level, rule, component, message).
  returned: always
  type: list
  elements: dict
accounts:
  description: Every account the blocks select on this host.
  returned: success
  type: list
  elements: str
mount_units:
  description: The systemd .mount units that put /dev/log into the chroots.
  returned: success
  type: list
  elements: str
log_identifiers:
  description: syslog identifiers of SFTP sessions on this release (C(sshd-session) from 9.8, C(sshd) before).
  returned: always
  type: list
  elements: str
log_command:
  description: A journalctl command that shows the transfers.
  returned: always
  type: str
  sample: journalctl -t internal-sftp -t sshd-session
version:
  description: OpenSSH version of the host.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sftp, sftp_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import run_apply


def main():
    module = AnsibleModule(argument_spec=sftp.ARGUMENT_SPEC, supports_check_mode=True)
    run_apply(module, sftp_host.apply)


if __name__ == "__main__":
    main()
