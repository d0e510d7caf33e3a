# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sshsuite.openssh.ssh_ca_sign: user certificates, issued on the controller.

Nothing runs on a managed host. Each certificate in the data is compared with
the one already in the output directory; only missing or due certificates are
signed (one private agent for the whole batch, the passphrase through askpass),
serials come from the registry, and every issued certificate is logged.
"""

from __future__ import annotations

import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ca, fileio, text
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError, Problems
from ansible_collections.sshsuite.openssh.plugins.plugin_utils.confirm import validate_args

ARGUMENT_SPEC = dict(
    ca=dict(type="dict", required=True, options=ca.CA_SPEC),
    certificates=dict(type="list", elements="raw", required=True),
    directory=dict(type="path", required=True),
    state_dir=dict(type="path", required=True),
    renew_fraction=dict(type="float", default=ca.DEFAULT_RENEW_FRACTION),
    revoked=dict(type="dict"),
    return_certificates=dict(type="bool", default=True),
)


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars or {})
        params = validate_args(ARGUMENT_SPEC, dict(self._task.args), "ssh_ca_sign")
        try:
            result.update(self._run(params))
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("ssh_ca_sign: %s" % exc)
        return result

    def _run(self, params):
        check_mode = self._task.check_mode
        fraction = ca.check_fraction(params["renew_fraction"], "renew_fraction")
        authority = ca.ca_public_key(params["ca"], "ca")
        revocations = ca.revocations_from_data(params["revoked"], "revoked")
        if not params["state_dir"] or not params["state_dir"].startswith("/"):
            raise OpenSSHConfigError("state_dir must be an absolute controller path (role: ssh_ca_state_dir): the "
                                     "serial registry lives there", "state_dir")
        directory = text.check_path(params["directory"], "directory")
        problems = Problems()
        requests = []
        seen = {}
        for index, item in enumerate(params["certificates"]):
            where = "certificates[%d]" % index
            try:
                request = ca.user_request(item, where)
            except OpenSSHConfigError as error:
                problems.append(error)
                continue
            if request.name in seen:
                problems.add("name %r is also used by certificates[%d]" % (request.name, seen[request.name]), where)
                continue
            seen[request.name] = index
            requests.append(request)
        problems.raise_if_any()
        existing = {r.name: _read(os.path.join(directory, r.name + "-cert.pub")) for r in requests}
        now = int(time.time())
        decisions = ca.plan(requests, existing, authority, now, fraction, revocations)
        due = [d for d in decisions if d["sign"]]
        if due and not check_mode:
            registry = ca.Registry(params["state_dir"])
            with ca.signer_for(params["ca"], authority, "ca") as signer:
                ca.sign_planned(due, signer, registry, authority, now)
            with fileio.Directory.open(directory, trusted=False, create_mode=0o755) as out:
                for decision in due:
                    out.write(decision["name"] + "-cert.pub",
                              (decision["certificate"].text() + " " + decision["name"] + "\n").encode("ascii"),
                              os.getuid(), os.getgid(), 0o644, sync=False)
                out.sync()
        certificates = {}
        for decision in decisions:
            info = ca.describe(decision)
            info["path"] = os.path.join(directory, decision["name"] + "-cert.pub")
            if not params["return_certificates"]:
                info.pop("certificate", None)
            certificates[decision["name"]] = info
        return {"changed": bool(due), "certificates": certificates, "module_executions": 0,
                "signed": [d["name"] for d in due], "ca_fingerprint": authority.fingerprint}
