# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.ssh_config.

Checks every keyword, value, block, user and known_hosts entry on the
controller, so bad input fails before a byte is sent to the host; then runs
the module once.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.ssh_client_apply import (
    ARGUMENT_SPEC,
    precheck,
)
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import validate_args


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        params = validate_args(ARGUMENT_SPEC, args, "ssh_config")
        try:
            precheck(params)
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("bad ssh client configuration data, nothing was sent to the host: %s" % exc)
        result.update(self._execute_module(module_name="sshsuite.openssh.ssh_config",
                                           module_args=args, task_vars=task_vars))
        return result
