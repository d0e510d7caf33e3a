# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of sshsuite.openssh.ssh_ca_host.

1. Checks the data and builds, on the controller, everything the host gets:
   the trusted user CA file, the principals files and the KRL (ssh-keygen -k).
2. One module execution installs and checks those files and returns the host
   keys sshd uses with the certificates next to them.
3. Only when a host certificate is missing or due (share of validity passed,
   principals changed, CA changed) it is signed here, through the private
   agent (the CA key and passphrase never leave the controller), and a second
   module execution installs it and reloads sshd.

The result carries ``sshd_contribution``: the settings the sshd role must add
(HostCertificate, TrustedUserCAKeys, AuthorizedPrincipalsFile, RevokedKeys),
each only when the file it names is in place and checked.
"""

from __future__ import annotations

import base64
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ca, ca_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import validate_args

ARGUMENT_SPEC = ca_host.CONTROLLER_SPEC

MODULE = "sshsuite.openssh.ssh_ca_host"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _module(self, args, task_vars):
        return self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        params = validate_args(ARGUMENT_SPEC, dict(self._task.args), "ssh_ca_host")
        try:
            return self._run(params, task_vars, result)
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("ssh_ca_host: %s" % exc)

    def _prepare(self, params):
        """Everything for the first module execution, built and checked on the controller."""
        # the files go under /etc/ssh unless allow_any_path says otherwise (checked again on the host)
        ca_host.check_paths(params)
        args = {"config_path": params["config_path"], "reload": params["reload"], "service": params["service"],
                "collect_host_keys": bool(params["host_ca"]), "host_key_types": params["host_key_types"],
                "allow_any_path": params["allow_any_path"]}
        user_cas = ca.ca_keys_from_data(params["user_ca_keys"], "user_ca_keys")
        if user_cas:
            args["install_trusted_user_ca_keys"] = {
                "path": params["trusted_user_ca_keys_path"],
                "content": ca.trusted_keys_text(user_cas, params["header"])}
        if params["principals"] is not None:
            args["install_principals"] = {
                "directory": params["principals_directory"],
                "files": {name: list(principals)
                          for name, principals in ca.principals_data(params["principals"], "principals").items()},
                "exclusive": True}
        if params["krl_content"] is not None:
            if params["revoked"] is not None:
                raise OpenSSHConfigError("give revoked (data) or krl_content (a KRL built elsewhere), not both",
                                         "krl_content")
            args["install_krl"] = {"path": params["krl_path"], "content": params["krl_content"]}
        elif params["revoked"] is not None:
            revocations = ca.revocations_from_data(params["revoked"], "revoked")
            data = ca.build_krl(revocations, user_cas)
            args["install_krl"] = {"path": params["krl_path"], "content": base64.b64encode(data).decode("ascii")}
        return args

    def _requests(self, params, task_vars, first, warnings=None):
        # The names come from the controller's data; the host's own report is only a candidate
        # (root there, or its reverse DNS, chooses it) and is signed only when the data allows it.
        reported = [first.get("hostname"), first.get("fqdn")] if params["host_principals_from_host"] else []
        principals, refused = ca.host_certificate_principals(
            params["host_principals"], task_vars.get("inventory_hostname"), task_vars.get("ansible_host"),
            reported, ca.check_domains(params["host_principal_domains"], "host_principal_domains"),
            "host_principals")
        if warnings is not None:
            warnings.extend(refused)
        window = ca.window_from_data(params["host_validity"], None, None, "host_validity")
        requests, existing = [], {}
        # sorted by path: sshd -T lists keys in config order, which the sshd role may change
        for item in sorted(first.get("host_keys") or [], key=lambda entry: entry["path"]):
            key = ca.keys.parse_public_key(item["public_key"], item["path"] + ".pub")
            name = item["certificate_path"]
            requests.append(ca.CertRequest(
                name, "host", key, "host:%s:%s" % (task_vars.get("inventory_hostname"), item["type"]),
                principals, window, where="host key %s" % item["path"]))
            existing[name] = item.get("certificate")
        return requests, existing

    def _run(self, params, task_vars, result):
        check_mode = self._task.check_mode
        fraction = ca.check_fraction(params["renew_fraction"], "renew_fraction")
        if params["host_ca"]:
            # refuse bad principal data before the host is touched
            self._requests(params, task_vars, {})
        args = self._prepare(params)
        first = self._module(args, task_vars)
        executions = 1
        if first.get("failed"):
            result.update(first)
            return result
        result.update({k: v for k, v in first.items() if k not in ("host_keys", "invocation")})
        changed = bool(first.get("changed"))
        settings = {}
        if "install_trusted_user_ca_keys" in args:
            settings["TrustedUserCAKeys"] = args["install_trusted_user_ca_keys"]["path"]
        if "install_principals" in args:
            settings["AuthorizedPrincipalsFile"] = params["principals_directory"].rstrip("/") + "/%u"
        if "install_krl" in args and (first.get("krl") or {}).get("valid"):
            settings["RevokedKeys"] = params["krl_path"]

        if params["host_ca"]:
            host_ca = ca.ca_public_key(params["host_ca"], "host_ca")
            warnings = []
            requests, existing = self._requests(params, task_vars, first, warnings)
            if warnings:
                result["warnings"] = (result.get("warnings") or []) + warnings
            now = int(time.time())
            decisions = ca.plan(requests, existing, host_ca, now, fraction)
            due = [d for d in decisions if d["sign"]]
            if due and not check_mode:
                if not params["state_dir"]:
                    raise OpenSSHConfigError("state_dir (the serial registry on the controller) is required to sign",
                                             "state_dir")
                registry = ca.Registry(params["state_dir"])
                with ca.signer_for(params["host_ca"], host_ca, "host_ca") as signer:
                    ca.sign_planned(due, signer, registry, host_ca, now)
                executions += 1
                install = [{"path": d["name"], "content": d["certificate"].text()} for d in due]
                second = self._module({"install_certificates": install, "config_path": params["config_path"],
                                       "reload": params["reload"], "service": params["service"]}, task_vars)
                if second.get("failed"):
                    second.setdefault("msg", "installing the host certificates failed")
                    result.update(second)
                    return result
                result["certificates_installed"] = second.get("certificates_installed", [])
                if second.get("service_action"):
                    result["service_action"] = second["service_action"]
                result["warnings"] = (result.get("warnings") or []) + (second.get("warnings") or [])
            changed = changed or bool(due)
            result["host_certificates"] = [ca.describe(d) for d in decisions]
            settings["HostCertificate"] = [d["name"] for d in decisions if d.get("certificate") or d.get("current")
                                           or check_mode]
            if not settings["HostCertificate"]:
                del settings["HostCertificate"]
        result["changed"] = changed
        result["module_executions"] = executions
        result["sshd_contribution"] = {"settings": settings}
        return result
