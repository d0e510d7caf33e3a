# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.sftp: every block is checked before the module is sent."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.sftp import (
    ARGUMENT_SPEC,
    normalise,
)
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import validate_args


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        params = validate_args(ARGUMENT_SPEC, dict(self._task.args), "sftp")
        try:
            normalise(params)
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("bad SFTP data, nothing was sent to the host: %s" % exc)
        result.update(self._execute_module(module_name="sshsuite.openssh.sftp",
                                           module_args=dict(self._task.args), task_vars=task_vars))
        return result
