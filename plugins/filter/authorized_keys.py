# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: inventory grants -> the ``users`` argument of sshsuite.openssh.authorized_keys.

The role sshsuite.openssh.authorized_keys describes access with four pieces
of data, so that each fact is written once:

owners       whose public keys exist: ``{alice: [key, ...], ci-robot: [...]}``.
             A key is a key line, or a mapping with ``key`` and optional
             ``comment`` and ``options`` (options that belong to the key
             itself, such as ``verify_required`` for a security key).
key_groups   named sets of owners: ``{db-admins: [alice, bob]}``; a member
             may also be another group.
grants       who may log in as which account, where:
             ``[{accounts: [postgres], keys: [db-admins], hosts: [db],
             options: {from: [...]}, state: present}]``. ``keys`` names
             owners or groups; ``hosts`` names inventory groups or hosts
             (omitted: every host); ``options`` are authorized_keys options
             for these keys on these accounts (access policy).
accounts     per-account settings: ``{postgres: {exclusive: true},
             olduser: {state: absent}}``. Settings apply where a grant
             gives the account keys; ``state: absent`` applies on every host.

``authorized_keys_users`` applies the grants that match the host and
returns one entry per account, in the order accounts first appear. The same
key reaching an account through two grants with the same options is written
once; with different options it is an error naming both grants. Problems are
reported all at once, each with the place in the data that must change.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible.errors import AnsibleFilterError

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)

DOCUMENTATION = r"""
name: authorized_keys_users
short_description: Turn key owners, key groups and grants into the users of the authorized_keys module
version_added: "0.1.0"
description:
  - Applies the grants that match one host and returns the O(sshsuite.openssh.authorized_keys#module:users)
    list for that host, with one entry per account.
  - Reports every problem at once, and names the grant or owner where it is.
positional: _input
options:
  _input:
    description: The grants, see C(authorized_keys_grants) of the role.
    type: list
    elements: dict
    required: true
  owners:
    description: Public keys by owner.
    type: dict
    required: true
  key_groups:
    description: Named groups of owners (or of other groups).
    type: dict
    default: {}
  accounts:
    description: Settings per account (C(exclusive), C(state)).
    type: dict
    default: {}
  revoked:
    description: Key lines to remove from every account that this host manages.
    type: list
    elements: str
    default: []
  host:
    description: C(inventory_hostname) of the host.
    type: str
    required: true
  groups:
    description: C(group_names) of the host.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: One module execution with every account's keys for this host
  sshsuite.openssh.authorized_keys:
    users: >-
      {{ authorized_keys_grants | sshsuite.openssh.authorized_keys_users(
           owners=authorized_keys_owners, key_groups=authorized_keys_key_groups,
           accounts=authorized_keys_accounts, revoked=authorized_keys_revoked,
           host=inventory_hostname, groups=group_names) }}
"""

RETURN = r"""
_value:
  description: Entries for the module's O(sshsuite.openssh.authorized_keys#module:users) option.
  type: list
  elements: dict
"""

_GRANT_FIELDS = {"accounts", "keys", "hosts", "options", "state"}
_KEY_FIELDS = {"key", "comment", "options"}
_ACCOUNT_FIELDS = {"exclusive", "state"}


def _names(value: Any, where: str, problems: Problems) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    problems.add("must be a name or a list of names", where)
    return []


OwnerKey = Tuple[str, Dict[str, Any], List[Tuple[str, bytes]]]


def _owner_keys(owners: Mapping[str, Any], problems: Problems) -> Dict[str, List[OwnerKey]]:
    """owner -> [(where, key entry, [(line, blob)])]; every key is parsed once, here."""
    result: Dict[str, List[OwnerKey]] = {}
    for owner, entries in owners.items():
        if isinstance(entries, (str, Mapping)):
            entries = [entries]
        if not isinstance(entries, (list, tuple)):
            problems.add("must be a list of keys", "authorized_keys_owners.%s" % owner)
            continue
        result[owner] = []
        for index, entry in enumerate(entries):
            where = "authorized_keys_owners.%s[%d]" % (owner, index)
            if isinstance(entry, str):
                entry = {"key": entry}
            if not isinstance(entry, Mapping) or "key" not in entry:
                problems.add("must be a key line or a mapping with key", where)
                continue
            unknown = set(entry) - _KEY_FIELDS
            if unknown:
                problems.add("unknown field(s) %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(_KEY_FIELDS))), where)
                continue
            parsed_lines = []
            try:
                lines = [line.strip() for line in str(entry["key"]).split("\n") if not keys.is_comment_line(line)]
                if not lines:
                    raise OpenSSHConfigError("holds no key line", where)
                for line in lines:
                    parsed = keys.parse_authorized_key(line, where, validate=False)
                    parsed_lines.append((line, parsed.key.blob))
                    if parsed.options and entry.get("options"):
                        raise OpenSSHConfigError("the key line has options and options is set too; keep one", where)
                    if parsed.options:
                        raise OpenSSHConfigError(
                            "write the key's options (%s) under options, not in the key line, so that grants "
                            "can add theirs" % keys.render_options(parsed.options),
                            where,
                        )
            except OpenSSHConfigError as exc:
                problems.append(exc)
                continue
            result[owner].append((where, dict(entry), parsed_lines))
    return result


def _expand(name: str, key_groups: Mapping[str, Any], owners: Mapping[str, Any], where: str,
            problems: Problems, trail: Tuple[str, ...] = ()) -> List[str]:
    """Owner names behind ``name`` (an owner or a key group), in order."""
    if name in key_groups and name in owners:
        problems.add("%r is both a key group and a key owner; rename one" % name, where)
        return []
    if name in owners:
        return [name]
    if name not in key_groups:
        problems.add("%r is neither a key owner nor a key group" % name, where)
        return []
    if name in trail:
        problems.add("key group %r contains itself (%s)" % (name, " -> ".join(trail + (name,))), where)
        return []
    found: List[str] = []
    members = key_groups[name]
    for member in _names(members, "authorized_keys_key_groups.%s" % name, problems):
        for owner in _expand(member, key_groups, owners, "authorized_keys_key_groups.%s" % name, problems,
                             trail + (name,)):
            if owner not in found:
                found.append(owner)
    return found


#: toggles that grant something; ``restrict`` (or the toggle set to false) takes them away.
_PERMISSIONS = ("agent-forwarding", "port-forwarding", "pty", "user-rc", "x11-forwarding")


def _option_base(name: Any) -> str:
    lower = str(name).lower()
    return keys.MAPPING_ALIASES.get(lower, lower.replace("_", "-"))


def _merge_options(owner_options: Optional[Mapping[str, Any]], grant_options: Optional[Mapping[str, Any]],
                   where: str, problems: Problems) -> Optional[Dict[str, Any]]:
    """The key owner's options plus the grant's; the grant's restrictions always win.

    A grant is access policy: an owner's option may add to it (a security
    key's verify_required) but never undo it. ``restrict`` in the grant with
    ``port_forwarding: true`` from the owner would render
    ``restrict,...,port-forwarding``, which sshd reads as forwarding allowed:
    that, and any option the two set to different values, is an error naming
    both sides.
    """
    if not owner_options and not grant_options:
        return None
    owner = {_option_base(k): (k, v) for k, v in (owner_options or {}).items() if v is not None}
    grant = {_option_base(k): (k, v) for k, v in (grant_options or {}).items() if v is not None}
    restricted = grant.get("restrict", (None, False))[1] is True
    ok = True
    for base, (name, value) in owner.items():
        if base in grant and grant[base][1] != value:
            problems.add("option %s is %r in the key owner's options but %r in the grant: the grant's access "
                         "policy must win, so make them agree" % (name, value, grant[base][1]), where)
            ok = False
        elif base in _PERMISSIONS and value is True and restricted and base not in grant:
            problems.add("the key owner's option %s: true would undo the grant's restrict; allow it in the "
                         "grant (%s: true) if it is meant" % (name, name), where)
            ok = False
    if not ok:
        return None
    merged = dict(owner.values())
    for base, (name, value) in grant.items():
        merged.pop(owner.get(base, (None,))[0], None)
        merged[name] = value
    return merged


def _applies(grant: Mapping[str, Any], host: str, groups: Sequence[str], where: str, problems: Problems) -> bool:
    if grant.get("hosts") is None:
        return True
    targets = _names(grant["hosts"], where + ".hosts", problems)
    return "all" in targets or host in targets or any(group in targets for group in groups)


def authorized_keys_users(grants: Sequence[Mapping[str, Any]], owners: Mapping[str, Any], host: str,
                          groups: Sequence[str] = (), key_groups: Optional[Mapping[str, Any]] = None,
                          accounts: Optional[Mapping[str, Any]] = None,
                          revoked: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
    problems = Problems()
    grants = grants or []
    key_groups = key_groups or {}
    accounts = accounts or {}
    revoked = revoked or []
    if not isinstance(grants, (list, tuple)):
        raise AnsibleFilterError("authorized_keys_grants must be a list")
    for name, value in (("authorized_keys_owners", owners), ("authorized_keys_key_groups", key_groups),
                        ("authorized_keys_accounts", accounts)):
        if not isinstance(value, Mapping):
            raise AnsibleFilterError("%s must be a mapping" % name)
    owner_keys = _owner_keys(owners, problems)

    revoked_blobs: Dict[bytes, str] = {}
    revoked_entries: List[Tuple[bytes, Dict[str, Any]]] = []
    for index, line in enumerate(revoked):
        where = "authorized_keys_revoked[%d]" % index
        try:
            key = keys.parse_authorized_key(str(line), where, validate=False).key
        except OpenSSHConfigError as exc:
            problems.append(exc)
            continue
        revoked_blobs[key.blob] = where
        revoked_entries.append((key.blob, {"key": key.text(), "state": "absent"}))

    # account -> {"keys": [...], "seen": {blob: (where, options, state)}}
    plan: Dict[str, Dict[str, Any]] = {}

    def account_entry(account: str) -> Dict[str, Any]:
        if account not in plan:
            plan[account] = {"keys": [], "seen": {}}
        return plan[account]

    for index, grant in enumerate(grants):
        where = "authorized_keys_grants[%d]" % index
        if not isinstance(grant, Mapping):
            problems.add("must be a mapping with accounts and keys", where)
            continue
        unknown = set(grant) - _GRANT_FIELDS
        if unknown:
            problems.add("unknown field(s) %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(_GRANT_FIELDS))), where)
            continue
        if "accounts" not in grant or "keys" not in grant:
            problems.add("needs accounts and keys", where)
            continue
        state = grant.get("state", "present")
        if state not in ("present", "absent"):
            problems.add("state must be present or absent", where + ".state")
            continue
        options = grant.get("options")
        if options is not None and not isinstance(options, Mapping):
            problems.add("options must be a mapping", where + ".options")
            continue
        if not _applies(grant, host, groups, where, problems):
            continue
        account_names = _names(grant["accounts"], where + ".accounts", problems)
        owner_names: List[str] = []
        for name in _names(grant["keys"], where + ".keys", problems):
            for owner in _expand(name, key_groups, owners, where + ".keys", problems):
                if owner not in owner_names:
                    owner_names.append(owner)
        for account in account_names:
            entry = account_entry(account)
            for owner in owner_names:
                for key_where, key_entry, parsed_lines in owner_keys.get(owner, []):
                    merged = _merge_options(key_entry.get("options"), options, "%s (%s)" % (where, key_where), problems)
                    for line, blob in parsed_lines:
                        if state == "present" and blob in revoked_blobs:
                            problems.add("%s grants a key that %s revokes (%s)" % (where, revoked_blobs[blob], key_where), where)
                            continue
                        previous = entry["seen"].get(blob)
                        if previous is not None:
                            if (previous[1], previous[2]) != (merged, state):
                                problems.add(
                                    "account %s gets %s from %s and from %s with different options or state; "
                                    "make them agree" % (account, key_where, previous[0], where),
                                    where,
                                )
                            continue
                        entry["seen"][blob] = (where, merged, state)
                        item: Dict[str, Any] = {"key": line}
                        if key_entry.get("comment") is not None:
                            item["comment"] = key_entry["comment"]
                        if merged:
                            item["options"] = merged
                        if state == "absent":
                            item["state"] = "absent"
                        entry["keys"].append(item)

    for account, settings in accounts.items():
        where = "authorized_keys_accounts.%s" % account
        if settings is None:
            settings = {}
        if not isinstance(settings, Mapping) or set(settings) - _ACCOUNT_FIELDS:
            problems.add("must be a mapping with exclusive and/or state", where)
            continue
        if settings.get("state", "present") not in ("present", "absent"):
            problems.add("state must be present or absent", where + ".state")
            continue
        # Settings alone do not make a host manage an account, except removal:
        # an absent account's file goes away on every host.
        if settings.get("state") == "absent":
            account_entry(account)

    if problems:
        raise AnsibleFilterError(str(_combined(problems)))

    users: List[Dict[str, Any]] = []
    for account, entry in plan.items():
        settings = accounts.get(account) or {}
        user: Dict[str, Any] = {"name": account}
        if settings.get("state") == "absent":
            if entry["keys"]:
                problems.add("account %s is absent but grants give it keys" % account, "authorized_keys_accounts.%s" % account)
            user["state"] = "absent"
            users.append(user)
            continue
        if settings.get("exclusive") is not None:
            user["exclusive"] = bool(settings["exclusive"])
        user["keys"] = entry["keys"] + [dict(item) for blob, item in revoked_entries if blob not in entry["seen"]]
        users.append(user)
    if problems:
        raise AnsibleFilterError(str(_combined(problems)))
    return users


def _combined(problems: Problems) -> OpenSSHConfigError:
    if len(problems) == 1:
        return problems[0]
    return OpenSSHConfigError("%d problems:\n" % len(problems) + "\n".join("  - %s" % p for p in problems))


class FilterModule(object):
    def filters(self):
        return {"authorized_keys_users": authorized_keys_users}
