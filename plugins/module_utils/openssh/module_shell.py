# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of the collection does around its module_utils logic:
run commands in the C locale, turn the collection's errors into fail_json, and
pass warnings through AnsibleModule.warn."""

from __future__ import annotations

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    ApplyFailed,
    OpenSSHConfigError,
)


def runner(module):
    """``run(argv) -> (rc, stdout, stderr)`` as the module_utils expect it."""
    def run(argv):
        rc, out, err = module.run_command(list(argv), environ_update={"LC_ALL": "C"})
        return rc, to_text(out), to_text(err)
    return run


def _warn_all(module, result):
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)


def run_apply(module, apply):
    """Call ``apply(params, run, check_mode=, want_diff=, backup=)`` and exit the module."""
    try:
        result = apply(module.params, runner(module), check_mode=module.check_mode, want_diff=module._diff)
    except OpenSSHConfigError as exc:
        module.fail_json(msg=str(exc))
    except ApplyFailed as exc:
        _warn_all(module, exc.result)
        module.fail_json(msg=exc.message, **exc.result)
    _warn_all(module, result)
    failed = result.get("failed_users")
    if failed:
        module.fail_json(msg=failed_users_message(failed, len(module.params.get("users") or ()) or len(failed)),
                         **result)
    module.exit_json(**result)


def failed_users_message(failed, total):
    """One line for a run in which some users failed and the others were processed."""
    shown = "; ".join("%s: %s" % item for item in list(failed.items())[:10])
    more = " (and %d more)" % (len(failed) - 10) if len(failed) > 10 else ""
    return "%d of %d users failed, the others were processed: %s%s" % (len(failed), total, shown, more)
