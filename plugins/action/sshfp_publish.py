# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.sshfp_publish: the names, records, paths and
options are checked on the controller (CollectionAction), so bad input fails
before anything is sent; then the module runs once where the task runs or is
delegated."""

from __future__ import annotations

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshfp_dns
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import CollectionAction


class ActionModule(CollectionAction):
    MODULE = "sshsuite.openssh.sshfp_publish"
    ARGUMENT_SPEC = sshfp_dns.ARGUMENT_SPEC
    WHAT = "SSHFP publication input"

    def precheck(self, params):
        sshfp_dns.precheck(params)
