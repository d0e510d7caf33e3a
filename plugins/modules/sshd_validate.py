#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sshd_validate
short_description: Read the effective sshd configuration with the host's own sshd -T and compare it with expectations
version_added: 0.1.0
description:
  - Runs C(sshd -t) and C(sshd -T) on a configuration file (the live one, or a candidate with C(config)),
    optionally for connection specifications (C(sshd -T -C user=...,host=...,addr=...)) so that Match
    blocks are evaluated, and returns the effective configuration as structured data.
  - With C(expect), compares requested keywords with the effective ones and fails with a readable diff
    of every mismatch. Values are normalised the way sshd prints them (C(5m) is C(300), booleans are
    C(yes) or C(no), lists are joined as sshd joins them).
  - Reads only; never changes the host. Works on hosts this collection never configured.
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
    description: Configuration file to evaluate (C(sshd -f)).
    type: path
    default: /etc/ssh/sshd_config
  sshd:
    description: Path of the sshd binary.
    type: path
    default: /usr/sbin/sshd
  expect:
    description: Keywords and the values sshd must use globally (keyword -> value).
    type: dict
    default: {}
  connections:
    description:
      - Connection specifications to evaluate Match blocks for, each with optional C(expect).
    type: list
    elements: dict
    default: []
    suboptions:
      user:
        description: User name.
        type: str
      host:
        description: Client host name.
        type: str
      addr:
        description: Client address.
        type: str
      laddr:
        description: Local (server) address.
        type: str
      lport:
        description: Local (server) port.
        type: int
      rdomain:
        description: Routing domain.
        type: str
      expect:
        description: Keywords and values sshd must use for this connection.
        type: dict
        default: {}
  fail_on_mismatch:
    description: Fail when an expected value differs; with C(false), only report.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Effective configuration of the live sshd
  sshsuite.openssh.sshd_validate:
  register: sshd_now

- name: Check a candidate, globally and for a user a Match block targets
  sshsuite.openssh.sshd_validate:
    config: /etc/ssh/sshd_config.new
    expect:
      PasswordAuthentication: false
      ClientAliveInterval: 5m
    connections:
      - user: sftpuser
        addr: 192.0.2.10
        expect:
          ForceCommand: internal-sftp
"""

RETURN = r"""
version:
  description: OpenSSH version of the host.
  returned: always
  type: str
  sample: "10.0"
valid:
  description: Whether C(sshd -t) accepted the configuration.
  returned: always
  type: bool
effective:
  description: Global effective configuration, lower-case keyword to list of values (one per line sshd prints).
  returned: when valid
  type: dict
  sample: {"port": ["22"], "passwordauthentication": ["no"], "clientaliveinterval": ["300"]}
connections:
  description: Per connection specification, the spec string, its effective configuration and mismatches.
  returned: when valid
  type: list
  elements: dict
mismatches:
  description: Every expected value sshd does not use, with where, keyword, wanted and effective.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import runner

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    effective as eff,
    sshd_host,
    version as ver,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

CONNECTION_KEYS = ("user", "host", "addr", "laddr", "lport", "rdomain")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="path", default="/etc/ssh/sshd_config"),
            sshd=dict(type="path", default="/usr/sbin/sshd"),
            expect=dict(type="dict", default={}),
            connections=dict(type="list", elements="dict", default=[], options=dict(
                user=dict(type="str"), host=dict(type="str"), addr=dict(type="str"),
                laddr=dict(type="str"), lport=dict(type="int"), rdomain=dict(type="str"),
                expect=dict(type="dict", default={}),
            )),
            fail_on_mismatch=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params

    run = runner(module)

    result = dict(changed=False, mismatches=[])
    try:
        _rc, out, _err = run(["/bin/sh", "-c", ver.probe_script(())])
        result["version"] = ver.parse_probe(out, ())["version"]
    except OpenSSHConfigError as exc:
        module.fail_json(msg=str(exc), **result)

    try:
        ok, message = sshd_host.sshd_test(run, p["config"], p["sshd"], create=False)
    except sshd_host.PrivsepMissing as exc:
        module.fail_json(msg="sshd_validate only reads: %s" % exc, **result)
    result["valid"] = ok
    if not ok:
        module.fail_json(msg="sshd -t rejected %s: %s" % (p["config"], message), **result)

    def dump(spec=None):
        try:
            return sshd_host.dump_effective(run, p["config"], spec, create=False, sshd=p["sshd"])
        except sshd_host.PrivsepMissing as exc:
            module.fail_json(msg="sshd_validate only reads: %s" % exc, **result)

    try:
        effective = dump()
        result["effective"] = effective
        for m in eff.compare("sshd", p["expect"], effective, result["version"]):
            result["mismatches"].append(dict(where="global", keyword=m.keyword, wanted=m.wanted, effective=m.got))
        result["connections"] = []
        for conn in p["connections"]:
            spec_data = {k: str(conn[k]) for k in CONNECTION_KEYS if conn.get(k) is not None}
            spec = eff.connection_spec(**spec_data)
            conn_effective = dump(spec_data)
            entry = dict(spec=spec, effective=conn_effective, mismatches=[])
            for m in eff.compare("sshd", conn.get("expect") or {}, conn_effective, result["version"]):
                item = dict(where=spec, keyword=m.keyword, wanted=m.wanted, effective=m.got)
                entry["mismatches"].append(item)
                result["mismatches"].append(item)
            result["connections"].append(entry)
    except OpenSSHConfigError as exc:
        module.fail_json(msg=str(exc), **result)

    if result["mismatches"] and p["fail_on_mismatch"]:
        lines = []
        for item in result["mismatches"]:
            lines += ["%s %s:" % (item["where"], item["keyword"]),
                      "  - wanted:    %s" % item["wanted"],
                      "  + effective: %s" % item["effective"]]
        module.fail_json(msg="sshd does not use the expected values:\n" + "\n".join(lines), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
