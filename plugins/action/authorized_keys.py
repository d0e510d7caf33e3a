# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.authorized_keys.

1. Every user, key and option is checked on the controller with the module's
   own checks (build_requests, the path rules), so bad input is refused
   before anything is sent.
2. When the run changes the authorized_keys file of the user Ansible connects
   as (an exclusive run can remove the very key it logs in with), the module
   records that file and arms a rollback on the host; this plugin proves
   access with a fresh login and confirms, or reports the rollback
   (plugin_utils/confirm.py).
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.authorized_keys import (
    ARGUMENT_SPEC,
    precheck,
)
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import CollectionAction


class ActionModule(CollectionAction):
    MODULE = "sshsuite.openssh.authorized_keys"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "authorized_keys data"
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def precheck(self, params):
        if params.get("rsa_min_bits") is not None and params["rsa_min_bits"] < 1024:
            raise AnsibleActionFail("rsa_min_bits must be at least 1024 (sshd refuses smaller RSA keys)")
        precheck(params)

    def connection_facts(self, args, params, task_vars):
        if args.get("confirm_timeout") and self.ssh_transport() and not args.get("confirm_user"):
            args["confirm_user"] = self.remote_user(task_vars)
