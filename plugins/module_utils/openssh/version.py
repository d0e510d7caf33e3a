# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenSSH version strings and the algorithm lists a target supports.

Pure Python, no Ansible import: the module passes its ``module.run_command``
as ``run`` so this file never starts a process by itself.

Facts found on the lab builds (Debian 8.4p1, 9.2p1, 10.0p2):

* ``ssh -V`` prints ``OpenSSH_8.4p1 Debian-5+deb11u3, OpenSSL 1.1.1w ...`` on
  stderr, on every version.
* ``sshd -V`` does not exist on 8.4 ("unknown option -- V", then the usage
  text, which still starts with the version line); on 9.2 it prints
  ``OpenSSH_9.2, OpenSSL ...`` (no portable suffix), on 10.0 the full line.
  So ``ssh -V`` is asked first and ``sshd -V`` is only a fallback.
* ``ssh -Q key`` already lists the certificate types (``*-cert-v01@openssh.com``)
  on all three, so ``ssh -Q key-cert`` is not asked: filter ``key`` instead.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Sequence, Tuple, Union

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

RunResult = Tuple[int, str, str]
Runner = Callable[[List[str]], RunResult]

# OpenSSH_8.4p1, OpenSSH_9.2, OpenSSH_for_Windows_8.1p1
_VERSION_RE = re.compile(r"OpenSSH_(?:for_Windows_)?(\d+)\.(\d+)(p\d+)?")
# "9.2", "8.4p1", "OpenSSH_10.0p2 Debian-7" (the catalogue passes whole version lines too)
_VTUPLE_RE = re.compile(r"^\s*(?:OpenSSH_)?(\d+)\.(\d+)(?:p\d+)?(?:\s.*)?\Z")

#: what probe() asks ``ssh -Q`` for, in this order.
QUERIES = ("kex", "cipher", "mac", "key", "sig")

_SEPARATOR = "@@sshsuite-probe@@"


def parse_version(text: str) -> Tuple[str, str]:
    """``"OpenSSH_8.4p1 Debian-5+deb11u3, OpenSSL ..."`` -> ``("8.4", full line)``.

    The first value is "major.minor" (the form the catalogue uses); the
    second is the whole line that carried the version, stripped, for
    reports. Raises OpenSSHConfigError when no OpenSSH version is found.
    """
    if not isinstance(text, str):
        raise OpenSSHConfigError(f"expected the text of ssh -V, got {type(text).__name__}", "version")
    for line in text.splitlines():
        found = _VERSION_RE.search(line)
        if found:
            return f"{int(found.group(1))}.{int(found.group(2))}", line.strip()
    shown = text.strip().splitlines()[0][:120] if text.strip() else "(nothing)"
    raise OpenSSHConfigError(f"no OpenSSH version found in {shown!r}", "version")


def vtuple(version: Union[str, Sequence[int]]) -> Tuple[int, int]:
    """``"10.0"`` -> ``(10, 0)``; ``"8.4p1"`` -> ``(8, 4)``; a tuple passes through."""
    if isinstance(version, (tuple, list)) and len(version) >= 2 and all(
        isinstance(part, int) and not isinstance(part, bool) for part in version
    ):
        return (version[0], version[1])
    if isinstance(version, str):
        found = _VTUPLE_RE.match(version)
        if found:
            return (int(found.group(1)), int(found.group(2)))
    raise OpenSSHConfigError(
        f"{version!r} is not an OpenSSH version (expected 'major.minor', e.g. '9.2')", "version"
    )


def vtext(version: Union[str, Sequence[int]]) -> str:
    """``"8.4p1"`` / ``(8, 4)`` -> ``"8.4"``."""
    return "%d.%d" % vtuple(version)


def at_least(version: Union[str, Sequence[int]], minimum: Union[str, Sequence[int]]) -> bool:
    """True when ``version`` is ``minimum`` or newer (``at_least("10.0", "9.2")``)."""
    return vtuple(version) >= vtuple(minimum)


def probe_script(queries: Sequence[str] = QUERIES) -> str:
    """The one shell script probe() runs (exposed for tests and for reports)."""
    parts = ["{ ssh -V 2>&1 || sshd -V 2>&1 || /usr/sbin/sshd -V 2>&1; }"]
    for query in queries:
        parts.append(f'echo "{_SEPARATOR} {query}"; ssh -Q {query} 2>/dev/null')
    parts.append("exit 0")
    return "; ".join(parts)


def parse_probe(stdout: str, queries: Sequence[str] = QUERIES) -> Dict[str, object]:
    """Split the output of probe_script() into the dict probe() returns."""
    head: List[str] = []
    sections: Dict[str, List[str]] = {}
    current = None
    for line in stdout.splitlines():
        if line.startswith(_SEPARATOR):
            current = line[len(_SEPARATOR):].strip()
            sections[current] = []
        elif current is None:
            head.append(line)
        elif line.strip():
            sections[current].append(line.strip())
    version, full = parse_version("\n".join(head))
    result: Dict[str, object] = {"version": version, "version_full": full}
    for query in queries:
        result[query] = sections.get(query, [])
    return result


def probe(run: Runner) -> Dict[str, object]:
    """Ask the target which OpenSSH it runs and which algorithms it knows.

    ``run(argv) -> (rc, stdout, stderr)`` (Ansible: ``module.run_command``).
    One ``sh -c`` runs ``ssh -V`` and every ``ssh -Q`` query, so a probe costs
    one process start. Returns::

        {"version": "9.2", "version_full": "OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL ...",
         "kex": [...], "cipher": [...], "mac": [...], "key": [...], "sig": [...]}

    A query the installed ssh does not know gives an empty list.
    """
    rc, stdout, stderr = run(["/bin/sh", "-c", probe_script()])
    try:
        return parse_probe(stdout or "")
    except OpenSSHConfigError:
        detail = (stderr or stdout or "").strip()[:200]
        raise OpenSSHConfigError(
            f"could not find the OpenSSH version (rc={rc}): {detail or 'no output'}", "version"
        )
