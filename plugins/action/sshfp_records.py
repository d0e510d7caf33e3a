# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.sshfp_records.

Checks the names, records, paths and options on the controller, so bad input
fails before anything is sent to the host (or to the DNS server); then runs the
module once, where the task runs or is delegated.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.sshfp_host import (
    ARGUMENT_SPEC,
    precheck,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        if validation.error_messages:
            raise AnsibleActionFail("sshfp_records: " + "; ".join(validation.error_messages))
        try:
            precheck(validation.validated_parameters)
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("sshfp_records: bad input, nothing was sent: %s" % exc)
        result.update(self._execute_module(module_name="sshsuite.openssh.sshfp_records",
                                           module_args=args, task_vars=task_vars))
        return result
