# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.sshd_config.

1. Checks every keyword, value and Match criterion on the controller, so bad
   input fails before a byte is sent to the host.
2. Tells the module who Ansible connects as (user, port, password or key),
   which the lockout guard protects.
3. Runs the module: one remote execution does the rest.
"""

from __future__ import annotations

import getpass

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.sshd_apply import (
    ARGUMENT_SPEC,
    precheck,
)

SSH_CONNECTIONS = {
    "ssh", "ansible.builtin.ssh", "paramiko", "paramiko_ssh", "ansible.builtin.paramiko_ssh",
    "ansible.netcommon.libssh",
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)

        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        if validation.error_messages:
            raise AnsibleActionFail("sshd_config: " + "; ".join(validation.error_messages))
        params = validation.validated_parameters
        try:
            precheck(params)
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("bad sshd configuration data, nothing was sent to the host: %s" % exc)

        transport = self._connection.transport
        if params.get("guard") and transport in SSH_CONNECTIONS:
            if not args.get("guard_user"):
                args["guard_user"] = (self._connection.get_option("remote_user")
                                      or task_vars.get("ansible_user") or self._play_context.remote_user
                                      or getpass.getuser())
            if args.get("guard_port") is None:
                port = self._connection.get_option("port") if self._connection.has_option("port") else None
                args["guard_port"] = int(port or task_vars.get("ansible_port") or 22)
            if not args.get("guard_auth"):
                password = self._connection.get_option("password") if self._connection.has_option("password") else None
                args["guard_auth"] = "password" if password else "publickey"

        result.update(self._execute_module(module_name="sshsuite.openssh.sshd_config",
                                           module_args=args, task_vars=task_vars))
        return result
