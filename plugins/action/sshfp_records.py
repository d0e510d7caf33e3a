# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.sshfp_records: the names, records, paths and
options are checked on the controller (CollectionAction), so bad input fails
before anything is sent; then the module runs once where the task runs or is
delegated. Its result keeps the host's records under the name the controller
decided (sshfp_host.controller_result): a host never chooses the DNS name its
key is published under."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshfp_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import CollectionAction


class ActionModule(CollectionAction):
    MODULE = "sshsuite.openssh.sshfp_records"
    ARGUMENT_SPEC = sshfp_host.ARGUMENT_SPEC
    WHAT = "SSHFP input"

    def precheck(self, params):
        sshfp_host.precheck(params)
        self.params = params

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            return sshfp_host.controller_result(self.params, result)
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("the host's SSHFP result is unusable: %s" % exc)
