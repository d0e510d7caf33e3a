# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The confirmed apply's host half: record, undo, arm, restore by itself, confirm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import rollback

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (ownership checks of the state directory)")


@pytest.fixture
def etc(tmp_path):
    directory = tmp_path / "etc"
    directory.mkdir(mode=0o755)
    (directory / "sshd_config").write_text("old\n")
    os.chmod(directory / "sshd_config", 0o600)
    return directory


def change(transaction, etc):
    transaction.snapshot(str(etc / "sshd_config"))
    transaction.snapshot(str(etc / "new_key"))
    (etc / "sshd_config").write_text("new\n")
    (etc / "new_key").write_text("key\n")


@needs_root
def test_undo_restores_content_mode_and_removes_new_files(etc, tmp_path):
    transaction = rollback.Transaction(state_dir=str(tmp_path / "state"))
    change(transaction, etc)
    os.chmod(etc / "sshd_config", 0o644)
    assert transaction.undo() == []
    assert (etc / "sshd_config").read_text() == "old\n"
    assert os.stat(etc / "sshd_config").st_mode & 0o777 == 0o600
    assert not (etc / "new_key").exists()


@pytest.fixture(autouse=True)
def short_windows(monkeypatch):
    monkeypatch.setattr(rollback, "MIN_TIMEOUT", 1)


def test_windows_shorter_than_the_minimum_are_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(rollback, "MIN_TIMEOUT", 15)
    with pytest.raises(rollback.OpenSSHConfigError, match="at least 15 seconds"):
        rollback.Transaction(state_dir=str(tmp_path / "state")).arm(5)


@needs_root
def test_an_armed_rollback_restores_by_itself_when_nobody_confirms(etc, tmp_path):
    state = tmp_path / "state"
    transaction = rollback.Transaction(state_dir=str(state))
    change(transaction, etc)
    token = transaction.arm(1, python=sys.executable, method="process")
    with pytest.raises(rollback.RollbackPending, match="pending"):
        rollback.Transaction(state_dir=str(state)).check_no_pending()
    deadline = time.time() + 15
    while time.time() < deadline and (etc / "sshd_config").read_text() != "old\n":
        time.sleep(0.2)
    assert (etc / "sshd_config").read_text() == "old\n"
    assert not (etc / "new_key").exists()
    time.sleep(0.5)
    reports = rollback.finished(str(state))
    assert reports and reports[0]["id"] == token["id"] and not reports[0]["errors"]
    rollback.Transaction(state_dir=str(state)).check_no_pending()


@needs_root
def test_a_confirmed_rollback_changes_nothing(etc, tmp_path):
    state = tmp_path / "state"
    transaction = rollback.Transaction(state_dir=str(state))
    change(transaction, etc)
    token = transaction.arm(2, python=sys.executable, method="process")
    done = subprocess.run(token["confirm_command"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    time.sleep(3)
    assert (etc / "sshd_config").read_text() == "new\n"
    assert not os.listdir(state)


@needs_root
def test_the_restore_never_follows_a_link_planted_in_a_user_directory(tmp_path):
    """A user who swaps ~/.ssh for a symlink before the restore runs must not make root write elsewhere."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "authorized_keys").write_text("old key\n")
    target = tmp_path / "root_ssh"
    target.mkdir()
    transaction = rollback.Transaction(state_dir=str(tmp_path / "state"))
    transaction.snapshot(str(home / ".ssh" / "authorized_keys"), dir_owners=(0, os.getuid()))
    os.rename(home / ".ssh", home / "ssh.moved")
    os.symlink(target, home / ".ssh")
    errors = transaction.undo()
    assert errors and "symbolic link" in errors[0]
    assert os.listdir(target) == []


def test_the_restore_script_is_valid_python():
    compile(rollback.RESTORE_SCRIPT, "restore.py", "exec")
    assert json.loads(json.dumps({"ok": True}))


@needs_root
def test_a_confirm_after_the_restore_started_is_refused(etc, tmp_path):
    """Review: a confirm racing the restore reported 'confirmed' for a half-restored host."""
    state = tmp_path / "state"
    transaction = rollback.Transaction(state_dir=str(state))
    change(transaction, etc)
    token = transaction.arm(1, python=sys.executable, method="process")
    deadline = time.time() + 15
    while time.time() < deadline and not list(state.glob("*/restored.json")):
        time.sleep(0.2)
    done = subprocess.run(token["confirm_command"], capture_output=True, text=True, check=False)
    assert done.returncode == 3 and "too late" in done.stdout


@needs_root
def test_an_overdue_rollback_that_never_ran_is_carried_out_by_the_next_run(etc, tmp_path, monkeypatch):
    """Review: a rollback whose process died (a reboot) stayed pending forever and blocked every run."""
    state = tmp_path / "state"
    transaction = rollback.Transaction(state_dir=str(state))
    change(transaction, etc)
    token = transaction.arm(1, python=sys.executable, method="process")
    manifest = json.loads((state / token["id"] / "manifest.json").read_text())
    os.kill(manifest["pid"], 9)  # the detached process is gone, as after a reboot
    monkeypatch.setattr(rollback, "OVERDUE_GRACE", 0)
    time.sleep(2.5)
    notes = rollback.Transaction(state_dir=str(state)).check_no_pending()
    assert notes and "overdue" in notes[0]
    assert (etc / "sshd_config").read_text() == "old\n"


@needs_root
def test_a_failed_schedule_leaves_nothing_behind(etc, tmp_path, monkeypatch):
    state = tmp_path / "state"
    transaction = rollback.Transaction(state_dir=str(state))
    change(transaction, etc)
    monkeypatch.setattr(rollback, "UNITS_DIR", str(tmp_path / "no_such_dir"))
    with pytest.raises(Exception):
        transaction.arm(5, python=sys.executable, method="systemd")
    assert os.listdir(state) == []
