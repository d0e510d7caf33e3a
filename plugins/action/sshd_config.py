# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.sshd_config.

1. Checks every keyword, value and Match criterion on the controller, so bad
   input fails before a byte is sent to the host.
2. Tells the module who Ansible connects as (user, port, password or key, the
   public key it uses, whether other hosts jump through this one), which the
   lockout guard protects.
3. Runs the module: one remote execution does the rest.
4. When the module changed what sshd serves, proves access with a fresh login
   and confirms, or reports the automatic rollback (plugin_utils/confirm.py).
"""

from __future__ import annotations

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.sshd_apply import (
    ARGUMENT_SPEC,
    precheck,
)
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import CollectionAction


class ActionModule(CollectionAction):
    MODULE = "sshsuite.openssh.sshd_config"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "sshd configuration data"
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def precheck(self, params):
        precheck(params)

    def connection_facts(self, args, params, task_vars):
        if not (params.get("guard") and self.ssh_transport()):
            return
        if not args.get("guard_user"):
            args["guard_user"] = self.remote_user(task_vars)
        if args.get("guard_port") is None:
            port = self._connection.get_option("port") if self._connection.has_option("port") else None
            args["guard_port"] = int(port or task_vars.get("ansible_port") or 22)
        if not args.get("guard_auth"):
            password = self._connection.get_option("password") if self._connection.has_option("password") else None
            args["guard_auth"] = "password" if password else "publickey"
        if not args.get("guard_key"):
            key = self.controller_public_key()
            if key:
                args["guard_key"] = key
        if "guard_jump_host" not in args:
            args["guard_jump_host"] = self.jumped_through(task_vars)

    def jumped_through(self, task_vars):
        """Does any host of the inventory reach its target through this one (ProxyJump, -J, -W)?"""
        own = task_vars.get("inventory_hostname")
        names = {own, task_vars.get("ansible_host")} - {None}
        hostvars = task_vars.get("hostvars") or {}
        for name in list(hostvars.keys()):
            if name == own:
                continue
            try:
                other = hostvars[name]
                text = " ".join(str(other.get(k) or "") for k in ("ansible_ssh_common_args", "ansible_ssh_extra_args"))
            except Exception:  # hostvars of hosts not yet templated
                continue
            if ("ProxyJump" in text or "-J" in text or "ProxyCommand" in text) and any(n in text for n in names):
                return True
        return False
