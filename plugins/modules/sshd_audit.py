#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sshd_audit
short_description: Judge the effective sshd configuration of a host against the collection's hardening checks
version_added: 0.1.0
description:
  - Reads the effective configuration with the host's own C(sshd -T -C ...), the algorithms its OpenSSH
    offers (C(ssh -Q)), whether the sshd binary has strict key exchange (the Terrapin fix) and the sizes
    of its host keys, and runs every check of the collection's compliance catalogue on them.
  - Each result has a status (C(pass), C(fail), C(not_applicable), C(review)), a reason, and the CIS Debian
    and DISA STIG items it answers. The offered algorithms are returned as well.
  - Reads only; never changes the host. Works on hosts this collection never configured.
  - Needs root (C(become)) to read the host keys and for C(sshd -T) on most systems.
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
  baseline:
    description: Profile to judge against.
    type: str
    choices: [modern, fips]
    default: modern
  profile_options:
    description:
      - The profile options the host was configured with (C(root_login), C(allow_passwords),
        C(allow_keyboard_interactive), C(allow_forwarding), C(pq_only), C(rsa_host_key)). A setting the
        operator opted into passes, and its reason names the benchmark item it departs from.
    type: dict
    default: {}
  connection:
    description:
      - Connection for which Match blocks are evaluated (C(sshd -T -C)). Keys C(user), C(host), C(addr),
        C(laddr), C(lport), C(rdomain).
    type: dict
    default: {user: root, host: audit.invalid, addr: 198.51.100.1}
  config:
    description: Configuration file sshd reads (C(sshd -f)).
    type: path
    default: /etc/ssh/sshd_config
  sshd:
    description: Path of the sshd binary.
    type: path
    default: /usr/sbin/sshd
  fail_on_findings:
    description: Fail the task when a check fails (the report is returned either way).
    type: bool
    default: false
  report_name:
    description: Name of the host in the JUnit test suite and the text summary (the playbook passes
      C(inventory_hostname)); default the host's fully qualified name.
    type: str
"""

EXAMPLES = r"""
- name: Where does this host stand?
  sshsuite.openssh.sshd_audit:
  become: true
  register: audit

- name: A host configured with the fips profile and root keys allowed
  sshsuite.openssh.sshd_audit:
    baseline: fips
    profile_options:
      root_login: prohibit-password
    fail_on_findings: true
  become: true
"""

RETURN = r"""
version:
  description: OpenSSH version of the host ("major.minor").
  returned: always
  type: str
  sample: "9.2"
version_full:
  description: The whole version line of C(ssh -V).
  returned: always
  type: str
baseline:
  description: The baseline judged against.
  returned: always
  type: str
connection_spec:
  description: The argument given to C(sshd -T -C).
  returned: always
  type: str
  sample: user=root,host=audit.invalid,addr=198.51.100.1
results:
  description: One entry per check.
  returned: always
  type: list
  elements: dict
  sample:
    - id: sshd-client-alive-count-max
      title: ClientAliveCountMax really disconnects (not 0 on 8.2+)
      status: fail
      reason: ClientAliveCountMax 0 DISABLES the disconnect since OpenSSH 8.2 ...
      cis: [CIS Debian 12 v1.1.0 5.1.7, CIS Debian 11 v1.0.0 5.2.22]
      stig: [UBTU-22-255030, RHEL-09-255095]
      keys: [clientalivecountmax]
      expected: 1 to 3
      found: clientalivecountmax 0
      note: ""
summary:
  description: Number of results per status, and C(total).
  returned: always
  type: dict
  sample: {pass: 20, fail: 17, review: 4, not_applicable: 3, total: 44}
failed_checks:
  description: Ids of the failed checks.
  returned: always
  type: list
  elements: str
offered:
  description: The algorithm lists sshd offers according to C(sshd -T).
  returned: always
  type: dict
strict_kex:
  description: Whether the sshd binary carries kex-strict-s-v00@openssh.com; null when it could not be read.
  returned: always
  type: bool
host_keys:
  description: The host keys of C(sshd -T) with type and size (C(ssh-keygen -l)).
  returned: always
  type: list
  elements: dict
report:
  description: The host's part of the JSON report (version, baseline, results, summary, offered).
  returned: always
  type: dict
junit_testsuite:
  description: The host's JUnit C(<testsuite>) element, for the audit playbook to gather.
  returned: always
  type: str
text:
  description: Human summary (failures and review items).
  returned: always
  type: str
"""

import os
import re
import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import runner

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    compliance,
    effective as eff,
    keygen,
    sshd_host,
    version as ver,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

CONNECTION_KEYS = ("user", "host", "addr", "laddr", "lport", "rdomain")
STRICT_KEX_MARKER = "kex-strict-s-v00@openssh.com"
#: the binaries that run the key exchange: sshd, and sshd-session from 9.8 on
SESSION_BINARIES = ("/usr/lib/openssh/sshd-session", "/usr/libexec/openssh/sshd-session",
                    "/usr/libexec/sshd-session")
_KEYGEN_LINE = re.compile(r"^(\d+)\s+\S+\s+.*\((\w+)\)\s*$")


def binary_has(path, marker):
    """True/False when ``path`` can be read, None otherwise (no process started)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError):
        return None
    return marker.encode("ascii") in data


def strict_kex(sshd_path):
    found = [binary_has(path, STRICT_KEX_MARKER) for path in (sshd_path,) + SESSION_BINARIES
             if os.path.exists(path)]
    if any(found):
        return True
    if found and all(value is False for value in found):
        return False
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            baseline=dict(type="str", choices=list(compliance.BASELINES), default="modern"),
            profile_options=dict(type="dict", default={}),
            connection=dict(type="dict",
                            default=dict(user="root", host="audit.invalid", addr="198.51.100.1")),
            config=dict(type="path", default="/etc/ssh/sshd_config"),
            sshd=dict(type="path", default="/usr/sbin/sshd"),
            fail_on_findings=dict(type="bool", default=False),
            report_name=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False, baseline=p["baseline"])

    run = runner(module)

    try:
        supported = ver.probe(run)
        version = supported["version"]
        result["version"] = version
        result["version_full"] = supported.get("version_full", "")
        unknown = sorted(k for k in p["connection"] if k not in CONNECTION_KEYS)
        if unknown:
            raise OpenSSHConfigError("unknown key(s) %s; known: %s"
                                     % (", ".join(unknown), ", ".join(CONNECTION_KEYS)), "connection")
        spec = eff.connection_spec(version=version, **{
            k: (str(v) if v is not None else None) for k, v in p["connection"].items()})
        result["connection_spec"] = spec

        try:
            argv = sshd_host.sshd_argv(["-T", "-f", p["config"], "-C", spec], p["sshd"])
        except sshd_host.PrivsepMissing as exc:
            module.fail_json(msg="the audit only reads: %s" % exc, **result)
        rc, out, err = run(argv)
        if rc != 0:
            module.fail_json(msg="sshd -T -f %s -C %s failed (rc=%d): %s"
                             % (p["config"], spec, rc, (err or out).strip()), **result)
        effective = eff.parse_dump(out)

        supported["strict_kex"] = strict_kex(p["sshd"])
        result["strict_kex"] = supported["strict_kex"]
        host_keys = []
        for path in effective.get("hostkey", []):
            rc, lines, detail = keygen.fingerprint_lines(run, path)
            found = _KEYGEN_LINE.match(lines[0].strip()) if rc == 0 and lines else None
            if found:
                host_keys.append(dict(path=path, bits=int(found.group(1)), type=found.group(2)))
            else:
                host_keys.append(dict(path=path, bits=None, type=None, error=detail[:200] or "unreadable"))
        result["host_keys"] = host_keys
        readable = [k for k in host_keys if k.get("type")]
        if readable:
            supported["host_keys"] = readable

        files = compliance.collect_files(p["config"], effective)
        result["files"] = files
        results = compliance.evaluate(effective, version, supported, p["baseline"], p["profile_options"], files)
    except OpenSSHConfigError as exc:
        module.fail_json(msg=str(exc), **result)

    result["results"] = [r.as_dict() for r in results]
    result["summary"] = compliance.summary(results)
    result["failed_checks"] = [r.id for r in results if r.status == compliance.FAIL]
    result["offered"] = compliance.offered_algorithms(effective)
    report = dict(version=version, version_full=result["version_full"], baseline=p["baseline"],
                  connection_spec=spec, strict_kex=result["strict_kex"], host_keys=host_keys,
                  offered=result["offered"], results=result["results"])
    result["report"] = dict(report, summary=result["summary"])
    host = p["report_name"] or socket.getfqdn()
    result["junit_testsuite"] = compliance.junit_testsuite(host, report)
    result["text"] = compliance.report_text({host: report})

    if p["fail_on_findings"] and result["failed_checks"]:
        module.fail_json(msg="%d hardening check(s) failed: %s"
                         % (len(result["failed_checks"]), ", ".join(result["failed_checks"])), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
