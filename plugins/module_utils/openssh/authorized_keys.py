# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""authorized_keys files for many users in one pass.

Two phases, so that bad input never touches a file:

1. ``build_requests(users, ...)`` turns the module's ``users`` list into
   ``UserRequest`` objects: every key parsed and checked (keys.py), every
   option validated, duplicates found. Any problem in any user raises one
   OpenSSHConfigError that lists them all, before a file is read.
2. ``AuthorizedKeysWriter.apply(request)`` handles one user: account lookup,
   safe open of the directory and file (never following a symlink the user
   could have planted), new content, metadata, atomic write. Problems here
   (unknown account, planted symlink, I/O error) belong to that user only:
   they are returned in the user's result and the other users go on.

``plan_content`` is the pure part (old text + request -> new text and what
changed); it is what the unit tests exercise most.
"""

from __future__ import annotations

import os
import pwd
import stat
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import fileio, keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import check_managed_path, check_text
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)

#: First line of a file written in exclusive mode.
MANAGED_HEADER = "# Managed by sshsuite.openssh.authorized_keys: keys added by hand are removed."

HOME_DIRECTORY_MODE = 0o700
HOME_FILE_MODE = 0o600
CENTRAL_DIRECTORY_MODE = 0o755
CENTRAL_FILE_MODE = 0o644
MAX_FILE_BYTES = 16 * 1024 * 1024  # sshd lines are at most a few KiB; refuse absurd files
# New files staged before one flush of their file system (fileio.sync_filesystems): each holds a
# directory descriptor until then, so a batch stays well under the usual limit of 1024.
STAGE_BATCH = 256


class DesiredKey(object):
    """A key that must be present, with the line that represents it."""

    __slots__ = ("entry", "line", "where")

    def __init__(self, entry: keys.AuthorizedKey, where: str):
        self.entry = entry
        self.line = entry.render()
        self.where = where

    @property
    def blob(self) -> bytes:
        return self.entry.key.blob


class UserRequest(object):
    """Desired state of one account's authorized_keys file."""

    __slots__ = ("name", "state", "exclusive", "present", "absent", "where")

    def __init__(self, name: str, state: str, exclusive: bool, where: str):
        self.name = name
        self.state = state
        self.exclusive = exclusive
        self.present: List[DesiredKey] = []
        self.absent: Dict[bytes, keys.PublicKey] = {}
        self.where = where


# ---------------------------------------------------------------------------
# Phase 1: input -> requests
# ---------------------------------------------------------------------------

def _check_user_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise OpenSSHConfigError("name must be a non-empty string", where)
    check_text(name, where, "the user name")
    if "/" in name or name in (".", "..") or name.startswith("-") or any(c.isspace() for c in name):
        raise OpenSSHConfigError("%r is not a valid user name" % name, where)
    return name


def _entry_keys(entry: Dict[str, Any], where: str) -> List[Tuple[str, str]]:
    """(where, line) for every key line in the entry's ``key`` text."""
    text = entry.get("key")
    if not isinstance(text, str) or not text.strip():
        raise OpenSSHConfigError("key is empty", where + ".key")
    # Lines are separated by LF only; CR, NUL and friends stay inside a line
    # so that check_text refuses them instead of silently splitting.
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    found = [(number, line) for number, line in enumerate(lines, start=1) if not keys.is_comment_line(line)]
    if not found:
        raise OpenSSHConfigError("key holds no key line (only blanks or comments)", where + ".key")
    if len(found) == 1:
        return [(where + ".key", found[0][1])]
    return [("%s.key line %d" % (where, number), line) for number, line in found]


def _parse_entry(entry: Dict[str, Any], where: str, rsa_min_bits: int) -> Tuple[str, List[Tuple[str, keys.AuthorizedKey]]]:
    """Parse one element of a user's ``keys`` list into AuthorizedKey objects."""
    if not isinstance(entry, dict):
        raise OpenSSHConfigError("each key must be a mapping with at least 'key'", where)
    state = entry.get("state") or "present"
    if state not in ("present", "absent"):
        raise OpenSSHConfigError("state must be present or absent, not %r" % state, where + ".state")
    comment = entry.get("comment")
    if comment is not None:
        comment = check_text(str(comment), where + ".comment", "the comment").strip()
    mapping = entry.get("options")
    lines = _entry_keys(entry, where)
    if comment is not None and len(lines) > 1:
        raise OpenSSHConfigError(
            "comment applies to one key, but key holds %d key lines" % len(lines), where + ".comment"
        )
    result = []
    for line_where, line in lines:
        authorized = keys.parse_authorized_key(line, line_where, validate=False)
        if state == "absent":
            # Removing a key needs only its blob: options, size and type
            # policy do not matter (removing an old DSA key must work).
            result.append((line_where, authorized))
            continue
        options_where = line_where
        if mapping is not None:
            from_mapping = keys.options_from_mapping(mapping, where + ".options")
            if from_mapping and authorized.options:
                raise OpenSSHConfigError(
                    "options are given twice: in the key line (%s) and in options; keep one"
                    % keys.render_options(authorized.options),
                    where,
                )
            if from_mapping:
                authorized.options = from_mapping
                options_where = where + ".options"
        keys.validate_options(authorized.options, options_where, authorized.key)
        keys.check_key_policy(authorized.key, line_where, rsa_min_bits=rsa_min_bits)
        if comment is not None:
            authorized.key = authorized.key.with_comment(comment)
        result.append((line_where, authorized))
    return state, result


def build_requests(users: Sequence[Dict[str, Any]], default_exclusive: bool = False,
                   rsa_min_bits: int = 2048, where: str = "users") -> List[UserRequest]:
    """Validate the whole ``users`` list; raise one error naming every problem."""
    problems = Problems()
    requests: List[UserRequest] = []
    seen_users: Dict[str, str] = {}
    if not isinstance(users, (list, tuple)):
        raise OpenSSHConfigError("users must be a list", where)
    for index, user in enumerate(users):
        user_where = "%s[%d]" % (where, index)
        if not isinstance(user, dict):
            problems.add("each user must be a mapping with name and keys", user_where)
            continue
        try:
            name = _check_user_name(user.get("name"), user_where + ".name")
        except OpenSSHConfigError as exc:
            problems.append(exc)
            continue
        user_where = "%s[%d] (%s)" % (where, index, name)
        if name in seen_users:
            problems.add("user %s is listed twice (also %s); merge the two entries" % (name, seen_users[name]), user_where)
            continue
        seen_users[name] = user_where
        state = user.get("state") or "present"
        if state not in ("present", "absent"):
            problems.add("state must be present or absent, not %r" % state, user_where + ".state")
            continue
        exclusive = user.get("exclusive")
        request = UserRequest(name, state, default_exclusive if exclusive is None else bool(exclusive), user_where)
        requests.append(request)
        if state == "absent":
            continue
        entries = user.get("keys") or []
        if not isinstance(entries, (list, tuple)):
            problems.add("keys must be a list", user_where + ".keys")
            continue
        by_blob: Dict[bytes, DesiredKey] = {}
        absent_where: Dict[bytes, str] = {}
        for key_index, entry in enumerate(entries):
            entry_where = "%s.keys[%d]" % (user_where, key_index)
            try:
                key_state, parsed = _parse_entry(entry, entry_where, rsa_min_bits)
            except OpenSSHConfigError as exc:
                problems.append(exc)
                continue
            for line_where, authorized in parsed:
                blob = authorized.key.blob
                if key_state == "absent":
                    if blob in by_blob:
                        problems.add(
                            "key %s is both present (%s) and absent (%s)"
                            % (authorized.key.describe(), by_blob[blob].where, line_where),
                            line_where,
                        )
                        continue
                    request.absent[blob] = authorized.key
                    absent_where[blob] = line_where
                    continue
                if blob in absent_where:
                    problems.add(
                        "key %s is both absent (%s) and present (%s)"
                        % (authorized.key.describe(), absent_where[blob], line_where),
                        line_where,
                    )
                    continue
                desired = DesiredKey(authorized, line_where)
                previous = by_blob.get(blob)
                if previous is not None:
                    if previous.entry.options != authorized.options:
                        problems.add(
                            "the same key %s is given twice with different options: %s has %r, %s has %r"
                            % (
                                authorized.key.describe(),
                                previous.where, keys.render_options(previous.entry.options) or "(no options)",
                                line_where, keys.render_options(authorized.options) or "(no options)",
                            ),
                            line_where,
                        )
                    # Same key, same options (for example granted through two
                    # groups): keep the first, it is the same line.
                    continue
                by_blob[blob] = desired
                request.present.append(desired)
    problems.raise_if_any()
    return requests


# ---------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------

class ContentPlan(object):
    """Outcome of ``plan_content``: new text and the keys that changed."""

    __slots__ = ("text", "added", "removed", "updated", "keys")

    def __init__(self):
        self.text = ""
        self.added: List[str] = []
        self.removed: List[str] = []
        self.updated: List[str] = []
        self.keys = 0


def _describe_blob(blob: bytes, line: str) -> str:
    try:
        return keys.parse_authorized_key(line, validate=False).key.describe()
    except OpenSSHConfigError:
        return keys.fingerprint_sha256(blob)


def plan_content(existing: Optional[str], request: UserRequest) -> ContentPlan:
    """New file text for ``request`` given the current text (None = no file).

    Exclusive: a managed header, then exactly the requested keys in order.
    Additive: every existing line is kept byte for byte, except lines of keys
    the request manages: the first such line is replaced by the requested
    line, further lines with the same key are dropped (sshd tries every line
    of a key, so a stale copy with weaker options would still let it in),
    and lines of absent keys are dropped. New keys are appended in order.
    """
    plan = ContentPlan()
    if existing is None and not request.present:
        return plan  # no file and no key to write: no file
    wanted = {desired.blob: desired for desired in request.present}
    existing_lines = existing.split("\n") if existing else []
    if existing_lines and existing_lines[-1] == "":
        existing_lines.pop()
    output: List[str] = []
    placed = set()
    if request.exclusive:
        output.append(MANAGED_HEADER)
        existing_by_blob: Dict[bytes, str] = {}
        for line in existing_lines:
            blob = keys.blob_of_line(line)
            if blob is not None and blob not in existing_by_blob:
                existing_by_blob[blob] = line
        for desired in request.present:
            output.append(desired.line)
            old = existing_by_blob.get(desired.blob)
            if old is None:
                plan.added.append(desired.entry.key.describe())
            elif old.rstrip("\r") != desired.line:
                plan.updated.append(desired.entry.key.describe())
        for blob, line in existing_by_blob.items():
            if blob not in wanted:
                plan.removed.append(_describe_blob(blob, line))
    else:
        kept_keys = 0
        for line in existing_lines:
            blob = keys.blob_of_line(line)
            if blob is None:
                output.append(line)
                continue
            if blob in request.absent:
                if blob not in placed:
                    plan.removed.append(request.absent[blob].describe())
                    placed.add(blob)
                continue
            desired = wanted.get(blob)
            if desired is None:
                output.append(line)
                kept_keys += 1
                continue
            if blob in placed:
                if desired.entry.key.describe() not in plan.updated:
                    plan.updated.append(desired.entry.key.describe())
                continue
            placed.add(blob)
            output.append(desired.line)
            if line.rstrip("\r") != desired.line:
                plan.updated.append(desired.entry.key.describe())
        for desired in request.present:
            if desired.blob not in placed:
                output.append(desired.line)
                plan.added.append(desired.entry.key.describe())
        plan.keys = kept_keys
    plan.keys += len(request.present)
    plan.text = "\n".join(output) + "\n" if output else ""
    return plan


# ---------------------------------------------------------------------------
# Phase 2: files
# ---------------------------------------------------------------------------

class UserFailure(Exception):
    """A problem that concerns one user only."""


class Layout(object):
    """Where a user's file lives and who owns it."""

    def __init__(self, kind: str = "home", central_directory: str = "/etc/ssh/authorized_keys",
                 central_owner: Tuple[int, int] = (0, 0)):
        if kind not in ("home", "central"):
            raise OpenSSHConfigError("layout must be home or central, not %r" % kind, "layout")
        if kind == "central" and not os.path.isabs(central_directory or ""):
            raise OpenSSHConfigError("central_directory must be an absolute path", "central_directory")
        self.kind = kind
        self.central_directory = os.path.normpath(central_directory) if central_directory else None
        # root:root in production; tests run unprivileged and pass their own ids
        self.central_uid, self.central_gid = central_owner

    def path_for(self, name: str, account: Optional[pwd.struct_passwd]) -> str:
        if self.kind == "central":
            return os.path.join(self.central_directory, name)
        return os.path.join(account.pw_dir, ".ssh", "authorized_keys")


class AccountDirectory(object):
    """pwd lookups for many users: one getpwall() when the list is long."""

    def __init__(self, expected: int = 0):
        self._cache: Dict[str, Optional[pwd.struct_passwd]] = {}
        if expected > 32:
            for entry in pwd.getpwall():
                self._cache.setdefault(entry.pw_name, entry)

    def get(self, name: str) -> Optional[pwd.struct_passwd]:
        if name in self._cache:
            return self._cache[name]
        try:
            entry = pwd.getpwnam(name)  # NSS sources getpwall does not enumerate
        except KeyError:
            entry = None
        self._cache[name] = entry
        return entry


class AuthorizedKeysWriter(object):
    """Applies UserRequests to the file system (or only plans, in check mode).

    Every file operation goes through fileio.Directory: the user's ``~/.ssh``
    (or the central directory) is opened once, without following a link, and
    files in it are read with the safe reader and written with the safe
    writer. New content is staged (fileio ``stage``) and made durable in
    batches of STAGE_BATCH files: one flush of the file system, every rename,
    one more flush (``flush``); thousands of users cost a few dozen flushes,
    not three fsyncs each.
    """

    def __init__(self, layout: Layout, check_mode: bool = False, missing_users: str = "fail",
                 want_diff: bool = False, accounts: Optional[AccountDirectory] = None,
                 guarded: Optional[Tuple[str, Any]] = None):
        """``guarded``: (the user Ansible connects as, a rollback.Transaction): that user's file is
        recorded before it changes, so the change can be confirmed by a fresh login or undone."""
        self.guarded_user, self.transaction = guarded or (None, None)
        if missing_users not in ("fail", "skip"):
            raise OpenSSHConfigError("missing_users must be fail or skip", "missing_users")
        self.layout = layout
        self.check_mode = check_mode
        self.missing_users = missing_users
        self.want_diff = want_diff
        self.accounts = accounts or AccountDirectory()
        self._central: Optional[fileio.Directory] = None
        self._central_changed = False
        # (directory, temporary name, final name, that user's result), and directories whose new
        # entries (a created ~/.ssh) the next flush must also make durable
        self._staged: List[Tuple[fileio.Directory, str, str, Dict[str, Any]]] = []
        self._sync_also: List[fileio.Directory] = []

    # -- public ----------------------------------------------------------
    def apply(self, request: UserRequest) -> Dict[str, Any]:
        result: Dict[str, Any] = {"status": "ok", "changed": False}
        if request.state == "absent":
            result["state"] = "absent"
        account = self.accounts.get(request.name)
        if account is None:
            if request.state == "absent":
                # nothing to remove: the desired state already holds
                result["msg"] = "user %s does not exist; nothing to remove" % request.name
                return result
            if self.missing_users == "skip":
                result.update(status="skipped", msg="user %s does not exist; skipped" % request.name)
                return result
            result.update(status="failed", msg="user %s does not exist" % request.name)
            return result
        result["path"] = self.layout.path_for(request.name, account)
        try:
            if self.layout.kind == "central":
                self._apply_central(request, result)
            else:
                self._apply_home(request, account, result)
        except (UserFailure, fileio.FileRefused) as exc:
            result.update(status="failed", msg=getattr(exc, "message", None) or str(exc))
        except OSError as exc:
            result.update(status="failed", msg=fileio.describe_os_error(exc, exc.filename or result["path"]))
        if result["changed"] and result["status"] == "ok":
            result["status"] = "changed"
        return result

    def flush(self) -> None:
        """Make the staged files durable, rename them into place, make the renames durable.

        A user whose file could not be flushed or renamed gets status failed
        (the old file is untouched); the others are not affected.
        """
        staged, self._staged = self._staged, []
        also, self._sync_also = self._sync_also, []
        try:
            if not staged and not also:
                return
            try:
                fileio.sync_filesystems([entry[0].fd for entry in staged] + [d.fd for d in also])
            except OSError as exc:
                for directory, temporary, name, result in staged:
                    directory.discard(temporary)
                    self._failed(result, fileio.describe_os_error(exc, os.path.join(directory.path, name)))
                return
            committed = []
            for directory, temporary, name, result in staged:
                try:
                    directory.commit(temporary, name)
                except OSError as exc:
                    self._failed(result, fileio.describe_os_error(exc, os.path.join(directory.path, name)))
                else:
                    committed.append((directory, name, result))
            try:
                fileio.sync_filesystems([entry[0].fd for entry in committed] + [d.fd for d in also])
            except OSError as exc:
                for directory, name, result in committed:
                    self._failed(result, fileio.describe_os_error(exc, os.path.join(directory.path, name)))
        finally:
            for directory in [entry[0] for entry in staged] + also:
                directory.close()

    @staticmethod
    def _failed(result: Dict[str, Any], message: str) -> None:
        result.update(status="failed", msg=message)

    def _stage(self, directory: fileio.Directory, name: str, data: bytes, uid: int, gid: int, mode: int,
               result: Dict[str, Any]) -> None:
        temporary = directory.stage(data, uid, gid, mode)
        self._staged.append((fileio.Directory(os.dup(directory.fd), directory.path), temporary, name, result))
        if len(self._staged) >= STAGE_BATCH:
            self.flush()

    def close(self) -> Optional[str]:
        """Flush what is staged, then the central directory once; returns an error text or None."""
        self.flush()
        if self._central is None:
            return None
        try:
            self._central.sync()
        except OSError as exc:
            return fileio.describe_os_error(exc, self.layout.central_directory)
        finally:
            self._central.close()
            self._central = None
        return None

    @property
    def central_directory_changed(self) -> bool:
        return self._central_changed

    # -- home layout -----------------------------------------------------
    def _apply_home(self, request: UserRequest, account: pwd.struct_passwd, result: Dict[str, Any]) -> None:
        home = account.pw_dir
        uid, gid = account.pw_uid, account.pw_gid
        path = result["path"]
        if not home or not os.path.isabs(home):
            raise UserFailure("user %s has no absolute home directory (%r)" % (request.name, home))
        try:
            home_dir = fileio.Directory.home(home, uid)
        except FileNotFoundError:
            raise UserFailure("home directory %s of user %s does not exist" % (home, request.name))
        with home_dir:
            ssh_dir = self._open_user_ssh_dir(home_dir, uid, gid, request, result)
            if ssh_dir is None:  # nothing to do without ~/.ssh, or check mode creating it
                if request.state == "present" and request.present:
                    self._report_new_file(request, path, result)
                return
            with ssh_dir:
                # the user's own file only: a root-owned file renamed into ~/.ssh is never
                # read, copied or handed over
                self._handle_file(ssh_dir, "authorized_keys", path, uid, gid, HOME_FILE_MODE, request, result,
                                  owner_ok=(uid,))
                if not self.check_mode:
                    ssh_dir.sync()

    def _open_user_ssh_dir(self, home: fileio.Directory, uid: int, gid: int, request: UserRequest,
                           result: Dict[str, Any]) -> Optional[fileio.Directory]:
        ssh_path = os.path.join(home.path, ".ssh")
        info = home.lstat(".ssh")
        if info is None:
            if request.state == "absent" or not request.present:
                return None  # no file to remove, no key to write: leave the home alone
            result["changed"] = True
            result["directory_created"] = True
            if self.check_mode:
                return None
            directory = home.child(".ssh", create_mode=HOME_DIRECTORY_MODE, owner=(uid, gid))
            self._sync_also.append(fileio.Directory(os.dup(home.fd), home.path))  # the new entry, at flush
            return directory
        if stat.S_ISLNK(info.st_mode):
            raise UserFailure("%s is a symbolic link; refusing to follow it" % ssh_path)
        if not stat.S_ISDIR(info.st_mode):
            raise UserFailure("%s is not a directory" % ssh_path)
        directory = home.child(".ssh")
        if request.state == "present":
            self._fix_metadata(directory, ssh_path, uid, gid, HOME_DIRECTORY_MODE, result, "directory")
        return directory

    # -- central layout --------------------------------------------------
    def _central_directory(self, result: Dict[str, Any], create: bool) -> Optional[fileio.Directory]:
        if self._central is not None:
            return self._central
        path = self.layout.central_directory
        info = fileio.file_stat(path)
        if info is None:
            if not create:
                return None
            result["changed"] = True
            result["directory_created"] = True
            self._central_changed = True
            if self.check_mode:
                return None
            with fileio.Directory.open(os.path.dirname(path), trusted=True) as parent:
                directory = parent.child(os.path.basename(path), create_mode=CENTRAL_DIRECTORY_MODE,
                                         owner=(self.layout.central_uid, self.layout.central_gid))
                parent.sync()
        elif stat.S_ISLNK(info.st_mode):
            raise UserFailure("%s is a symbolic link; refusing to follow it" % path)
        else:
            with fileio.Directory.open(os.path.dirname(path), trusted=False) as parent:
                directory = parent.child(os.path.basename(path))
        probe: Dict[str, Any] = {"changed": False}
        self._fix_metadata(directory, path, self.layout.central_uid, self.layout.central_gid,
                           CENTRAL_DIRECTORY_MODE, probe, "directory")
        if probe["changed"]:
            result["changed"] = True
            result["directory_fixed"] = True
            self._central_changed = True
        self._central = directory
        return directory

    def _apply_central(self, request: UserRequest, result: Dict[str, Any]) -> None:
        directory = self._central_directory(result, create=request.state == "present" and bool(request.present))
        if directory is None:
            if request.state == "present" and request.present:
                self._report_new_file(request, result["path"], result)
            return
        self._handle_file(directory, request.name, result["path"], self.layout.central_uid, self.layout.central_gid,
                          CENTRAL_FILE_MODE, request, result, owner_ok=(self.layout.central_uid,))

    # -- shared ----------------------------------------------------------
    def _fix_metadata(self, directory: fileio.Directory, path: str, uid: int, gid: int, mode: int,
                      result: Dict[str, Any], what: str) -> None:
        fixes = directory.metadata_fixes(uid, gid, mode)
        if fixes:
            if not self.check_mode:
                directory.set_own_metadata(uid, gid, mode)
            result["changed"] = True
            result.setdefault("metadata", []).append("%s %s: %s" % (what, path, ", ".join(fixes)))

    def _handle_file(self, directory: fileio.Directory, name: str, path: str, uid: int, gid: int, mode: int,
                     request: UserRequest, result: Dict[str, Any], owner_ok: Tuple[int, ...]) -> None:
        data, info = directory.read(name, owners=owner_ok, max_bytes=MAX_FILE_BYTES)
        if request.state == "absent":
            if data is None:
                return
            result["changed"] = True
            result["removed_file"] = True
            if self.want_diff:
                result["diff"] = {"before_header": path, "after_header": path + " (absent)",
                                  "before": data.decode("utf-8", "surrogateescape"), "after": ""}
            if not self.check_mode:
                self._record_before_change(request, directory, name)
                directory.unlink(name)
            return
        before = data.decode("utf-8", "surrogateescape") if data is not None else None
        plan = plan_content(before, request)
        new = plan.text.encode("utf-8", "surrogateescape")
        self._record(plan, result)
        if data is None and not new:
            return  # no file and nothing to put in one
        if data is None or data != new:
            result["changed"] = True
            if data is None:
                result["created"] = True
            if self.want_diff:
                result["diff"] = {"before_header": path if data is not None else path + " (absent)",
                                  "after_header": path, "before": before or "", "after": plan.text}
            if not self.check_mode:
                self._record_before_change(request, directory, name)
                self._stage(directory, name, new, uid, gid, mode, result)
            return
        # same bytes: only metadata may differ
        fixes = fileio.metadata_fixes(info, uid, gid, mode)
        if fixes:
            result["changed"] = True
            result.setdefault("metadata", []).append("file %s: %s" % (path, ", ".join(fixes)))
            if not self.check_mode:
                directory.set_metadata(name, uid, gid, mode, owners=owner_ok)

    def _record_before_change(self, request: UserRequest, directory: fileio.Directory, name: str) -> None:
        if self.transaction is not None and request.name == self.guarded_user:
            owner = os.fstat(directory.fd).st_uid
            self.transaction.snapshot(os.path.join(directory.path, name), dir_owners=sorted({0, owner}))

    def _report_new_file(self, request: UserRequest, path: str, result: Dict[str, Any]) -> None:
        """Check mode with no directory yet: report what creating the file would do."""
        plan = plan_content(None, request)
        self._record(plan, result)
        result["changed"] = True
        result["created"] = True
        if self.want_diff:
            result["diff"] = {"before_header": path + " (absent)", "after_header": path,
                              "before": "", "after": plan.text}

    @staticmethod
    def _record(plan: ContentPlan, result: Dict[str, Any]) -> None:
        # Only what happened: with thousands of users the result is data that
        # Ansible copies, scans for secrets and sends back; empty lists cost.
        result["keys"] = plan.keys
        if plan.added:
            result["added"] = plan.added
        if plan.removed:
            result["removed"] = plan.removed
        if plan.updated:
            result["updated"] = plan.updated


def apply_all(requests: Iterable[UserRequest], layout: Layout, check_mode: bool = False,
              missing_users: str = "fail", want_diff: bool = False, guarded: Optional[Tuple[str, Any]] = None
              ) -> Tuple[Dict[str, Dict[str, Any]], List[Dict[str, Any]]]:
    """Apply every request; returns (results by user, diffs in user order)."""
    requests = list(requests)
    writer = AuthorizedKeysWriter(layout, check_mode, missing_users, want_diff,
                                  AccountDirectory(expected=len(requests)), guarded)
    results: Dict[str, Dict[str, Any]] = {}
    diffs: List[Dict[str, Any]] = []
    try:
        for request in requests:
            result = writer.apply(request)
            diff = result.pop("diff", None)
            if diff is not None:
                diffs.append(diff)
            results[request.name] = result
    finally:
        error = writer.close()
    if error:
        for result in results.values():
            if result.get("changed") and result.get("status") != "failed":
                result.update(status="failed", msg=error)
    return results, diffs


# ---------------------------------------------------------------------------
# The module's arguments, checked the same way on the controller and the host
# ---------------------------------------------------------------------------

KEY_OPTIONS_SPEC = {
    "restrict": {"type": "bool"},
    "cert_authority": {"type": "bool"},
    "principals": {"type": "list", "elements": "str"},
    "from": {"type": "list", "elements": "str"},
    "expiry_time": {"type": "str"},
    "command": {"type": "str"},
    "environment": {"type": "dict"},
    "permitopen": {"type": "list", "elements": "str"},
    "permitlisten": {"type": "list", "elements": "str"},
    "tunnel": {"type": "str"},
    "agent_forwarding": {"type": "bool"},
    "port_forwarding": {"type": "bool"},
    "pty": {"type": "bool"},
    "user_rc": {"type": "bool"},
    "x11_forwarding": {"type": "bool"},
    "touch_required": {"type": "bool"},
    "verify_required": {"type": "bool"},
}

ARGUMENT_SPEC = dict(
    users=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            exclusive=dict(type="bool"),
            keys=dict(
                type="list",
                elements="dict",
                default=[],
                no_log=False,
                options=dict(
                    key=dict(type="str", required=True, no_log=False),
                    state=dict(type="str", choices=["present", "absent"], default="present"),
                    comment=dict(type="str"),
                    options=dict(type="dict", options=KEY_OPTIONS_SPEC),
                ),
            ),
        ),
    ),
    exclusive=dict(type="bool", default=False),
    layout=dict(type="str", choices=["home", "central"], default="home"),
    central_directory=dict(type="path", default="/etc/ssh/authorized_keys"),
    missing_users=dict(type="str", choices=["fail", "skip"], default="fail"),
    rsa_min_bits=dict(type="int", default=2048),
    allow_any_path=dict(type="bool", default=False),
    confirm_user=dict(type="str"),
    confirm_timeout=dict(type="int", default=0),
)


def precheck(params: Dict[str, Any]) -> Tuple[Layout, List[UserRequest]]:
    """Every check that needs no host: the layout and its path, every user, key and option.

    The action plugin runs it on the controller, the module again on the host.
    """
    if params.get("layout") == "central":
        check_managed_path(params["central_directory"], "central_directory", "/etc/ssh",
                           bool(params.get("allow_any_path")))
    layout = Layout(params.get("layout") or "home", params.get("central_directory") or "/etc/ssh/authorized_keys")
    requests = build_requests(params.get("users") or [], bool(params.get("exclusive")),
                              int(params.get("rsa_min_bits") or 2048))
    return layout, requests
