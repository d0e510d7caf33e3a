# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Idle timeout and dead-peer policy: two durations in, the right directives out.

``idle_policy(idle_timeout, dead_peer_timeout, version, daemon="sshd",
shell_fallback=False, probe_count=None) -> (settings, warnings, extras)``

Two different problems, two variables (durations: seconds or "30s", "5m",
"1h30m"; None leaves the matter alone, 0 switches it off):

``dead_peer_timeout``: how long a peer that stopped answering (crashed,
    frozen, network gone) may keep its session. sshd: ClientAliveInterval /
    ClientAliveCountMax, and TCPKeepAlive no (TCP keepalives are spoofable and
    only ClientAlive travels inside the encrypted channel). ssh: the same with
    ServerAliveInterval / ServerAliveCountMax. A peer that still answers is
    *never* dropped by these, however idle it is.
``idle_timeout``: how long a session may sit with no traffic at all although
    the peer answers. sshd 9.2+: ``ChannelTimeout session:*=T`` (closes the
    idle session channel) and ``UnusedConnectionTimeout T`` (closes a
    connection left without channels). Before 9.2 sshd cannot do this; the
    warning says so and ``shell_fallback`` offers a TMOUT profile.d file.

Measured on Debian's builds (client frozen with SIGSTOP, times from the last
packet; docs/idle-timeout.md has the table): the peer is dropped after
``interval * (count + 1)`` on 8.4 and 10.0, but after about twice that on
9.2 (15 x 3 took 117 s there). ``disconnect_bound()`` encodes this and
idle_policy picks the interval so that the *measured* bound stays within
``dead_peer_timeout``; ``extras["dead_peer_bound"]`` is that bound.

``ClientAliveCountMax 0`` disables the disconnect since OpenSSH 8.2 (before,
it dropped the peer at the first unanswered probe). A request for 0
(``probe_count=0`` here, or ``ClientAliveCountMax: 0`` in the operator's own
mapping, see ``guard_count_max``) is translated to 1 with a warning.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import values
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import (
    at_least,
    vtuple,
)

DAEMONS = ("sshd", "ssh")

#: recommended defaults for the role: a frozen client is gone within 5 minutes;
#: idle sessions are left alone unless the operator asks.
DEFAULT_DEAD_PEER_TIMEOUT = "5m"
DEFAULT_IDLE_TIMEOUT = None
DEFAULT_PROBE_COUNT = 3

TMOUT_PATH = "/etc/profile.d/sshsuite-idle-timeout.sh"

_KEYWORDS = {
    "sshd": ("ClientAliveInterval", "ClientAliveCountMax"),
    "ssh": ("ServerAliveInterval", "ServerAliveCountMax"),
}

#: channel types that make up a session (shell, command, subsystem). A bare
#: "session" matches none of them: measured on 9.2 and 10.0, an idle session
#: survived ``ChannelTimeout session=10`` for 300 s and was closed after 10 s
#: with ``session:*=10``.
SESSION_CHANNELS = "session:*"

COUNT_ZERO_WARNING = (
    "{keyword} 0 was requested: since OpenSSH 8.2 a count of 0 means a dead peer "
    "is never disconnected (it no longer means 'disconnect at the first missed "
    "probe'); {keyword} 1 is used instead"
)
CLIENT_COUNT_ZERO_WARNING = (
    "ServerAliveCountMax 0 was requested: ssh would drop the connection after one "
    "quiet interval without waiting for an answer; ServerAliveCountMax 1 is used instead"
)
NO_IDLE_TIMEOUT_WARNING = (
    "OpenSSH {version} cannot end an idle but responsive session: ChannelTimeout and "
    "UnusedConnectionTimeout need 9.2, and ClientAliveInterval only drops peers that "
    "stopped answering. idle_timeout {seconds}s is not enforced by sshd{fallback}"
)
CLIENT_IDLE_WARNING = (
    "idle_timeout is a server policy: ssh does not end idle sessions by itself "
    "(set it on the servers); only the dead-peer settings apply to the client"
)


def _seconds(value: Any, where: str) -> Optional[int]:
    if value is None:
        return None
    return values.parse_duration(value, where)


def disconnect_factor(version: str) -> int:
    """How many ClientAliveInterval periods one unanswered probe costs.

    Measured: 8.4 -> 1, 9.2 -> 2, 10.0 -> 1. Versions between 9.2 and 10.0 were
    not measured and are assumed to behave like 9.2 (the safe side: the
    chosen interval is then shorter than needed, never longer).
    """
    return 2 if (9, 2) <= vtuple(version) < (10, 0) else 1


def disconnect_bound(interval: int, count: int, version: str, daemon: str = "sshd") -> int:
    """Seconds after the last packet until a frozen peer is dropped (measured model)."""
    if interval <= 0 or count <= 0:
        return 0
    factor = disconnect_factor(version) if daemon == "sshd" else 1
    return factor * interval * (count + 1)


def tmout_script(seconds: int) -> str:
    """profile.d text that ends idle interactive shells of SSH logins (bash, ksh, zsh)."""
    return (
        "# Managed by sshsuite.openssh (idle_timeout): end idle interactive shells\n"
        "# of SSH logins. bash, ksh and zsh honour TMOUT; dash and fish do not.\n"
        'if [ -n "${SSH_CONNECTION:-}" ]; then\n'
        f"    TMOUT={seconds}\n"
        "    readonly TMOUT\n"
        "    export TMOUT\n"
        "fi\n"
    )


def _count(probe_count: Any, version: str, daemon: str, warnings: List[str]) -> int:
    if probe_count is None:
        return DEFAULT_PROBE_COUNT
    if isinstance(probe_count, bool) or not isinstance(probe_count, int) or probe_count < 0:
        raise OpenSSHConfigError(f"expected a whole number >= 0, got {probe_count!r}", "probe_count")
    if probe_count == 0:
        keyword = _KEYWORDS[daemon][1]
        if daemon == "ssh":
            warnings.append(CLIENT_COUNT_ZERO_WARNING)
            return 1
        if at_least(version, "8.2"):
            warnings.append(COUNT_ZERO_WARNING.format(keyword=keyword))
            return 1
    return probe_count


def idle_policy(idle_timeout: Any, dead_peer_timeout: Any, version: str, daemon: str = "sshd",
                shell_fallback: bool = False, probe_count: Optional[int] = None
                ) -> Tuple[Dict[str, Any], List[str], Dict[str, Any]]:
    """Turn the two durations into directives for ``daemon`` on ``version``.

    Returns ``(settings, warnings, extras)``:

    * settings: canonical keyword -> value (ints are seconds);
    * warnings: sentences for the run output;
    * extras: ``dead_peer_bound`` (seconds, the measured worst case),
      ``idle_enforced_by`` ("sshd", "shell" or None) and, when
      ``shell_fallback`` is true and an idle timeout is set,
      ``profile_d = {"path": TMOUT_PATH, "content": ...}``.
    """
    if daemon not in DAEMONS:
        raise OpenSSHConfigError(f"daemon must be 'sshd' or 'ssh', got {daemon!r}", "daemon")
    vtuple(version)
    if not isinstance(shell_fallback, bool):
        raise OpenSSHConfigError(f"expected true or false, got {shell_fallback!r}", "shell_fallback")
    idle = _seconds(idle_timeout, "idle_timeout")
    dead = _seconds(dead_peer_timeout, "dead_peer_timeout")
    settings: Dict[str, Any] = {}
    warnings: List[str] = []
    extras: Dict[str, Any] = {"dead_peer_bound": None, "idle_enforced_by": None}
    interval_kw, count_kw = _KEYWORDS[daemon]

    if dead is not None:
        if dead == 0:
            settings[interval_kw] = 0
            extras["dead_peer_bound"] = 0
        else:
            count = _count(probe_count, version, daemon, warnings)
            factor = disconnect_factor(version) if daemon == "sshd" else 1
            interval = dead // (factor * (count + 1))
            if interval < 1:
                raise OpenSSHConfigError(
                    f"{dead}s is too short for {count} probes on OpenSSH {version}: the peer is "
                    f"dropped after {factor} x interval x (count + 1) seconds; use at least "
                    f"{factor * (count + 1)}s or fewer probes",
                    "dead_peer_timeout",
                )
            settings[interval_kw] = interval
            settings[count_kw] = count
            settings["TCPKeepAlive"] = False
            extras["dead_peer_bound"] = disconnect_bound(interval, count, version, daemon)

    if idle:
        if daemon == "ssh":
            warnings.append(CLIENT_IDLE_WARNING)
        elif at_least(version, "9.2"):
            settings["ChannelTimeout"] = [f"{SESSION_CHANNELS}={idle}"]
            settings["UnusedConnectionTimeout"] = idle
            extras["idle_enforced_by"] = "sshd"
        else:
            fallback = (
                f"; the shell fallback ({TMOUT_PATH}, TMOUT={idle}) ends idle bash/ksh/zsh "
                "shells, not idle forwardings or sftp sessions"
                if shell_fallback else
                "; set the shell fallback (TMOUT in /etc/profile.d) to end idle shells"
            )
            warnings.append(NO_IDLE_TIMEOUT_WARNING.format(version=version, seconds=idle,
                                                           fallback=fallback))
            if shell_fallback:
                extras["idle_enforced_by"] = "shell"
        if shell_fallback and daemon == "sshd":
            extras["profile_d"] = {"path": TMOUT_PATH, "content": tmout_script(idle)}
    return settings, warnings, extras


def guard_count_max(settings: Mapping[str, Any], version: str, daemon: str = "sshd"
                    ) -> Tuple[Dict[str, Any], List[str]]:
    """Translate a ``ClientAliveCountMax 0`` (``ServerAliveCountMax 0``) in an
    operator mapping to 1, with the warning; other settings pass unchanged.

    Keyword names are matched case-insensitively; the value may be 0 or "0".
    """
    if daemon not in DAEMONS:
        raise OpenSSHConfigError(f"daemon must be 'sshd' or 'ssh', got {daemon!r}", "daemon")
    result = dict(settings or {})
    warnings: List[str] = []
    wanted = _KEYWORDS[daemon][1].lower()
    for name in list(result):
        if str(name).lower() != wanted:
            continue
        value = result[name]
        if isinstance(value, bool) or str(value).strip() != "0":
            continue
        if daemon == "ssh":
            warnings.append(CLIENT_COUNT_ZERO_WARNING)
            result[name] = 1
        elif at_least(version, "8.2"):
            warnings.append(COUNT_ZERO_WARNING.format(keyword=_KEYWORDS[daemon][1]))
            result[name] = 1
    return result, warnings
