# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The safe writer and reader (fileio.py) against the attacks a local user can mount.

Most tests run as any user: they plant symlinks, hard links and FIFOs and
check that nothing outside the directory is read or changed. The ownership
tests need root (CI runs as root) and are skipped otherwise.
"""

from __future__ import annotations

import os
import stat
import threading

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.fileio import Directory, FileRefused

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (chown)")


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim"
    path.write_text("secret\n")
    os.chmod(path, 0o640)
    return path


@pytest.fixture
def userdir(tmp_path):
    path = tmp_path / "user"
    path.mkdir()
    return path


def test_write_is_atomic_with_mode_and_owner(userdir):
    with Directory.open(str(userdir), trusted=False) as directory:
        directory.write("config", b"Host *\n", os.getuid(), os.getgid(), 0o600)
    assert (userdir / "config").read_bytes() == b"Host *\n"
    assert stat.S_IMODE(os.stat(userdir / "config").st_mode) == 0o600
    assert sorted(os.listdir(userdir)) == ["config"]  # no temporary left


def test_write_replaces_a_planted_symlink_instead_of_following_it(userdir, victim):
    os.symlink(victim, userdir / "config")
    with Directory.open(str(userdir), trusted=False) as directory:
        directory.write("config", b"new\n", os.getuid(), os.getgid(), 0o600)
    assert victim.read_text() == "secret\n"
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o640
    assert not os.path.islink(userdir / "config")


def test_read_refuses_a_symlink(userdir, victim):
    os.symlink(victim, userdir / "config")
    with Directory.open(str(userdir), trusted=False) as directory:
        with pytest.raises(FileRefused, match="symbolic link"):
            directory.read("config")


def test_read_refuses_a_hard_link(userdir, victim):
    """fs.protected_hardlinks=0: a hard link to a root-only file must not be read or copied."""
    os.link(victim, userdir / "config")
    with Directory.open(str(userdir), trusted=False) as directory:
        with pytest.raises(FileRefused, match="2 hard links"):
            directory.read("config")
        with pytest.raises(FileRefused, match="hard links"):
            directory.set_metadata("config", os.getuid(), os.getgid(), 0o600)
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o640


def test_read_of_a_fifo_returns_at_once(userdir):
    os.mkfifo(userdir / "config")
    outcome = []

    def read():
        with Directory.open(str(userdir), trusted=False) as directory:
            try:
                directory.read("config")
            except FileRefused as exc:
                outcome.append(str(exc))

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert outcome and "not a regular file" in outcome[0]


def test_read_refuses_other_owners_and_large_files(userdir):
    (userdir / "config").write_bytes(b"x" * 100)
    with Directory.open(str(userdir), trusted=False) as directory:
        with pytest.raises(FileRefused, match="owned by uid"):
            directory.read("config", owners=(os.getuid() + 1,))
        with pytest.raises(FileRefused, match="larger than"):
            directory.read("config", max_bytes=10)
        assert directory.read("missing") == (None, None)


def test_child_refuses_a_symlinked_directory(userdir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, userdir / ".ssh")
    with Directory.open(str(userdir), trusted=False) as directory:
        with pytest.raises(FileRefused, match="symbolic link|not a directory"):
            directory.child(".ssh", create_mode=0o700)
    assert os.listdir(elsewhere) == []


def test_backup_keeps_the_old_content(userdir):
    (userdir / "config").write_bytes(b"old\n")
    with Directory.open(str(userdir), trusted=False) as directory:
        saved = directory.write("config", b"new\n", os.getuid(), os.getgid(), 0o600, backup=True)
    assert saved and open(saved, "rb").read() == b"old\n"
    assert (userdir / "config").read_bytes() == b"new\n"


@needs_root
def test_write_file_refuses_a_directory_another_user_controls(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(shared, 65534, 65534)
    with pytest.raises(FileRefused, match="not root"):
        fileio.write_file(str(shared / "sshd_config"), b"x\n")
    os.chown(shared, 0, 0)
    os.chmod(shared, 0o777)
    with pytest.raises(FileRefused, match="writable by group or others"):
        fileio.write_file(str(shared / "sshd_config"), b"x\n")
    assert os.listdir(shared) == []


@needs_root
def test_private_directory_is_root_only_and_shared_read_only(tmp_path):
    private = fileio.PrivateDirectory()
    try:
        assert stat.S_IMODE(os.stat(private.path).st_mode) == 0o700
        private.share()
        info = os.stat(private.path)
        assert info.st_uid == 0 and stat.S_IMODE(info.st_mode) == 0o711
        private.write("config", b"x\n", 65534, 65534, 0o600)
        assert os.stat(private.file_path("config")).st_uid == 65534
    finally:
        private.close()
    assert not os.path.exists(private.path)


@needs_root
def test_a_home_below_a_directory_someone_else_can_write_is_refused(tmp_path):
    """Review finding: whoever can write a parent of a home could point that home at /root."""
    parent = tmp_path / "homes"
    parent.mkdir()
    (parent / "alice").mkdir()
    os.chown(parent / "alice", 65534, 65534)
    with Directory.home(str(parent / "alice"), 65534) as home:
        assert home.path == str(parent / "alice")
    os.chmod(parent, 0o777)
    with pytest.raises(FileRefused, match="not root's alone"):
        Directory.home(str(parent / "alice"), 65534)
    os.chmod(parent, 0o755)
    os.chown(parent, 65534, 65534)
    with pytest.raises(FileRefused, match="not root's alone"):
        Directory.home(str(parent / "alice"), 65534)


@needs_root
def test_a_device_node_is_refused_without_being_opened(tmp_path):
    os.mknod(tmp_path / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    with Directory.open(str(tmp_path), trusted=False) as directory:
        with pytest.raises(FileRefused, match="not a regular file"):
            directory.read("null")


@pytest.mark.parametrize("live,wanted,expected", [
    (None, 0o600, 0o600),      # a new file gets the wanted mode
    (0o644, 0o600, 0o600),     # Debian's sshd_config is tightened
    (0o640, 0o600, 0o600),     # group read is not stricter than 0600
    (0o400, 0o600, 0o400),     # an administrator's stricter mode is kept
    (0o600, 0o644, 0o600),     # a public key at 0600 stays so
    (0o4600, 0o600, 0o600),    # set-id bits are never kept
])
def test_kept_mode_keeps_a_stricter_mode_and_never_loosens(live, wanted, expected):
    assert fileio.kept_mode(live, wanted) == expected


def test_open_own_creates_or_checks_and_never_follows(tmp_path):
    with fileio.Directory.walk(str(tmp_path), None) as directory:
        fd = directory.open_own("log", os.O_WRONLY | os.O_APPEND, (os.getuid(),))
        os.write(fd, b"one\n")
        os.close(fd)
        assert stat.S_IMODE(os.stat(str(tmp_path / "log")).st_mode) == 0o600
        fd = directory.open_own("log", os.O_WRONLY | os.O_APPEND, (os.getuid(),))
        os.write(fd, b"two\n")
        os.close(fd)
        assert (tmp_path / "log").read_bytes() == b"one\ntwo\n"
        (tmp_path / "target").write_bytes(b"")
        os.symlink(str(tmp_path / "target"), str(tmp_path / "link"))
        with pytest.raises(fileio.FileRefused, match="symbolic link"):
            directory.open_own("link", os.O_WRONLY | os.O_APPEND, (os.getuid(),))
        os.link(str(tmp_path / "target"), str(tmp_path / "hard"))
        with pytest.raises(fileio.FileRefused, match="hard links"):
            directory.open_own("hard", os.O_RDWR, (os.getuid(),))
        with pytest.raises(fileio.FileRefused, match="owned by uid"):
            directory.open_own("log", os.O_RDWR, (os.getuid() + 1,))
