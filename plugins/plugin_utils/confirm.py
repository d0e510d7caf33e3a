# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirmed apply, controller half, and what every action plugin of the collection shares.

``CollectionAction`` is the base of the action plugins that take user data:
it validates the arguments against the module's argument spec, runs the
module_utils precheck on the controller (bad input never reaches a host),
fills in who Ansible connects as, runs the module once, and, when the module
armed a rollback (module_utils/openssh/rollback.py), confirms the change:

1. close the ControlPersist master, so nothing reuses the old session;
2. open a **fresh** connection with the play's own settings (user, port,
   keys, password, ProxyCommand/ProxyJump, ssh_common_args ...) and run
   ``echo <nonce>``: a new ssh process that authenticates from scratch
   (``ControlMaster=no``, ``ControlPath=none`` come first, and ssh keeps the
   first value of an option); paramiko gets an uncached client;
3. if the nonce comes back, confirm (``restore.py confirm`` over the normal
   connection, with become): the rollback is cancelled;
4. if not, fail with the fresh connection's error, say when the previous
   configuration will be restored, wait for it, and report whether a fresh
   login works again afterwards.

Connections that never authenticate (podman, docker, local, chroot ...)
cannot prove a login: the module is not asked to arm a rollback, keeps its
serve check, and the result says the apply was not confirmed by a login.
"""

from __future__ import annotations

import copy
import getpass
import json
import os
import re
import shlex
import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

SSH_CONNECTIONS = frozenset({"ssh", "ansible.builtin.ssh", "paramiko", "paramiko_ssh", "ansible.builtin.paramiko_ssh",
                             "ansible.netcommon.libssh"})
#: the connections whose fresh login this file knows how to make.
CONFIRMING = frozenset({"ssh", "ansible.builtin.ssh", "paramiko", "paramiko_ssh", "ansible.builtin.paramiko_ssh"})
GRACE_SECONDS = 15
#: the window limits (the host refuses below MIN_TIMEOUT too) and how close to the deadline a
#: confirm is still sent: a confirm that races the restore would report a half-restored host
MIN_TIMEOUT = 15
MAX_TIMEOUT = 3600
MARGIN = 5


def _strip_multiplexing(args: str) -> str:
    words = shlex.split(args or "")
    kept = []
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word == "-o" and index + 1 < len(words) and re.match(r"(?i)control(master|persist|path)\b",
                                                                words[index + 1]):
            skip = True
            continue
        if re.match(r"(?i)-ocontrol(master|persist|path)\b", word):
            continue
        kept.append(word)
    return " ".join(shlex.quote(w) for w in kept)


def fresh_login(connection, timeout: int = 30):
    """Run ``echo <nonce>`` over a new, freshly authenticated connection. Returns (ok, detail)."""
    nonce = "sshsuite-confirm-%s" % os.urandom(6).hex()
    transport = connection.transport
    fresh = copy.copy(connection)
    fresh._options = dict(connection._options)
    try:
        if transport in ("ssh", "ansible.builtin.ssh"):
            fresh.set_option("ssh_args", "-o ControlMaster=no -o ControlPath=none "
                             + _strip_multiplexing(connection.get_option("ssh_args")))
            fresh.set_option("timeout", min(int(connection.get_option("timeout") or timeout), timeout))
            fresh._persistent = False
            fresh.control_path = None
            rc, out, err = fresh.exec_command("echo %s" % nonce, sudoable=False)
        else:  # paramiko: a client that is not in the connection cache
            fresh.ssh = fresh._connect_uncached()
            fresh._connected = True
            try:
                rc, out, err = fresh.exec_command("echo %s" % nonce, sudoable=False)
            finally:
                fresh.ssh.close()
    except Exception as exc:  # any failure to connect is the answer we are looking for
        return False, "%s: %s" % (type(exc).__name__, exc)
    out = out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out)
    err = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
    if rc == 0 and nonce in out:
        return True, "a fresh %s login ran a command" % transport
    return False, "a fresh login did not run a command (rc %s): %s" % (rc, (err or out).strip()[-600:])


def plain_data(args):
    """``args`` as plain JSON types, for the controller's own validation.

    ArgumentSpecValidator deep-copies what it validates, and a deep copy of
    Ansible's tagged containers is far slower than of plain ones: 10,000
    authorized_keys users took about 5 s of the task. What the module is sent
    is not this copy but the task's arguments as they are. Anything JSON cannot
    carry (a vaulted value) is validated as given.
    """
    try:
        return json.loads(json.dumps(args))
    except (TypeError, ValueError):
        return args


def validate_args(spec, args, name):
    """The task's arguments checked against ``spec`` on the controller, as the module will check them.

    Returns the validated parameters; raises AnsibleActionFail naming the module
    (``name``) with every problem. The one validation every action plugin uses.
    """
    validation = ArgumentSpecValidator(spec).validate(plain_data(args))
    if validation.error_messages:
        raise AnsibleActionFail("%s: %s" % (name, "; ".join(validation.error_messages)))
    return validation.validated_parameters


class CollectionAction(ActionBase):
    """Base of the collection's action plugins; subclasses set these."""

    MODULE = ""
    ARGUMENT_SPEC = {}
    WHAT = "data"
    TRANSFERS_FILES = False

    def precheck(self, params):
        raise NotImplementedError

    def connection_facts(self, args, params, task_vars):
        """Fill in what the module needs to know about the operator's connection (override)."""

    # -- shared ------------------------------------------------------------------------
    def validated(self, args):
        params = validate_args(self.ARGUMENT_SPEC, args, self.MODULE.rsplit(".", 1)[-1])
        try:
            self.precheck(params)
        except OpenSSHConfigError as exc:
            raise AnsibleActionFail("bad %s, nothing was sent to the host: %s" % (self.WHAT, exc))
        return params

    def ssh_transport(self):
        return self._connection.transport in SSH_CONNECTIONS

    def remote_user(self, task_vars):
        return (self._connection.get_option("remote_user") or task_vars.get("ansible_user")
                or self._play_context.remote_user or getpass.getuser())

    def controller_public_key(self):
        """The public half of the private key file the connection uses, if it is next to it."""
        try:
            path = self._connection.get_option("private_key_file")
        except KeyError:
            return None
        if not path:
            return None
        pub = os.path.expanduser(str(path)) + ".pub"
        try:
            with open(pub) as handle:
                return handle.read().strip() or None
        except OSError:
            return None

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        params = self.validated(args)
        confirm_timeout = int(args.pop("confirm_timeout", 0) or 0) if "confirm_timeout" in self.ARGUMENT_SPEC else 0
        if confirm_timeout and not MIN_TIMEOUT <= confirm_timeout <= MAX_TIMEOUT:
            raise AnsibleActionFail("confirm_timeout must be 0 (off) or %d to %d seconds, got %d"
                                    % (MIN_TIMEOUT, MAX_TIMEOUT, confirm_timeout))
        can_confirm = self._connection.transport in CONFIRMING and not self._task.check_mode
        if confirm_timeout and can_confirm:
            args["confirm_timeout"] = confirm_timeout
        self.connection_facts(args, params, task_vars)
        module_result = self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars)
        returned = time.time()
        result.update(module_result)
        confirmation = result.get("confirmation")
        if confirmation and confirmation.get("id"):
            # also when the module failed for other reasons (a user of a bulk run): an armed
            # rollback must be proven or it undoes the operator's change
            # the host armed its timer just before the module returned: the controller's own
            # clock after the return is a safe upper bound, whatever the clocks' skew
            self.confirm(result, dict(confirmation, deadline=returned + confirmation["timeout"]))
        elif result.get("changed") and confirm_timeout and not confirmation:
            result["confirmation"] = {
                "confirmed": False,
                "reason": ("the %s connection never authenticates, so no fresh login could prove access; the "
                           "module's own serve check passed" % self._connection.transport)
                if not can_confirm else "nothing was armed"}
        return result

    def confirm(self, result, confirmation):
        deadline = confirmation["deadline"]
        if self._connection.transport in ("ssh", "ansible.builtin.ssh"):
            try:
                self._connection.reset()  # close the ControlPersist master: the next session authenticates anew
            except Exception:  # pragma: no cover - best effort, a missing master is fine
                pass
        ok, detail = fresh_login(self._connection, timeout=max(5, min(30, int(deadline - time.time()) - MARGIN)))
        confirmation = dict(confirmation, fresh_login=detail)
        result["confirmation"] = confirmation
        if ok and time.time() > deadline - MARGIN:
            ok, detail = False, "%s, but too close to the rollback at %s to confirm safely" % (detail, _at(deadline))
        if ok:
            command = " ".join(shlex.quote(word) for word in confirmation["confirm_command"])
            done = self._low_level_execute_command(command, sudoable=True)
            if done.get("rc") == 0:
                confirmation["confirmed"] = True
                return
            detail = (done.get("stderr") or done.get("stdout") or "").strip()
            result.update(failed=True, msg="the change was proven by a fresh login, but confirming it failed (%s): "
                                           "the rollback at %s will undo it" % (detail, _at(deadline)))
            confirmation["confirmed"] = False
            return
        confirmation["confirmed"] = False
        wait = max(0.0, deadline - time.time()) + GRACE_SECONDS
        time.sleep(wait)
        again, again_detail = fresh_login(self._connection)
        confirmation["after_rollback"] = again_detail
        result.update(
            failed=True, rolled_back=True,
            msg="the fresh login after the change failed (%s), so the previous configuration was restored on the "
                "host at %s (automatic rollback, %s s after the change). %s" % (
                    detail, _at(deadline), confirmation.get("timeout"),
                    "A fresh login works again." if again else
                    "A fresh login STILL FAILS after the rollback (%s): check the host's console." % again_detail))


def _at(epoch):
    return time.strftime("%H:%M:%S", time.localtime(epoch))
