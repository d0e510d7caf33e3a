"""Idle and dead-peer behaviour on a real sshd: sshd_idle_timeout 10s,
sshd_dead_peer_timeout 20s (converge.yml). One run of files/idle_sessions.py
per host holds four sessions at once; the figures go to the Molecule
ephemeral directory (idle-<host>.json) for docs/idle-timeout.md."""
import json
import os
import subprocess

import pytest

from testlib import openssh_version

IDLE = 10
WINDOW = 32  # > the longest modelled dead-peer bound (20 s) and 3 x the idle timeout


@pytest.fixture(scope="module")
def measured(host):
    name = host.backend.name
    subprocess.run(["podman", "cp", os.path.join(os.path.dirname(__file__), "..", "files",
                                                 "idle_sessions.py"),
                    "%s:/root/idle_sessions.py" % name], check=True)
    result = host.run("python3 /root/idle_sessions.py %d" % WINDOW)
    assert result.rc == 0, result.stdout + result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["policy"] = json.loads(host.file("/root/idle-policy.json").content_string)
    figures["openssh"] = "%d.%d" % openssh_version(host)
    directory = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    if directory:
        with open(os.path.join(directory, "idle-%s.json" % name), "w") as handle:
            json.dump(figures, handle, indent=1)
    return figures


def test_frozen_client_dropped_within_bound(measured):
    bound = measured["policy"]["dead_peer_bound"]
    assert bound and bound <= 20, measured
    assert measured["frozen"] is not None, "frozen client still connected after %ss: %s" % (WINDOW, measured)
    # The model counts from the client's last packet, which came before the
    # freeze; sshd's timer overshoots the modelled time by a fraction of a
    # second (measured 20.0-20.1 s for a 20 s bound on 8.4) and a loaded
    # machine delays the 0.2 s poll: 2 s of slack.
    assert measured["frozen"] <= bound + 2, measured


def test_idle_session(measured, host):
    if openssh_version(host) >= (9, 2):
        assert measured["idle"] is not None, "idle session not closed: %s" % measured
        assert IDLE - 1 <= measured["idle"] <= IDLE + 3, measured
    else:
        # 8.4 has no ChannelTimeout: the responsive idle session stays open (the
        # limitation converge.yml asserts in the run output).
        assert measured["idle"] is None, "8.4 closed an idle session?: %s" % measured


def test_active_session_kept(measured):
    assert measured["active"] is None, "active session was closed: %s" % measured
    assert measured["active_ticks"] >= WINDOW - 5, measured


def test_idle_login_shell_ends(measured):
    # 9.2+: ChannelTimeout; 8.4: the TMOUT fallback (sshd_idle_shell_fallback).
    assert measured["shell"] is not None, "idle login shell still open: %s" % measured
    assert IDLE - 1 <= measured["shell"] <= IDLE + 3, measured
