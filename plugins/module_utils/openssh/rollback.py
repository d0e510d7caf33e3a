# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirmed apply, host half: record what a run changes, undo it now or after a timeout.

Network gear calls it "commit confirmed". A module that can cut access
(sshd_config, the connecting user's authorized_keys, a KRL ...) opens a
``Transaction``, calls ``snapshot(path)`` before it changes each file, makes
its changes and reloads what must be reloaded. Then:

* if the module itself sees a failure (sshd does not serve), ``undo()``
  restores every file at once and restarts sshd;
* otherwise ``arm(timeout)`` leaves the snapshot and a small standalone
  restore script in ``/var/lib/sshsuite/rollback/<id>/`` and schedules it:
  a transient systemd timer (``systemd-run --on-active``) where systemd runs,
  a detached process in its own session otherwise. Both outlive the module,
  the SSH session and the controller. The action plugin then proves access
  with a fresh login and confirms (``restore.py confirm``), which cancels the
  rollback; if the login fails or the controller disappears, the script
  restores the files and restarts sshd when the time is up.

The restore script is written out from ``RESTORE_SCRIPT`` (it must run after
the module and its module_utils are gone), with a copy of fileio.py beside
it: the restore writes with the collection's one safe writer, and reaches
each directory without following a link (``Directory.walk``), because a
user's ~/.ssh may have been swapped for a symlink in the meantime.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import errors as errors_module
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

STATE_DIR = "/var/lib/sshsuite/rollback"
MANIFEST = "manifest.json"
SCRIPT = "restore.py"
UNIT_PREFIX = "sshsuite-rollback-"
UNITS_DIR = "/etc/systemd/system"
#: the shortest confirmation window accepted: a fresh login through a jump host needs time
MIN_TIMEOUT = 15
#: how long after its deadline an armed rollback that never ran counts as overdue
OVERDUE_GRACE = 60

RESTORE_SCRIPT = r'''#!/usr/bin/env python3
# Written by sshsuite.openssh (module_utils/openssh/rollback.py). Restores the files a
# run changed and makes sshd serve them again, unless the run was confirmed first.
#   restore.py run      restore now (the timer, or the detached process at the deadline)
#   restore.py wait     sleep until the deadline, then run (the detached process)
#   restore.py confirm  cancel: the change was proven by a fresh login
# run and confirm hold a lock on this directory: once a restore has started, a confirm
# fails (the controller then reports the rollback), and a confirmed run never restores.
# Files are written with the collection's own fileio.py, shipped next to this script
# under lib/ (run with python3 -I, so nothing else on sys.path can stand in for it).
import fcntl, json, os, signal, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio  # noqa: E402

UNITS = "/etc/systemd/system"


def load():
    with open(os.path.join(HERE, "manifest.json")) as handle:
        return json.load(handle)


def lock():
    handle = os.open(HERE, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def mark(name, data):
    with fileio.Directory.open(HERE, trusted=True) as here:
        here.write(name, json.dumps(data).encode("utf-8"), mode=0o600)


def exists(name):
    return os.path.exists(os.path.join(HERE, name))


def put_back(entry):
    owners = tuple(entry.get("dir_owners") or (0,))
    with fileio.Directory.walk(os.path.dirname(entry["path"]), owners) as directory:
        name = os.path.basename(entry["path"])
        if entry["state"] == "absent":
            directory.unlink(name)
        else:
            with open(os.path.join(HERE, entry["copy"]), "rb") as handle:
                directory.write(name, handle.read(), entry["uid"], entry["gid"], entry["mode"])
        directory.sync()


def command(argv):
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        return done.returncode, done.stdout.decode("utf-8", "replace").strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return 1, str(exc)


def restart(service):
    if not service:
        return "no service to restart"
    if service.get("systemd"):
        unit = service["name"]
        if service.get("socket"):
            command(["systemctl", "daemon-reload"])
            rc, out = command(["systemctl", "restart", "--", unit + ".socket"])
            return "restarted %s.socket: rc %d %s" % (unit, rc, out)
        command(["systemctl", "reset-failed", "--", unit + ".service"])
        rc, out = command(["systemctl", "restart", "--", unit + ".service"])
        return "restarted %s.service: rc %d %s" % (unit, rc, out)
    pid = None
    for path in ("/run/sshd.pid", "/var/run/sshd.pid"):
        try:
            with open(path) as handle:
                pid = int(handle.read().strip())
            os.kill(pid, 0)
            break
        except (OSError, ValueError):
            pid = None
    if pid is not None:
        os.kill(pid, signal.SIGHUP)
        return "sent SIGHUP to sshd (pid %d)" % pid
    rc, out = command([service.get("sshd", "/usr/sbin/sshd")])
    return "started sshd: rc %d %s" % (rc, out)


def drop_timer(manifest):
    if manifest.get("method") != "systemd":
        return
    unit = manifest["unit"]
    command(["systemctl", "disable", "--now", "--", unit + ".timer"])
    with fileio.Directory.open(UNITS, trusted=True) as units:
        units.unlink(unit + ".timer")
        units.unlink(unit + ".service")
    command(["systemctl", "daemon-reload"])


def run():
    handle = lock()
    try:
        if exists("confirmed") or exists("started"):
            return 0
        manifest = load()
        mark("started", {"started_at": time.time()})
        errors = []
        for entry in reversed(manifest["files"]):
            try:
                put_back(entry)
            except (OSError, ValueError) as exc:
                errors.append("%s: %s" % (entry["path"], exc))
        action = restart(manifest.get("service"))
        report = {"id": manifest["id"], "restored_at": time.time(),
                  "files": [e["path"] for e in manifest["files"]], "service": action, "errors": errors}
        mark("restored.json", report)
        sys.stdout.write("sshsuite rollback %s: the change was not confirmed in time; restored %s; %s%s\n"
                         % (manifest["id"], ", ".join(report["files"]), action,
                            ("; errors: " + "; ".join(errors)) if errors else ""))
        drop_timer(manifest)
        return 1 if errors else 0
    finally:
        os.close(handle)


def ours(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return os.path.join(HERE, "restore.py").encode() in handle.read()
    except OSError:
        return False


def confirm():
    handle = lock()
    try:
        manifest = load()
        if exists("started"):
            sys.stdout.write("too late: the rollback has started\n")
            return 3
        mark("confirmed", {"confirmed_at": time.time()})
        drop_timer(manifest)
        if manifest.get("pid") and ours(manifest["pid"]):
            try:
                os.kill(manifest["pid"], signal.SIGTERM)
            except OSError:
                pass
    finally:
        os.close(handle)
    import shutil
    shutil.rmtree(HERE, ignore_errors=True)
    sys.stdout.write("confirmed %s\n" % manifest["id"])
    return 0


def wait():
    manifest = load()
    while time.time() < manifest["deadline"]:
        time.sleep(min(1.0, max(0.0, manifest["deadline"] - time.time())))
        if not os.path.isdir(HERE) or exists("confirmed"):
            return 0
    return run()


if __name__ == "__main__":
    sys.exit({"run": run, "wait": wait, "confirm": confirm}[sys.argv[1]]())
'''


def _ship_fileio(directory: fileio.Directory) -> None:
    """Put fileio.py (and errors.py, which it imports) under ``lib/`` for the restore script.

    The restore runs after the module and its module_utils are gone; it
    writes with the same safe writer as every module, read here from the
    module_utils the module was shipped with.
    """
    path = "lib/ansible_collections/sshsuite/openssh/plugins/module_utils/openssh".split("/")
    current = directory
    opened = []
    for part in path:
        current = current.child(part, create_mode=0o700, owner=(0, 0))
        opened.append(current)
    try:
        for level in opened:
            level.write("__init__.py", b"", mode=0o600, sync=False)
        for module in (fileio, errors_module):
            current.write(module.__name__.rsplit(".", 1)[-1] + ".py",
                          inspect.getsource(module).encode("utf-8"), mode=0o600, sync=False)
        current.sync()
    finally:
        for item in opened:
            item.close()


class RollbackPending(OpenSSHConfigError):
    """An earlier run armed a rollback that has not run or been confirmed yet."""


def _now() -> float:
    return time.time()


def pending(state_dir: str = STATE_DIR) -> List[Dict[str, Any]]:
    """Armed rollbacks that have neither run nor been confirmed (their manifests)."""
    found = []
    try:
        names = sorted(os.listdir(state_dir))
    except FileNotFoundError:
        return found
    for name in names:
        directory = os.path.join(state_dir, name)
        if os.path.exists(os.path.join(directory, "restored.json")) or \
                os.path.exists(os.path.join(directory, "confirmed")):
            continue
        data = fileio.read_file(os.path.join(directory, MANIFEST))
        if data is None:
            continue
        try:
            found.append(json.loads(data.decode("utf-8")))
        except ValueError:
            continue
    return found


def finished(state_dir: str = STATE_DIR) -> List[Dict[str, Any]]:
    """Reports of rollbacks that ran (restored.json), newest last; their directories are then removed."""
    reports = []
    try:
        names = sorted(os.listdir(state_dir))
    except FileNotFoundError:
        return reports
    for name in names:
        directory = os.path.join(state_dir, name)
        data = fileio.read_file(os.path.join(directory, "restored.json"))
        if data is None:
            continue
        try:
            reports.append(json.loads(data.decode("utf-8")))
        except ValueError:
            pass
        shutil.rmtree(directory, ignore_errors=True)
    return reports


class Transaction(object):
    """The files one run changes, recorded before they change; see the module docstring."""

    def __init__(self, service: Optional[Dict[str, Any]] = None, state_dir: str = STATE_DIR):
        self.service = service
        self.state_dir = state_dir
        self.entries: List[Dict[str, Any]] = []
        self.armed: Optional[Dict[str, Any]] = None
        self.data: Dict[str, bytes] = {}
        self._paths = set()

    def check_no_pending(self) -> List[str]:
        """Refuse to start while an earlier run's rollback is armed: it would later undo this run.

        A rollback whose deadline passed more than a minute ago without running
        (its detached process died with a reboot, or scheduling broke) is
        carried out now, as it should have been; the returned notes say so.
        """
        notes = []
        for manifest in pending(self.state_dir):
            script = os.path.join(self.state_dir, manifest.get("id", "?"), SCRIPT)
            left = manifest.get("deadline", 0) - _now()
            if left < -OVERDUE_GRACE and os.path.exists(script):
                python = manifest.get("python") or sys.executable
                subprocess.run([python, "-I", script, "run"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
                notes.append("an earlier run's rollback (%s) was overdue by %d s and was carried out now"
                             % (manifest.get("id"), int(-left)))
                continue
            raise RollbackPending(
                "a rollback armed by an earlier run (%s) is pending%s: it restores %s. Wait until it has run "
                "(the earlier change was not confirmed by a fresh login), or confirm it on the host with "
                "'%s -I %s confirm'" % (manifest.get("id"), " for %d more seconds" % int(left) if left > 0 else "",
                                        ", ".join(e["path"] for e in manifest.get("files", [])),
                                        manifest.get("python", "python3"), script))
        return notes

    def snapshot(self, path: str, dir_owners: Sequence[int] = (0,)) -> None:
        """Record ``path`` as it is now (content, owner, mode; or absent), once per run.

        ``dir_owners``: who may own the directory (root alone for /etc/ssh;
        ``(0, uid)`` for a user's ~/.ssh). The directory is reached without
        following any link, now and when the file is put back.
        """
        if path in self._paths:
            return
        self._paths.add(path)
        entry: Dict[str, Any] = {"path": path, "dir_owners": list(dir_owners)}
        with fileio.Directory.walk(os.path.dirname(path), dir_owners) as directory:
            info = directory.lstat(os.path.basename(path))
            if info is None:
                entry["state"] = "absent"
            else:
                data, info = directory.read(os.path.basename(path))
                entry.update(state="file", copy="%d.orig" % len(self.entries), uid=info.st_uid, gid=info.st_gid,
                             mode=stat.S_IMODE(info.st_mode))
                self.data[entry["copy"]] = data or b""
        self.entries.append(entry)

    def undo(self) -> List[str]:
        """Restore every recorded file now, newest change first; returns problems (empty when all went back)."""
        errors = []
        for entry in reversed(self.entries):
            try:
                with fileio.Directory.walk(os.path.dirname(entry["path"]), entry["dir_owners"]) as directory:
                    name = os.path.basename(entry["path"])
                    if entry["state"] == "absent":
                        directory.unlink(name)
                    else:
                        directory.write(name, self.data[entry["copy"]], entry["uid"], entry["gid"], entry["mode"])
            except (OSError, OpenSSHConfigError) as exc:
                errors.append("%s: %s" % (entry["path"], exc))
        return errors

    def arm(self, timeout: int, python: Optional[str] = None, method: Optional[str] = None) -> Dict[str, Any]:
        """Schedule the restore in ``timeout`` seconds; returns what the controller needs to confirm.

        ``method``: systemd (a timer unit in /etc/systemd/system with an absolute
        deadline and Persistent=true, enabled: a reboot before the deadline
        still restores at boot) or process (a detached process; a reboot
        cancels it); by default systemd where it runs. Nothing is left behind
        when scheduling fails.
        """
        if int(timeout) < MIN_TIMEOUT:
            raise OpenSSHConfigError("the confirmation window must be at least %d seconds (a fresh login needs "
                                     "time), got %s" % (MIN_TIMEOUT, timeout), "confirm_timeout")
        python = python or sys.executable or "/usr/bin/python3"
        ident = time.strftime("%Y%m%dT%H%M%S") + "-" + os.urandom(3).hex()
        unit = UNIT_PREFIX + ident
        deadline = _now() + timeout
        with fileio.Directory.open(os.path.dirname(self.state_dir), trusted=True, create_mode=0o755) as parent:
            states = parent.child(os.path.basename(self.state_dir), create_mode=0o700, owner=(0, 0))
        with states:
            states.set_own_metadata(0, 0, 0o700)
            directory = states.child(ident, create_mode=0o700, owner=(0, 0))
        if method is None:
            method = "systemd" if os.path.isdir("/run/systemd/system") and shutil.which("systemctl") else "process"
        manifest = {"id": ident, "unit": unit, "deadline": deadline, "timeout": timeout, "python": python,
                    "files": self.entries, "service": self.service, "created": _now(), "method": method}
        script = os.path.join(directory.path, SCRIPT)
        try:
            with directory:
                for copy, data in self.data.items():
                    directory.write(copy, data, mode=0o600, sync=False)
                _ship_fileio(directory)
                directory.write(SCRIPT, RESTORE_SCRIPT.encode("utf-8"), mode=0o700, sync=False)
                directory.write(MANIFEST, json.dumps(manifest).encode("utf-8"), mode=0o600)
                if method == "systemd":
                    _schedule_timer(unit, deadline, python, script)
                else:
                    with open(os.devnull, "rb") as devnull_in, open(os.devnull, "wb") as devnull_out:
                        child = subprocess.Popen([python, "-I", script, "wait"], stdin=devnull_in,
                                                 stdout=devnull_out, stderr=devnull_out, start_new_session=True,
                                                 close_fds=True, cwd="/")
                    manifest["pid"] = child.pid
                    directory.write(MANIFEST, json.dumps(manifest).encode("utf-8"), mode=0o600)
        except BaseException:
            shutil.rmtree(os.path.join(self.state_dir, ident), ignore_errors=True)
            raise
        self.armed = {"id": ident, "deadline": deadline, "timeout": timeout, "method": method,
                      "confirm_command": [python, "-I", script, "confirm"]}
        return dict(self.armed)

    def disarm(self) -> None:
        """Cancel an armed rollback from inside the module (the module itself undid the change)."""
        if getattr(self, "armed", None):
            subprocess.run(self.armed["confirm_command"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
            self.armed = None


def _schedule_timer(unit: str, deadline: float, python: str, script: str) -> None:
    """A timer unit that fires at ``deadline`` (UTC), also at the next boot if the host was down then."""
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(deadline + 1))
    service = ("[Unit]\nDescription=sshsuite.openssh: undo an unconfirmed change\n\n[Service]\nType=oneshot\n"
               "ExecStart=%s -I %s run\n" % (python, script))
    timer = ("[Unit]\nDescription=sshsuite.openssh: undo an unconfirmed change at %s\n\n[Timer]\n"
             "OnCalendar=%s\nPersistent=true\nAccuracySec=1s\nUnit=%s.service\n\n[Install]\n"
             "WantedBy=timers.target\n" % (when, when, unit))
    with fileio.Directory.open(UNITS_DIR, trusted=True) as units:
        units.write(unit + ".service", service.encode("utf-8"), mode=0o644, sync=False)
        units.write(unit + ".timer", timer.encode("utf-8"), mode=0o644)
    for argv in (["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "--", unit + ".timer"]):
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0:
            with fileio.Directory.open(UNITS_DIR, trusted=True) as units:
                units.unlink(unit + ".timer")
                units.unlink(unit + ".service")
            raise OpenSSHConfigError("could not arm the rollback timer (%s): %s"
                                     % (" ".join(argv), done.stdout.decode("utf-8", "replace").strip()))
