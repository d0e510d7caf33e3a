# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.authorized_keys: the confirmed apply.

When the run changes the authorized_keys file of the user Ansible connects
as (an exclusive run can remove the very key it logs in with), the module
records that file and arms a rollback on the host; this plugin then proves
access with a fresh login and confirms, or reports the rollback
(plugin_utils/confirm.py). Every key and option is checked by the module
before any file is touched, and by the role's filter on the controller; this
plugin does not parse thousands of keys a second time per host.
"""

from __future__ import annotations

from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import CollectionAction


class ActionModule(CollectionAction):
    MODULE = "sshsuite.openssh.authorized_keys"
    ARGUMENT_SPEC = {"confirm_timeout": {"type": "int"}}
    WHAT = "authorized_keys data"

    def validated(self, args):
        return args

    def precheck(self, params):
        return None

    def connection_facts(self, args, params, task_vars):
        if args.get("confirm_timeout") and self.ssh_transport() and not args.get("confirm_user"):
            args["confirm_user"] = self.remote_user(task_vars)
