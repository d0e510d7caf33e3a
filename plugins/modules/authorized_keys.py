#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: authorized_keys
short_description: Manage the authorized_keys files of many users in one module run
version_added: "0.1.0"
description:
  - Sets the authorized keys of every listed user in a single execution per host, instead of one
    execution per key.
  - Every key is checked before any file is touched. The module checks the key type and base64, and
    reads the key size from the key data. It refuses RSA keys below O(rsa_min_bits) and all DSA keys.
    It accepts security keys (C(sk-*)) and certificates. Every option is checked against sshd(8).
    The same key given twice with different options is an error that names both places. If anything
    in the input is wrong, the module fails and leaves every file as it was.
  - For each user, the file holds exactly the listed keys (O(users[].exclusive=true)), or the listed
    keys are added or updated and other lines are kept (O(users[].exclusive=false)).
  - In additive mode, a listed key appears exactly once afterwards. Extra copies of it are removed,
    because sshd tries every line of a key, and a stale copy with weaker options would still let the
    key in.
  - Files are written atomically. The module writes a temporary file in the same directory, fsyncs
    it, then renames it over the old file. A file is rewritten only when its bytes change, and
    ownership and mode are fixed in place. V(changed) is reported only when something really changed.
  - In the V(home) layout the module never follows a symbolic link, hard link or special file that
    the user placed in C(~/.ssh). Such a user fails with a clear message and the other users go on.
  - Problems that concern one user are reported for that user only (unknown account, missing home
    directory, planted symlink). The other users are still processed. The module fails at the end
    and lists those users.
author:
  - sshsuite.openssh contributors (@sshsuite)
options:
  users:
    description:
      - The users whose authorized_keys files are managed, each listed once.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Account name, looked up with the system's user database (NSS).
        type: str
        required: true
      state:
        description:
          - V(present) manages the user's keys.
          - V(absent) removes the user's whole authorized_keys file. O(users[].keys) is then ignored.
        type: str
        choices: [present, absent]
        default: present
      exclusive:
        description:
          - V(true) makes the file hold exactly the listed keys, after a one-line managed header.
            Keys that were added by hand and comment lines are removed.
          - V(false) adds or updates the listed keys, and removes keys with O(users[].keys[].state=absent).
            Every other line is kept byte for byte.
          - Defaults to O(exclusive).
        type: bool
      keys:
        description: The user's keys.
        type: list
        elements: dict
        default: []
        suboptions:
          key:
            description:
              - Public key text, as in a C(.pub) file or an authorized_keys line, for example
                C(ssh-ed25519 AAAA... alice@laptop).
              - It may start with options, like C(restrict,command="uptime" ssh-ed25519 AAAA...).
                Do not also set O(users[].keys[].options) in that case.
              - It may hold several lines, for example the output of a C(url) or C(file) lookup.
                Each line becomes one key, and blank lines and C(#) lines are ignored.
              - Lookups run on the controller, for example C("{{ lookup('file', 'keys/alice.pub') }}").
            type: str
            required: true
          state:
            description:
              - V(present) makes sure the key is in the file.
              - V(absent) removes every line of the key, whatever its options. Only the key data has
                to match, and the RSA size and DSA checks do not apply, so an old key can still be
                removed.
            type: str
            choices: [present, absent]
            default: present
          comment:
            description: Comment written after the key. It replaces the comment of O(users[].keys[].key).
            type: str
          options:
            description:
              - The authorized_keys options of the key, see AUTHORIZED_KEYS FILE FORMAT in sshd(8).
              - They are written in a fixed order, with C(restrict) first so that it cannot reset
                toggles that follow it.
              - Values are written in double quotes, and an inner C(") is written as C(\").
              - A value is refused if it contains a line break or another control character, or if it
                ends with a backslash. A value like that would change the line or let it escape its
                quotes.
            type: dict
            suboptions:
              restrict:
                description: Turn off port, agent and X11 forwarding, PTY allocation and C(~/.ssh/rc).
                type: bool
              cert_authority:
                description: The key is a CA trusted to sign user certificates.
                type: bool
              principals:
                description:
                  - With O(users[].keys[].options.cert_authority) only. The certificate must name at
                    least one of these principals.
                type: list
                elements: str
              from:
                description:
                  - Patterns for the client's host name or address. CIDR networks and C(!) negations
                    are allowed, for example V(10.0.0.0/8) or V(!10.1.2.3). An invalid CIDR mask is refused.
                type: list
                elements: str
              expiry_time:
                description:
                  - The key is refused after this time, written as C(YYYYMMDD[HHMM[SS]]).
                  - A trailing C(Z) means UTC, and only OpenSSH 9.1 and later accept it.
                  - Quote the value in YAML so that it stays a string.
                type: str
              command:
                description:
                  - The only command that this key can run. sshd(8) ForceCommand overrides it.
                  - Add O(users[].keys[].options.restrict), because a forced command alone still
                    allows forwarding (C(ssh -N)).
                type: str
              environment:
                description:
                  - Variables to set, as a mapping of NAME to value.
                  - sshd ignores them unless PermitUserEnvironment allows them.
                type: dict
              permitopen:
                description:
                  - Destinations that C(ssh -L) may reach, each as C(host:port) or C([v6addr]:port).
                  - The host is a literal name, or C(*) for any host. The port is a number or C(*).
                type: list
                elements: str
              permitlisten:
                description: Listen addresses that C(ssh -R) may use, each as C([host:]port).
                type: list
                elements: str
              tunnel:
                description: Force this tun device number, or V(any).
                type: str
              agent_forwarding:
                description: V(true) writes C(agent-forwarding), and V(false) writes C(no-agent-forwarding).
                type: bool
              port_forwarding:
                description: V(true) writes C(port-forwarding), and V(false) writes C(no-port-forwarding).
                type: bool
              pty:
                description: V(true) writes C(pty), and V(false) writes C(no-pty).
                type: bool
              user_rc:
                description: V(true) writes C(user-rc), and V(false) writes C(no-user-rc).
                type: bool
              x11_forwarding:
                description: V(true) writes C(X11-forwarding), and V(false) writes C(no-X11-forwarding).
                type: bool
              touch_required:
                description:
                  - V(false) writes C(no-touch-required). Security keys and CA lines only.
                type: bool
              verify_required:
                description:
                  - V(true) writes C(verify-required), which makes the security key check a PIN or
                    biometric. Security keys and CA lines only, and OpenSSH 8.4 or later.
                type: bool
  exclusive:
    description: Default for O(users[].exclusive).
    type: bool
    default: false
  layout:
    description:
      - V(home) writes C(~/.ssh/authorized_keys). C(~/.ssh) gets mode 0700 and the file gets mode 0600,
        both owned by the user and the user's primary group.
      - V(central) writes O(central_directory)C(/<user>). The directory is root-owned with mode 0755,
        and the files are root-owned with mode 0644, so users cannot add keys themselves.
      - The central layout also needs C(AuthorizedKeysFile /etc/ssh/authorized_keys/%u) in
        sshd_config. The role sshsuite.openssh.authorized_keys can set it through the sshd role.
    type: str
    choices: [home, central]
    default: home
  central_directory:
    description: Directory of the V(central) layout, created when missing (its parent must exist).
    type: path
    default: /etc/ssh/authorized_keys
  missing_users:
    description:
      - V(fail) reports each user that does not exist as a failed user. The other users are still
        processed, and the module fails at the end.
      - A user that does not exist and has O(users[].state=absent) is never an error, because there is
        nothing to remove.
      - V(skip) reports such users as skipped.
    type: str
    choices: [fail, skip]
    default: fail
  rsa_min_bits:
    description: Smallest RSA modulus accepted, in bits. sshd's own floor is 1024.
    type: int
    default: 2048
  allow_any_path:
    description: O(central_directory) must lie under C(/etc/ssh); V(true) allows any absolute path.
    type: bool
    default: false
  confirm_user:
    description:
      - The user Ansible connects as (the action plugin fills it in for ssh and paramiko connections). When the
        run changes this user's file, the module records it and arms an automatic rollback that puts the old
        file back after O(confirm_timeout) seconds unless a fresh login confirms the change first.
    type: str
  confirm_timeout:
    description: Seconds the confirmation may take; V(0) arms nothing.
    type: int
    default: 0
attributes:
  check_mode:
    support: full
    description: Check mode parses and checks every key and computes each user's new file, writes nothing and reports
      what would change.
  diff_mode:
    support: full
    description: Returns one diff per changed user, headed by the file's path.
notes:
  - Runs as root (V(become=true)), because it writes other users' files.
  - Users are looked up with one C(getpwall()) when the list is long. A name that is not found there
    gets a C(getpwnam()) of its own, so NSS sources that do not enumerate still work.
  - Certificates are parsed but their CA signature is not verified.
  - The C(invocation) that Ansible returns holds every argument except O(users), which is summarised
    as a count. Echoing thousands of keys back would double the data that the run sends and parses.
seealso:
  - module: ansible.posix.authorized_key
  - name: sshd(8) AUTHORIZED_KEYS FILE FORMAT
    description: The options and their meaning.
    link: https://man.openbsd.org/sshd#AUTHORIZED_KEYS_FILE_FORMAT
"""

EXAMPLES = r"""
- name: Keys of three users in one module run
  sshsuite.openssh.authorized_keys:
    users:
      - name: alice
        exclusive: true
        keys:
          - key: "{{ lookup('file', 'keys/alice.pub') }}"
          - key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFBq2eIuXs8ZBPfnKvsqlnXw5l2zA3z9eJZ6F3B0k5bT alice@phone
      - name: backup
        keys:
          - key: "{{ lookup('file', 'keys/backup-robot.pub') }}"
            comment: backup-robot
            options:
              restrict: true
              from: [192.0.2.10, 2001:db8::10]
              command: rrsync -ro /srv
      - name: bob
        keys:
          - key: ssh-rsa AAAAB3NzaC1yc2E... bob@old-laptop
            state: absent
  become: true

- name: Root-owned files in /etc/ssh/authorized_keys (sshd needs AuthorizedKeysFile /etc/ssh/authorized_keys/%u)
  sshsuite.openssh.authorized_keys:
    layout: central
    exclusive: true
    missing_users: skip
    users: "{{ my_users }}"
  become: true

- name: Remove a departed user's file
  sshsuite.openssh.authorized_keys:
    users:
      - name: carol
        state: absent
  become: true
"""

RETURN = r"""
users:
  description:
    - Result per user, keyed by user name.
    - Keys are listed as C(type SHA256:... (comment)).
    - Fields other than RV(users.status), RV(users.changed), RV(users.path) and RV(users.keys) appear
      only when they apply. With thousands of users the result stays small.
  returned: always
  type: dict
  sample:
    alice:
      status: changed
      changed: true
      path: /home/alice/.ssh/authorized_keys
      keys: 2
      added: ["ssh-ed25519 SHA256:0rq6d0Yp1FCu4e7wB2SoRoLCC7UXk3e2Q0rN9GJc4gE (alice@phone)"]
    carol:
      status: ok
      changed: false
      path: /home/carol/.ssh/authorized_keys
      keys: 3
    bob:
      status: failed
      changed: false
      msg: user bob does not exist
  contains:
    status:
      description: V(ok), V(changed), V(skipped) or V(failed).
      type: str
      returned: always
    changed:
      description: Whether this user's file, its directory or their metadata changed.
      type: bool
      returned: always
    path:
      description: The user's authorized_keys file.
      type: str
      returned: when the account exists
    keys:
      description: Number of keys in the file afterwards.
      type: int
      returned: when the user's O(users[].state=present) and the file could be read
    added:
      description: Keys that were added.
      type: list
      elements: str
      returned: when keys were added
    removed:
      description: Keys that were removed.
      type: list
      elements: str
      returned: when keys were removed
    updated:
      description: Keys whose options or comment changed, or whose extra copies were removed.
      type: list
      elements: str
      returned: when keys were updated
    created:
      description: The file did not exist before.
      type: bool
      returned: when the file was created
    directory_created:
      description: C(~/.ssh) (or the central directory) did not exist before.
      type: bool
      returned: when the directory was created
    removed_file:
      description: The file was removed (O(users[].state=absent)).
      type: bool
      returned: when the file was removed
    state:
      description: V(absent) for users whose file is to be removed.
      type: str
      returned: when O(users[].state=absent)
    metadata:
      description: Ownership and mode fixes, one text per file or directory.
      type: list
      elements: str
      returned: when ownership or mode was fixed
    msg:
      description: Why the user failed or was skipped.
      type: str
      returned: when the user failed or was skipped
changed_users:
  description: Names of the users whose files changed.
  returned: always
  type: list
  elements: str
failed_users:
  description: Users that failed, each with the reason.
  returned: always
  type: dict
skipped_users:
  description: Users that do not exist and were skipped (O(missing_users=skip)).
  returned: always
  type: list
  elements: str
"""

import gc

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.authorized_keys import (
    ARGUMENT_SPEC,
    apply_all,
    precheck,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import rollback
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.module_shell import failed_users_message


def run(module):
    """Everything between argument parsing and exit; returns (result, failure message)."""
    params = module.params
    if params["rsa_min_bits"] < 1024:
        return {"changed": False}, "rsa_min_bits must be at least 1024 (sshd refuses smaller RSA keys)"
    try:
        layout, requests = precheck(params)
        transaction = None
        if params["confirm_user"] and params["confirm_timeout"] and not module.check_mode:
            transaction = rollback.Transaction()
            transaction.check_no_pending()
    except OpenSSHConfigError as exc:
        return {"changed": False}, "nothing was changed: %s" % exc
    results, diffs = apply_all(requests, layout, check_mode=module.check_mode,
                               missing_users=params["missing_users"], want_diff=module._diff,
                               guarded=(params["confirm_user"], transaction) if transaction is not None else None)
    result = {
        "changed": any(user["changed"] for user in results.values()),
        "users": results,
        "changed_users": [name for name, user in results.items() if user["changed"]],
        "failed_users": {name: user["msg"] for name, user in results.items() if user["status"] == "failed"},
        "skipped_users": [name for name, user in results.items() if user["status"] == "skipped"],
    }
    if module._diff and diffs:
        result["diff"] = diffs
    if transaction is not None and transaction.entries:
        # the connecting user's own file changed: prove it with a fresh login (armed even when
        # other users failed: the operator's change stands or falls on its own)
        result["confirmation"] = transaction.arm(params["confirm_timeout"])
    # Ansible echoes every argument back under invocation; for thousands of
    # users that doubles the data sent back and parsed. Echo all but the keys.
    key_count = sum(len(user.get("keys") or ()) for user in params["users"])
    echoed = dict((name, value) for name, value in params.items() if name != "users")
    echoed["users"] = "%d users with %d keys (not echoed back; see the users result)" % (
        len(params["users"]), key_count)
    result["invocation"] = {"module_args": echoed}
    failed = result["failed_users"]
    if failed:
        return result, failed_users_message(failed, len(results))
    return result, None


def main():
    # A short-lived process that builds tens of thousands of small acyclic
    # objects: the cyclic collector only adds time (about 15% at 10,000 users).
    gc.disable()
    try:
        module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
        result, failure = run(module)
        if failure:
            module.fail_json(msg=failure, **result)
        module.exit_json(**result)
    finally:
        gc.enable()


if __name__ == "__main__":
    main()
