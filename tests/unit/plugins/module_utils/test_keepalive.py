# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/keepalive.py.

The disconnect model (interval x (count + 1), twice that on 9.2) comes from
measurements on the lab images; docs/idle-timeout.md has the table.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sshd_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keepalive, render
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

RELEASES = ("8.4", "9.2", "10.0")
SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.access("/usr/sbin/sshd", os.X_OK) else None)
SSH_KEYGEN = shutil.which("ssh-keygen")


def _values_accept_session_wildcard():
    try:
        render.render_config("sshd", {"ChannelTimeout": ["session:*=1"]}, [], "9.2", "")
    except OpenSSHConfigError:
        return False
    return True


# sshd_config(5) of 9.2 names the session channel types session:shell,
# session:command and session:subsystem:NAME; values.py (another file)
# rejected ':' in a channel type when this was written.
needs_session_wildcard = pytest.mark.xfail(
    not _values_accept_session_wildcard(), raises=OpenSSHConfigError, strict=True,
    reason="values.py rejects the channel type 'session:*' that sshd 9.2+ needs")


# ---------------------------------------------------------------------------
# dead peers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("version, interval, bound", [
    ("8.4", 75, 300), ("9.2", 37, 296), ("10.0", 75, 300),
])
def test_dead_peer_timeout_uses_the_measured_bound(version, interval, bound):
    settings, warnings, extras = keepalive.idle_policy(None, "5m", version)
    assert settings == {"ClientAliveInterval": interval, "ClientAliveCountMax": 3, "TCPKeepAlive": False}
    assert warnings == []
    assert extras["dead_peer_bound"] == bound <= 300


@pytest.mark.parametrize("version, interval, count, measured", [
    # (version, interval, count, seconds measured from SIGSTOP, ~2.5 s after the last packet)
    ("8.4", 15, 3, 57.7), ("8.4", 5, 3, 17.5), ("8.4", 10, 2, 27.4), ("8.4", 15, 1, 27.6),
    ("9.2", 15, 3, 117.4), ("9.2", 5, 3, 37.5), ("9.2", 10, 2, 57.5), ("9.2", 15, 1, 58.7),
    ("10.0", 15, 3, 57.9), ("10.0", 5, 3, 17.7), ("10.0", 10, 2, 27.4), ("10.0", 15, 1, 28.0),
])
def test_disconnect_bound_matches_the_measurements(version, interval, count, measured):
    bound = keepalive.disconnect_bound(interval, count, version)
    assert measured <= bound <= measured + 3.5


def test_factor_for_unmeasured_versions_is_the_safe_one():
    assert keepalive.disconnect_factor("9.6") == 2
    assert keepalive.disconnect_factor("8.9") == 1
    assert keepalive.disconnect_factor("10.2") == 1


def test_durations_in_any_form():
    for value in (300, "300", "300s", "5m"):
        assert keepalive.idle_policy(None, value, "10.0")[0]["ClientAliveInterval"] == 75
    assert keepalive.idle_policy(None, "1h", "10.0")[0]["ClientAliveInterval"] == 900


def test_dead_peer_timeout_zero_switches_probes_off():
    settings, warnings, extras = keepalive.idle_policy(None, 0, "9.2")
    assert settings == {"ClientAliveInterval": 0}
    assert extras["dead_peer_bound"] == 0


def test_nothing_requested_sets_nothing():
    assert keepalive.idle_policy(None, None, "9.2") == (
        {}, [], {"dead_peer_bound": None, "idle_enforced_by": None})


def test_probe_count():
    settings, _unused, extras = keepalive.idle_policy(None, "10m", "10.0", probe_count=1)
    assert settings["ClientAliveCountMax"] == 1 and settings["ClientAliveInterval"] == 300
    assert extras["dead_peer_bound"] == 600


@pytest.mark.parametrize("version", RELEASES)
def test_count_zero_is_translated_with_a_warning(version):
    settings, warnings, _unused = keepalive.idle_policy(None, "5m", version, probe_count=0)
    assert settings["ClientAliveCountMax"] == 1
    assert len(warnings) == 1 and "never disconnected" in warnings[0] and "8.2" in warnings[0]


def test_count_zero_before_8_2_keeps_its_old_meaning():
    settings, warnings, _unused = keepalive.idle_policy(None, "5m", "7.9", probe_count=0)
    assert warnings == []
    # interval x (0 + 1): the first unanswered probe drops the peer
    assert settings == {"ClientAliveInterval": 300, "ClientAliveCountMax": 0, "TCPKeepAlive": False}


def test_guard_count_max_on_an_operator_mapping():
    settings, warnings = keepalive.guard_count_max(
        {"ClientAliveInterval": 600, "clientalivecountmax": "0", "LogLevel": "INFO"}, "9.2")
    assert settings == {"ClientAliveInterval": 600, "clientalivecountmax": 1, "LogLevel": "INFO"}
    assert len(warnings) == 1
    assert keepalive.guard_count_max({"ClientAliveCountMax": 2}, "9.2") == ({"ClientAliveCountMax": 2}, [])
    assert keepalive.guard_count_max({"ClientAliveCountMax": 0}, "7.9") == ({"ClientAliveCountMax": 0}, [])
    assert keepalive.guard_count_max({"ServerAliveCountMax": 0}, "9.2", daemon="ssh")[0] == {
        "ServerAliveCountMax": 1}


def test_too_short_is_refused():
    with pytest.raises(OpenSSHConfigError, match="too short"):
        keepalive.idle_policy(None, 5, "9.2")


@pytest.mark.parametrize("kwargs, message", [
    ({"dead_peer_timeout": "5 minutes"}, "not a time"),
    ({"dead_peer_timeout": -1}, "negative"),
    ({"idle_timeout": True}, "expected a time"),
    ({"probe_count": -1}, "whole number"),
    ({"probe_count": "3"}, "whole number"),
    ({"daemon": "sftp"}, "daemon"),
    ({"shell_fallback": "yes"}, "true or false"),
])
def test_bad_input(kwargs, message):
    args = {"idle_timeout": None, "dead_peer_timeout": "5m", "version": "9.2"}
    args.update(kwargs)
    with pytest.raises(OpenSSHConfigError, match=message):
        keepalive.idle_policy(**args)


# ---------------------------------------------------------------------------
# idle sessions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", ("9.2", "10.0"))
def test_idle_timeout_on_9_2_and_later(version):
    settings, warnings, extras = keepalive.idle_policy("15m", None, version)
    assert settings == {"ChannelTimeout": ["session:*=900"], "UnusedConnectionTimeout": 900}
    assert warnings == []
    assert extras["idle_enforced_by"] == "sshd"
    assert "profile_d" not in extras


def test_idle_timeout_on_8_4_says_it_cannot():
    settings, warnings, extras = keepalive.idle_policy("15m", "5m", "8.4")
    assert "ChannelTimeout" not in settings and "UnusedConnectionTimeout" not in settings
    assert settings["ClientAliveInterval"] == 75
    assert len(warnings) == 1
    assert "cannot end an idle but responsive session" in warnings[0]
    assert "set the shell fallback" in warnings[0]
    assert extras["idle_enforced_by"] is None


def test_shell_fallback():
    settings, warnings, extras = keepalive.idle_policy("10m", None, "8.4", shell_fallback=True)
    assert settings == {}
    assert "TMOUT=600" in warnings[0]
    assert extras["idle_enforced_by"] == "shell"
    assert extras["profile_d"]["path"] == keepalive.TMOUT_PATH
    content = extras["profile_d"]["content"]
    assert "TMOUT=600" in content and "readonly TMOUT" in content and "SSH_CONNECTION" in content
    # on 9.2+ the file is offered too (CIS 5.4.3.2 asks for a shell timeout)
    assert "profile_d" in keepalive.idle_policy("10m", None, "9.2", shell_fallback=True)[2]


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
def test_tmout_script_is_valid_shell(tmp_path):
    path = tmp_path / "tmout.sh"
    path.write_text(keepalive.tmout_script(300))
    assert subprocess.run(["sh", "-n", str(path)], check=False).returncode == 0
    out = subprocess.run(["sh", "-c", f". {path}; echo ${{TMOUT:-unset}}"],
                         env={"SSH_CONNECTION": "1 2 3 4", "PATH": os.environ.get("PATH", "")},
                         capture_output=True, text=True, check=False)
    assert out.stdout.strip() == "300"
    out = subprocess.run(["sh", "-c", f". {path}; echo ${{TMOUT:-unset}}"],
                         env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, check=False)
    assert out.stdout.strip() == "unset"


# ---------------------------------------------------------------------------
# the client
# ---------------------------------------------------------------------------


def test_client_uses_server_alive():
    settings, warnings, extras = keepalive.idle_policy(None, "2m", "9.2", daemon="ssh")
    # no 9.2 doubling on the client side (not measured: the plain formula)
    assert settings == {"ServerAliveInterval": 30, "ServerAliveCountMax": 3, "TCPKeepAlive": False}
    assert extras["dead_peer_bound"] == 120


def test_client_idle_timeout_is_a_server_matter():
    settings, warnings, _unused = keepalive.idle_policy("10m", None, "10.0", daemon="ssh")
    assert settings == {}
    assert "server policy" in warnings[0]


def test_client_count_zero():
    settings, warnings, _unused = keepalive.idle_policy(None, "2m", "9.2", daemon="ssh", probe_count=0)
    assert settings["ServerAliveCountMax"] == 1
    assert "ServerAliveCountMax 0" in warnings[0]


# ---------------------------------------------------------------------------
# rendering and the local sshd
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", RELEASES)
def test_renders(version):
    if version != "8.4" and not _values_accept_session_wildcard():
        pytest.xfail("values.py rejects the channel type 'session:*' that sshd 9.2+ needs")
    settings, _unused, _unused = keepalive.idle_policy("15m", "5m", version)
    text = render.render_config("sshd", settings, [], version, "test")
    assert "TCPKeepAlive no" in text
    if version != "8.4":
        assert "ChannelTimeout session:*=900" in text and "UnusedConnectionTimeout 900" in text
    client = keepalive.idle_policy(None, "5m", version, daemon="ssh")[0]
    assert "ServerAliveInterval 75" in render.render_config("ssh", client, [], version, "test")


@needs_session_wildcard
@pytest.mark.skipif(SSHD is None or SSH_KEYGEN is None, reason="no sshd/ssh-keygen on this machine")
def test_local_sshd_prints_what_was_asked(tmp_path):
    out = subprocess.run([SSHD, "-V"], capture_output=True, text=True, check=False)
    line = (out.stderr or out.stdout).strip()
    if "OpenSSH_9.2" not in line:
        pytest.skip(f"expects the lab controller's 9.2, found {line!r}")
    key = tmp_path / "host_ed25519"
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    settings, _unused, _unused = keepalive.idle_policy("15m", "5m", "9.2")
    settings.update({"HostKey": [str(key)], "PidFile": str(tmp_path / "pid")})
    config = tmp_path / "sshd_config"
    config.write_text(render.render_config("sshd", settings, [], "9.2", "test"))
    dump = subprocess.run(sshd_host.sshd_argv(["-T", "-f", str(config)], SSHD), capture_output=True, text=True, check=False)
    assert dump.returncode == 0, dump.stderr
    lines = set(dump.stdout.splitlines())
    assert {"clientaliveinterval 37", "clientalivecountmax 3", "tcpkeepalive no",
            "unusedconnectiontimeout 900", "channeltimeout session:*=900"} <= lines
