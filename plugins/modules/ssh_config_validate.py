#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ssh_config_validate
short_description: Read what the ssh client would use for given destinations (ssh -G) and compare it with expectations
version_added: 0.1.0
description:
  - Runs C(ssh -G) for each destination, with a given configuration file (C(-F)) or the files ssh reads by itself
    (the user's C(~/.ssh/config), then C(/etc/ssh/ssh_config)), optionally as another user, and returns the
    effective client configuration per destination as data.
  - With C(expect), compares keywords with the effective values (normalised the way C(ssh -G) prints them -
    C(5m) is C(300), yes/no, lists; for keywords whose lines add up, such as C(IdentityFile) and C(SendEnv),
    every expected value must be present) and fails with a readable diff.
  - Reads only. C(ssh -G) runs C(Match exec) commands of the configuration, as the user it runs as.
author:
  - sshsuite.openssh contributors (@sshsuite)
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same way in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
options:
  config:
    description: Configuration file to read instead of the user's and the system-wide ones (C(ssh -F)).
    type: path
  user:
    description: Run C(ssh -G) as this user (their C(~/.ssh/config), C(~) and C(Match localuser)).
    type: str
  destinations:
    description: Destinations to evaluate.
    type: list
    elements: dict
    required: true
    suboptions:
      destination:
        description: C(host) or C(user@host).
        type: str
        required: true
      expect:
        description: Keywords and the values ssh must use for this destination.
        type: dict
        default: {}
      absent:
        description: Keywords that must not be in effect for this destination (C(ssh -G) prints nothing or C(none)).
        type: list
        elements: str
        default: []
  fail_on_mismatch:
    description: Fail when a value differs; otherwise only report.
    type: bool
    default: true
seealso:
  - module: sshsuite.openssh.ssh_config
"""

EXAMPLES = r"""
- name: Hosts behind the bastion go through it, the bastion itself does not
  sshsuite.openssh.ssh_config_validate:
    destinations:
      - destination: db1.internal
        expect: {ProxyJump: bastion, ControlMaster: auto}
      - destination: bastion
        absent: [ProxyJump]
"""

RETURN = r"""
version:
  description: OpenSSH version of the client.
  returned: always
  type: str
destinations:
  description: Per destination, the effective configuration (keyword -> list of values) and its mismatches.
  returned: always
  type: list
  elements: dict
mismatches:
  description: Every mismatch, with the destination.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import runner

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    catalogue,
    effective as eff,
    ssh_client_apply as client,
    version as ver,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="path"),
            user=dict(type="str"),
            destinations=dict(type="list", elements="dict", required=True, options=dict(
                destination=dict(type="str", required=True),
                expect=dict(type="dict", default={}),
                absent=dict(type="list", elements="str", default=[]),
            )),
            fail_on_mismatch=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params

    run = runner(module)

    result = dict(changed=False, mismatches=[], destinations=[])
    try:
        _rc, out, _err = run(["/bin/sh", "-c", ver.probe_script(())])
        version = ver.parse_probe(out, ())["version"]
        result["version"] = version
        user = client.account(p["user"]) if p["user"] else None
        for index, item in enumerate(p["destinations"]):
            destination = client.check_destination(item["destination"], "destinations[%d]" % index)
            argv = client.run_as_prefix(user) + ["ssh", "-G"]
            if p["config"]:
                argv += ["-F", p["config"]]
            rc, out, err = run(argv + ["--", destination])
            if rc != 0:
                module.fail_json(msg="ssh -G %s failed: %s" % (destination, (err or out).strip()), **result)
            dump = eff.parse_dump(out)
            expected = client.expected_values([item["expect"]], version)
            mismatches = client.compare_destination(expected, dump, version, destination.split("@", 1)[0]
                                                    if "@" in destination else None)
            for name in item["absent"]:
                keyword = catalogue.resolve("ssh", name, version)
                got = dump.get(keyword.key, [])
                if got and got != ["none"]:
                    mismatches.append({"keyword": keyword.name, "wanted": ["(not set)"], "effective": got,
                                       "reason": "set, but expected absent"})
            for mismatch in mismatches:
                mismatch["destination"] = destination
            result["destinations"].append(dict(destination=destination, effective=dump, mismatches=mismatches))
            result["mismatches"].extend(mismatches)
    except OpenSSHConfigError as exc:
        module.fail_json(msg=str(exc), **result)

    if result["mismatches"] and p["fail_on_mismatch"]:
        module.fail_json(msg="ssh does not use the expected values:\n" + client.format_report(
            p["config"] or "ssh_config", {"mismatches": result["mismatches"]}), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
