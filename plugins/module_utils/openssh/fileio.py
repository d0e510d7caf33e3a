# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one safe writer and the one safe reader of the collection.

Every module writes and reads files on the host through this file, as root,
under three rules:

1. **A directory is opened once, then trusted only through its descriptor.**
   Every later operation (create, read, rename, unlink, chown, chmod) is
   relative to that descriptor and never follows a symbolic link in the last
   component (``O_NOFOLLOW``, ``follow_symlinks=False``). A user who owns the
   directory can rename, delete or replace names in it at any time; none of
   that can make root touch a file outside it.
2. **Writes are atomic and start from a new file.** The new content goes to a
   temporary name created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` (so nothing
   planted there is reused), is written and fsync'd, gets its owner and mode
   with ``fchown``/``fchmod`` on the descriptor, and is renamed over the
   target; the directory is fsync'd. ``rename`` replaces a planted symlink
   itself and never follows it. For thousands of files (authorized_keys),
   ``stage``/``commit`` keep the same order with one flush per batch instead
   of three per file: stage every new file, ``sync_filesystems``, commit
   (rename) them all, ``sync_filesystems`` again. A crash leaves each file
   with its old content or its complete new content, as before.
3. **A file is read only when it is a regular file with one link** (a hard
   link to /etc/shadow in a user's directory has two), owned by an allowed
   owner, no larger than ``MAX_READ``, opened ``O_NOFOLLOW|O_NONBLOCK`` so a
   symlink is refused and a FIFO cannot block the module. Metadata is changed
   only through a descriptor that passed the same checks.

``write_file`` / ``read_file`` take a path and are for directories root
controls (/etc/ssh, /etc/profile.d): the parent directory must be owned by
root and writable by nobody else, or the write is refused. Files in a
directory a user controls (``~/.ssh``) are reached through ``Directory``
objects opened from a parent descriptor (``Directory.child``).

Nothing here runs in check mode: callers compute what would change and call
the writer only when they really write.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import struct
import tempfile
import time
from typing import Iterable, List, Optional, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)

MAX_READ = 16 * 1024 * 1024  # no OpenSSH file this collection reads is anywhere near this

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_READ_FLAGS = os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC


class FileRefused(OpenSSHConfigError):
    """A file or directory that the rules above forbid touching (named in the message)."""


def describe_os_error(exc: OSError, path: str) -> str:
    if exc.errno == errno.ELOOP:
        return "%s is a symbolic link; refusing to follow it" % path
    if exc.errno == errno.ENOTDIR:
        return "%s is not a directory" % path
    return "%s: %s" % (path, exc.strerror or exc)


def _describe_at(exc: OSError, dir_fd: int, name: str, path: str) -> str:
    """describe_os_error(), saying "symbolic link" also where O_DIRECTORY made the kernel say ENOTDIR."""
    if exc.errno in (errno.ENOTDIR, errno.ELOOP):
        try:
            if stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
                return "%s is a symbolic link; refusing to follow it" % path
        except OSError:
            pass
    return describe_os_error(exc, path)


def backup_name(name: str) -> str:
    """``name.PID.YYYY-MM-DD@HH:MM:SS~``: the form Ansible's own backups use."""
    return "%s.%d.%s~" % (name, os.getpid(), time.strftime("%Y-%m-%d@%H:%M:%S"))


# POSIX ACLs in the format the kernel keeps in the system.posix_acl_* extended
# attributes (linux/posix_acl_xattr.h): a little-endian version 2 header, then
# (tag, permissions, id) entries sorted by tag and id.
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
ACL_UNDEFINED_ID = 0xFFFFFFFF
ACL_XATTRS = {"access": "system.posix_acl_access", "default": "system.posix_acl_default"}


def posix_acl(entries: Iterable[Tuple[int, int, int]]) -> bytes:
    """``[(tag, id, perms), ...]`` -> the xattr value; ids of the *_OBJ, MASK and OTHER entries are ignored."""
    packed = []
    for tag, ident, perms in entries:
        if tag in (ACL_USER_OBJ, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER):
            ident = ACL_UNDEFINED_ID
        packed.append((tag, ident, perms & 7))
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perms, ident)
                                           for tag, ident, perms in sorted(packed))


def posix_acl_entries(value: bytes) -> List[Tuple[int, int, int]]:
    """The inverse of posix_acl (for reports and tests)."""
    if len(value) < 4 or struct.unpack("<I", value[:4])[0] != 2 or (len(value) - 4) % 8:
        raise ValueError("not a version 2 POSIX ACL")
    return [(tag, ident, perms) for tag, perms, ident in struct.iter_unpack("<HHI", value[4:])]


def kept_mode(live_mode: Optional[int], wanted: int) -> int:
    """The mode to give a managed file: ``wanted``, or the live mode when that is already stricter.

    "Stricter" means it grants nothing ``wanted`` does not (0400 and 0600 are
    stricter than 0644; 0640 is not stricter than 0600). A mode an
    administrator tightened is never loosened again (issue 19).
    """
    if live_mode is not None and live_mode & ~wanted & 0o7777 == 0:
        return live_mode
    return wanted


def metadata_fixes(info: os.stat_result, uid: int, gid: int, mode: int) -> List[str]:
    """The owner and mode changes that would give ``info`` this owner and mode, as readable text."""
    fixes = []
    if (info.st_uid, info.st_gid) != (uid, gid):
        fixes.append("owner %d:%d -> %d:%d" % (info.st_uid, info.st_gid, uid, gid))
    if stat.S_IMODE(info.st_mode) != mode:
        fixes.append("mode %04o -> %04o" % (stat.S_IMODE(info.st_mode), mode))
    return fixes


class Directory(object):
    """An open directory. Use as a context manager, or call close()."""

    def __init__(self, fd: int, path: str):
        self.fd = fd
        self.path = path
        self.dirty = False  # a name was created, replaced or removed since the last sync()

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str, trusted: bool = True, create_mode: Optional[int] = None) -> "Directory":
        """Open ``path``, a directory whose name root chose (/etc/ssh, a home from passwd).

        ``trusted``: the directory must be owned by root and writable by
        nobody else (refused otherwise), because callers then write into it
        by name. ``create_mode``: create it (and missing parents, root-owned)
        with this mode when it does not exist.
        """
        if not os.path.isabs(path):
            raise FileRefused("%s is not an absolute path" % path, path)
        try:
            fd = os.open(path, _DIR_FLAGS)
        except FileNotFoundError:
            if create_mode is None:
                raise
            os.makedirs(path, create_mode, exist_ok=True)
            fd = os.open(path, _DIR_FLAGS)
        except OSError as exc:
            raise FileRefused(describe_os_error(exc, path), path)
        directory = cls(fd, path)
        if trusted:
            try:
                directory.check_trusted()
            except BaseException:
                directory.close()
                raise
        return directory

    @classmethod
    def walk(cls, path: str, owners: Optional[Iterable[int]] = (0,)) -> "Directory":
        """Open ``path`` one component at a time from ``/``, following no link anywhere.

        For a directory that may lie below one a user controls (``~/.ssh``)
        when the caller cannot hold a descriptor from the start (a restore
        that runs minutes later): no symlink on the way can redirect it. The
        directory reached must belong to one of ``owners``; when that is
        root alone it must also be writable by nobody else.
        """
        if not os.path.isabs(path):
            raise FileRefused("%s is not an absolute path" % path, path)
        fd = os.open("/", _DIR_FLAGS)
        walked = "/"
        try:
            for part in [p for p in path.split("/") if p]:
                walked = os.path.join(walked, part)
                try:
                    child = os.open(part, _DIR_FLAGS | _O_NOFOLLOW, dir_fd=fd)
                except OSError as exc:
                    raise FileRefused(_describe_at(exc, fd, part, walked), walked)
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        directory = cls(fd, path)
        if owners is None:
            return directory
        allowed = tuple(owners)
        info = os.fstat(fd)
        if allowed == (0,):
            try:
                directory.check_trusted()
            except BaseException:
                directory.close()
                raise
        elif info.st_uid not in allowed:
            directory.close()
            raise FileRefused("%s is owned by uid %d; refusing to write into it" % (path, info.st_uid), path)
        return directory

    @classmethod
    def home(cls, path: str, uid: int) -> "Directory":
        """A user's home directory, from passwd: reached without letting anyone else redirect it.

        Symlinks root made on the way (``/home -> /var/home``) are resolved;
        then every directory above the home must be root's and writable by
        nobody else, or sticky (otherwise whoever can write it could point
        this user's home at /root); the path is walked without following a
        link, and the home itself must belong to the user or root.
        """
        if not os.path.isabs(path or ""):
            raise FileRefused("home directory %r is not an absolute path" % (path,), str(path))
        real = os.path.realpath(path)
        parent = os.path.dirname(real)
        with cls.walk(parent, None) as above:
            current = "/"
            for part in [""] + [p for p in parent.split("/") if p]:
                current = os.path.join(current, part)
                info = os.lstat(current)
                # root's, and writable by nobody else (a sticky /tmp lets no one move root's entries)
                if info.st_uid != 0 or (info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX):
                    raise FileRefused("%s, above the home directory %s, is not root's alone (owner uid %d, mode "
                                      "%04o); refusing to use the home" % (current, path, info.st_uid,
                                                                           stat.S_IMODE(info.st_mode)), path)
            home = above.child(os.path.basename(real))
        if home is None:
            raise FileNotFoundError(path)
        owner = os.fstat(home.fd).st_uid
        if owner not in (uid, 0):
            home.close()
            raise FileRefused("home directory %s is owned by uid %d, not by the user" % (path, owner), path)
        home.path = path
        return home

    def check_trusted(self) -> None:
        info = os.fstat(self.fd)
        if info.st_uid != 0:
            raise FileRefused("refusing to write into %s: it is owned by uid %d, not root (root never writes "
                              "by name into a directory another user controls)" % (self.path, info.st_uid),
                              self.path)
        if info.st_mode & 0o022:
            raise FileRefused("refusing to write into %s: it is writable by group or others (mode %04o)"
                              % (self.path, stat.S_IMODE(info.st_mode)), self.path)

    def child(self, name: str, create_mode: Optional[int] = None, owner: Optional[Tuple[int, int]] = None
              ) -> Optional["Directory"]:
        """Open the subdirectory ``name`` without following a link; None when it does not exist.

        ``create_mode``: create it when missing, with ``owner`` (uid, gid) set
        through the new descriptor.
        """
        path = os.path.join(self.path, name)
        try:
            fd = os.open(name, _DIR_FLAGS | _O_NOFOLLOW, dir_fd=self.fd)
        except FileNotFoundError:
            if create_mode is None:
                return None
            os.mkdir(name, create_mode, dir_fd=self.fd)
            self.dirty = True
            fd = os.open(name, _DIR_FLAGS | _O_NOFOLLOW, dir_fd=self.fd)
            if owner is not None:
                os.fchown(fd, owner[0], owner[1])
            os.fchmod(fd, create_mode)
        except OSError as exc:
            raise FileRefused(_describe_at(exc, self.fd, name, path), path)
        return Directory(fd, path)

    # -- reading -------------------------------------------------------------------------
    def lstat(self, name: str) -> Optional[os.stat_result]:
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def _open_checked(self, name: str, owners: Optional[Iterable[int]], flags: int = _READ_FLAGS
                      ) -> Tuple[Optional[int], Optional[os.stat_result]]:
        """Open ``name`` for reading only if it is a regular file with one link and an allowed owner.

        The name is looked at (lstat) before it is opened, so a device node or
        a FIFO is refused without being opened at all; the opened file must be
        the one looked at (same device and inode).
        """
        path = os.path.join(self.path, name)
        before = self.lstat(name)
        if before is None:
            return None, None
        if not stat.S_ISREG(before.st_mode):
            if stat.S_ISLNK(before.st_mode):
                raise FileRefused("%s is a symbolic link; refusing to follow it" % path, path)
            raise FileRefused("%s is not a regular file; refusing to use it" % path, path)
        try:
            fd = os.open(name, flags, dir_fd=self.fd)
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            raise FileRefused(describe_os_error(exc, path), path)
        try:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(info.st_mode):
                raise FileRefused("%s changed while it was being opened; refusing to use it" % path, path)
            if info.st_nlink != 1:
                raise FileRefused("%s has %d hard links; refusing to use a linked file" % (path, info.st_nlink), path)
            if owners is not None and info.st_uid not in tuple(owners):
                raise FileRefused("%s is owned by uid %d, not by %s; refusing to use it"
                                  % (path, info.st_uid, " or ".join("uid %d" % o for o in owners)), path)
        except BaseException:
            os.close(fd)
            raise
        return fd, info

    def read(self, name: str, owners: Optional[Iterable[int]] = None, max_bytes: int = MAX_READ
             ) -> Tuple[Optional[bytes], Optional[os.stat_result]]:
        """(content, stat) of ``name``, or (None, None) when it does not exist.

        Refused (FileRefused): a symlink, anything but a regular file, more
        than one link, an owner outside ``owners`` (None: any owner), more
        than ``max_bytes``.
        """
        fd, info = self._open_checked(name, owners)
        if fd is None:
            return None, None
        try:
            if info.st_size > max_bytes:
                raise FileRefused("%s is larger than %d bytes; refusing to read it"
                                  % (os.path.join(self.path, name), max_bytes), self.path)
            chunks = []
            total = 0
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise FileRefused("%s grew beyond %d bytes while it was read"
                                      % (os.path.join(self.path, name), max_bytes), self.path)
                chunks.append(chunk)
            return b"".join(chunks), info
        finally:
            os.close(fd)

    def open_own(self, name: str, flags: int, owners: Iterable[int], create_mode: int = 0o600) -> int:
        """A descriptor of ``name`` for appending or locking, created when missing.

        An existing file goes through the reader's checks (regular file, one
        link, an owner in ``owners``, no link followed); a missing one is
        created with O_EXCL, so nothing planted in between is used instead.
        ``flags`` are the access flags (O_RDWR, O_WRONLY | O_APPEND, ...).
        """
        path = os.path.join(self.path, name)
        try:
            return os.open(name, flags | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, create_mode,
                           dir_fd=self.fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise FileRefused(describe_os_error(exc, path), path)
        fd, _info = self._open_checked(name, owners, flags | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC)
        if fd is None:
            raise FileRefused("%s vanished while it was being opened; refusing to use it" % path, path)
        return fd

    # -- writing -------------------------------------------------------------------------
    def _new_file(self, data: bytes, uid: int, gid: int, mode: int, flush: bool = True) -> str:
        temporary = ".sshsuite-%s.tmp" % os.urandom(8).hex()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o600,
                     dir_fd=self.fd)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if flush:
                    os.fsync(fd)
                os.fchown(fd, uid, gid)
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
        except BaseException:
            self._discard(temporary)
            raise
        return temporary

    def _discard(self, name: str) -> None:
        try:
            os.unlink(name, dir_fd=self.fd)
        except OSError:
            pass

    def write(self, name: str, data: bytes, uid: int = 0, gid: int = 0, mode: int = 0o600,
              backup: bool = False, sync: bool = True) -> Optional[str]:
        """Replace ``name`` with ``data`` atomically; return the backup's path, if one was made.

        ``backup``: keep the old content as ``backup_name(name)`` (a copy made
        through a checked descriptor). ``sync``: fsync the directory now;
        callers writing many files pass False and call ``sync()`` once.
        """
        backup_path = None
        if backup:
            old, info = self.read(name)
            if old is not None:
                saved = backup_name(name)
                temporary = self._new_file(old, info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode))
                os.rename(temporary, saved, src_dir_fd=self.fd, dst_dir_fd=self.fd)
                backup_path = os.path.join(self.path, saved)
        self.commit(self._new_file(data, uid, gid, mode), name)
        if sync:
            self.sync()
        return backup_path

    def stage(self, data: bytes, uid: int = 0, gid: int = 0, mode: int = 0o600) -> str:
        """The first half of ``write`` for batches: a new file with ``data``, owner and mode under a
        temporary name, not flushed. Flush its file system (``sync_filesystems``) before ``commit``."""
        return self._new_file(data, uid, gid, mode, flush=False)

    def commit(self, temporary: str, name: str) -> None:
        """The second half: rename a staged file over ``name`` (the temporary is removed on failure)."""
        try:
            os.rename(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except BaseException:
            self._discard(temporary)
            raise
        self.dirty = True

    def discard(self, temporary: str) -> None:
        """Remove a staged file that will not be committed."""
        self._discard(temporary)

    def set_metadata(self, name: str, uid: int, gid: int, mode: int,
                     owners: Optional[Iterable[int]] = None) -> bool:
        """Give ``name`` this owner and mode through a checked descriptor; True if anything changed."""
        fd, info = self._open_checked(name, owners)
        if fd is None:
            raise FileRefused("%s does not exist" % os.path.join(self.path, name), self.path)
        try:
            changed = False
            if (info.st_uid, info.st_gid) != (uid, gid):
                os.fchown(fd, uid, gid)
                changed = True
            if stat.S_IMODE(info.st_mode) != mode:
                os.fchmod(fd, mode)
                changed = True
            return changed
        finally:
            os.close(fd)

    def metadata_fixes(self, uid: int, gid: int, mode: int, info: Optional[os.stat_result] = None) -> List[str]:
        """What set_own_metadata would change ("owner 0:0 -> 1000:1000", "mode 0755 -> 0700"); ``info``:
        a file's stat instead of the directory's."""
        return metadata_fixes(info or os.fstat(self.fd), uid, gid, mode)

    def set_own_metadata(self, uid: int, gid: int, mode: int) -> bool:
        """The same for the directory itself."""
        info = os.fstat(self.fd)
        changed = False
        if (info.st_uid, info.st_gid) != (uid, gid):
            os.fchown(self.fd, uid, gid)
            changed = True
        if stat.S_IMODE(info.st_mode) != mode:
            os.fchmod(self.fd, mode)
            changed = True
        return changed

    def own_acl(self, kind: str = "access") -> Optional[bytes]:
        """The directory's POSIX ACL (``access`` or ``default``) in the kernel's xattr format, or None."""
        try:
            return os.getxattr(self.fd, ACL_XATTRS[kind])
        except OSError as exc:
            if exc.errno in (errno.ENODATA, getattr(errno, "ENOATTR", errno.ENODATA)):
                return None
            raise FileRefused("%s: cannot read its ACL: %s" % (self.path, exc.strerror), self.path)

    def set_own_acl(self, access: Optional[bytes], default: Optional[bytes]) -> bool:
        """Give the directory exactly these ACLs (None: none); True if anything changed.

        Written through the open descriptor (fsetxattr), so no setfacl is
        needed and no path is followed. The access ACL's mask becomes the
        group bits of the mode: set the mode first, and a mask equal to them.
        """
        changed = False
        for kind, wanted in (("access", access), ("default", default)):
            if self.own_acl(kind) == wanted:
                continue
            try:
                if wanted is None:
                    os.removexattr(self.fd, ACL_XATTRS[kind])
                else:
                    os.setxattr(self.fd, ACL_XATTRS[kind], wanted)
            except OSError as exc:
                raise FileRefused("%s: cannot set its %s ACL: %s (does the file system support ACLs?)"
                                  % (self.path, kind, exc.strerror), self.path)
            changed = True
        return changed

    def rename(self, old: str, new: str) -> None:
        os.rename(old, new, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        self.dirty = True

    def unlink(self, name: str) -> bool:
        """Remove ``name`` (a file or a link, never what a link points to); True if it existed."""
        try:
            os.unlink(name, dir_fd=self.fd)
        except FileNotFoundError:
            return False
        self.dirty = True
        return True

    def sync(self) -> None:
        if self.dirty:
            os.fsync(self.fd)
            self.dirty = False

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "Directory":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# ---------------------------------------------------------------------------
# Paths in directories root controls
# ---------------------------------------------------------------------------

def read_file(path: str, owners: Optional[Iterable[int]] = (0,), max_bytes: int = MAX_READ) -> Optional[bytes]:
    """Content of ``path`` (None when missing), with the reader's checks; the directory may be any."""
    try:
        directory = Directory.open(os.path.dirname(path) or "/", trusted=False)
    except FileNotFoundError:
        return None
    with directory:
        data, _unused = directory.read(os.path.basename(path), owners, max_bytes)
        return data


def file_stat(path: str) -> Optional[os.stat_result]:
    """lstat of ``path`` or None when it (or its directory) does not exist."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def sync_filesystems(fds: Iterable[int]) -> None:
    """Flush the file systems that hold these descriptors: syncfs(2) once per file system, or one
    sync(2) where syncfs is unavailable. Raises OSError when a flush fails."""
    seen = {}
    for fd in fds:
        seen.setdefault(os.fstat(fd).st_dev, fd)
    if not seen:
        return
    syncfs = _syncfs()
    if syncfs is None:
        os.sync()
        return
    for fd in seen.values():
        if syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))


_SYNCFS: List = []


def _syncfs():
    if not _SYNCFS:
        try:
            function = ctypes.CDLL(None, use_errno=True).syncfs
            function.argtypes = [ctypes.c_int]
        except (AttributeError, OSError):
            function = None
        _SYNCFS.append(function)
    return _SYNCFS[0]


def write_file(path: str, data: bytes, uid: int = 0, gid: int = 0, mode: int = 0o600,
               backup: bool = False, create_dirs: bool = False) -> Optional[str]:
    """Atomically replace ``path`` in a root-controlled directory; returns the backup path or None."""
    with Directory.open(os.path.dirname(path), trusted=True,
                        create_mode=0o755 if create_dirs else None) as directory:
        return directory.write(os.path.basename(path), data, uid, gid, mode, backup)


def set_metadata(path: str, uid: int, gid: int, mode: int) -> bool:
    with Directory.open(os.path.dirname(path), trusted=True) as directory:
        return directory.set_metadata(os.path.basename(path), uid, gid, mode)


def remove_file(path: str) -> bool:
    with Directory.open(os.path.dirname(path), trusted=True) as directory:
        return directory.unlink(os.path.basename(path))


class PrivateDirectory(Directory):
    """A new directory only root can change (mkdtemp, 0700 root), removed on close.

    Validation copies go here. ``share()`` makes it traversable (0711) so a
    command run as another user can open a file whose name it is given, but
    still cannot list, create, rename or remove anything in it.
    """

    def __init__(self, prefix: str = "sshsuite-"):
        path = tempfile.mkdtemp(prefix=prefix)
        super(PrivateDirectory, self).__init__(os.open(path, _DIR_FLAGS | _O_NOFOLLOW), path)

    def share(self) -> None:
        os.fchmod(self.fd, 0o711)

    def file_path(self, name: str) -> str:
        return os.path.join(self.path, name)

    def close(self) -> None:
        super(PrivateDirectory, self).close()
        shutil.rmtree(self.path, ignore_errors=True)
