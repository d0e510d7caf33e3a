#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sftp_preflight
short_description: Check the chroot sshd would give each account, as sshd checks it at login (and stricter)
version_added: "0.2.0"
description:
  - Asks the host's own sshd which C(ChrootDirectory) and C(ForceCommand) each account gets from each client
    address (C(sshd -T -C user=...,addr=...)), expands C(~), C(%h), C(%u), C(%U) and C(%%) as sshd does, and
    checks every component of the path with the rule of sshd's C(safely_chroot()) - the verdict sshd will give
    at login, which C(sshd -t) never checks - and with the resolution rule sshd lacks (a link through a
    directory an account controls lets it swap the jail for C(/)).
  - Also checks the internal-sftp start directory (C(-d)), C(CHROOT/dev/log) when C(-l) logs transfers, and
    flags on the Subsystem line that ForceCommand would ignore.
  - Reads only. Works for Match blocks written by anyone, on hosts this collection never configured.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: Reads only, in check mode as in a normal run.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options:
  users:
    description: Accounts to check.
    type: list
    elements: str
    default: []
  groups:
    description: Groups whose every member (supplementary or primary) is checked.
    type: list
    elements: str
    default: []
  addresses:
    description: Client addresses to evaluate C(Match Address) blocks with.
    type: list
    elements: str
    default: ["127.0.0.1"]
  config:
    description: sshd configuration file (C(sshd -f)).
    type: path
    default: /etc/ssh/sshd_config
  fail_on:
    description: Fail on a refusal (V(fail)), on any finding (V(warn)), or never (V(never); read RV(results)).
    type: str
    choices: [fail, warn, never]
    default: fail
seealso:
  - module: sshsuite.openssh.sftp
"""

EXAMPLES = r"""
- name: Would sshd accept the jail of every member of sftponly, from the partner network?
  sshsuite.openssh.sftp_preflight:
    groups: [sftponly]
    addresses: [192.0.2.10]
"""

RETURN = r"""
ok:
  description: True when no finding is a refusal.
  returned: always
  type: bool
results:
  description:
    - Per account and address - C(chroot_directory) (as sshd -T prints it), C(chroot) (expanded), C(force_command),
      C(verdict) (V(refuse), V(accept), V(no chroot)), C(sshd_verdict) (what sshd itself does at login, with its
      fatal text) and C(findings) (level, rule, component, message, sshd_message).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sftp_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import run_apply


def main():
    module = AnsibleModule(argument_spec=sftp_host.PREFLIGHT_SPEC, supports_check_mode=True)
    run_apply(module, sftp_host.preflight_config)


if __name__ == "__main__":
    main()
