# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sshd_config module's logic: one pass from data to a serving sshd.

``precheck`` runs on the controller (action plugin) and needs no host: every
keyword, value and Match criterion is checked before anything is sent.
``apply`` runs on the host: probe, render for that version, validate the
combination sshd will read, guard, install, reload, verify, roll back.
"""

from __future__ import annotations

import grp
import ipaddress
import os
import re
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    catalogue,
    config_files,
    effective as eff,
    fileio,
    keepalive,
    profiles,
    render,
    rollback,
    sshd_host as host,
    values,
    version as ver,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import check_managed_path, check_text, split_lines
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (  # noqa: F401 (ApplyFailed re-exported)
    ApplyFailed,
    OpenSSHConfigError,
    Problems,
)

ARGUMENT_SPEC: Dict[str, Any] = dict(
    settings=dict(type="dict", default={}),
    profile=dict(type="str", choices=list(profiles.PROFILES), default="none"),
    profile_options=dict(type="dict", default={}),
    idle_timeout=dict(type="raw"),
    dead_peer_timeout=dict(type="raw"),
    idle_shell_fallback=dict(type="bool", default=False),
    match=dict(type="list", elements="dict", default=[], options=dict(
        criteria=dict(type="raw", required=True),
        settings=dict(type="dict", required=True),
        connection=dict(type="dict"),
    )),
    contributions=dict(type="dict", default={}),
    mode=dict(type="str", choices=["file", "dropin"], default="file"),
    config_path=dict(type="path", default="/etc/ssh/sshd_config"),
    dropin_path=dict(type="path", default="/etc/ssh/sshd_config.d/00-sshsuite.conf"),
    include_dropins=dict(type="bool", default=True),
    distribution_defaults=dict(type="bool", default=True),
    dropin_dir=dict(type="path", default="/etc/ssh/sshd_config.d"),
    allow_any_path=dict(type="bool", default=False),
    header=dict(type="str",
                default="Managed by Ansible (sshsuite.openssh.sshd). Local changes will be overwritten."),
    host_keys=dict(type="list", elements="str", default=["ed25519", "rsa"], no_log=False),
    host_key_rotation=dict(type="dict", default={}, no_log=False),
    host_key_rsa_bits=dict(type="int", default=3072),
    remove_host_keys=dict(type="list", elements="str", default=["auto"], no_log=False),
    guard=dict(type="bool", default=True),
    guard_user=dict(type="str"),
    guard_port=dict(type="int"),
    guard_address=dict(type="str"),
    guard_auth=dict(type="str", choices=["publickey", "password"], default="publickey"),
    guard_key=dict(type="str", no_log=False),
    guard_jump_host=dict(type="bool", default=False),
    reload=dict(type="bool", default=True),
    serve_timeout=dict(type="float", default=10.0),
    confirm_timeout=dict(type="int", default=0),
    config_mode=dict(type="str", default="0600"),
    service=dict(type="str"),
)

CONNECTION_KEYS = ("user", "host", "addr", "laddr", "lport", "rdomain")
#: Match criteria that make sshd -T want a whole connection (-C with laddr, lport, rdomain)
CONNECTION_CRITERIA = frozenset({"localport", "localaddress", "rdomain"})
CONNECTION_DEFAULTS = host.CONNECTION_DEFAULTS


# ---------------------------------------------------------------------------
# Controller side: check everything that does not depend on the host
# ---------------------------------------------------------------------------

def contributed(contributions: Any, problems: Optional[Problems] = None
                ) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Settings and Match blocks that other roles contribute (``sshd_contribution_<name>`` facts).

    Each contribution is ``{settings: {...}, match: [...]}``. Contributions are
    read in name order; two that set one keyword to different values are an
    error naming both (neither may silently win). Returns (settings, blocks);
    the operator's own settings override the contributed ones keyword by
    keyword, and the operator's Match blocks come first.
    """
    own = problems if problems is not None else Problems()
    settings: Dict[str, Any] = {}
    set_by: Dict[str, Tuple[str, str, Any]] = {}
    blocks: List[Dict[str, Any]] = []
    if contributions in (None, ""):
        contributions = {}
    if not isinstance(contributions, Mapping):
        own.add("contributions must be a mapping of name -> {settings, match}", "contributions")
        contributions = {}
    for name in sorted(contributions, key=str):
        where = "sshd_contribution_%s" % name
        item = contributions[name] or {}
        if not isinstance(item, Mapping) or set(item) - {"settings", "match"}:
            own.add("a contribution is a mapping with settings and/or match", where)
            continue
        for keyword, value in (item.get("settings") or {}).items():
            key = str(keyword).lower()
            if key in set_by and set_by[key][2] != value:
                other, other_name, other_value = set_by[key]
                own.add("%s is %r here but %r in %s.settings.%s: two roles disagree; set it in sshd_settings "
                        "to decide" % (keyword, value, other_value, other, other_name),
                        "%s.settings.%s" % (where, keyword))
                continue
            set_by[key] = (where, str(keyword), value)
            settings[str(keyword)] = value
        match = item.get("match") or []
        if not isinstance(match, list):
            own.add("match must be a list of blocks", where + ".match")
            continue
        for block in match:
            blocks.append(block)
    if problems is None:
        own.raise_if_any()
    return settings, blocks


USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]*[$]?\Z", re.IGNORECASE)
#: a unit name never starts with '-' (it would reach systemctl as an option)
UNIT_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9:_.@-]*\Z")

#: the directory sshd reads its configuration from; managed paths stay inside unless allowed.
CONFIG_ROOT = "/etc/ssh"


def check_paths(params: Mapping[str, Any], problems: Problems) -> None:
    """Every path parameter: the same text check as values, absolute, and under /etc/ssh.

    A path outside the directory sshd reads its configuration from (a new
    file under /etc/sudoers.d, /etc/passwd) is refused unless the operator
    sets ``allow_any_path`` on purpose.
    """
    for name in ("config_path", "dropin_path", "dropin_dir"):
        value = params.get(name)
        if value in (None, ""):
            continue
        try:
            check_managed_path(value, name, CONFIG_ROOT, bool(params.get("allow_any_path")))
        except OpenSSHConfigError as exc:
            problems.append(exc)


def _plain_blocks(blocks: Any, where: str, problems: Problems) -> List[Dict[str, Any]]:
    """Match blocks as render_config takes them; ``connection`` is checked here and left out."""
    plain: List[Dict[str, Any]] = []
    if not isinstance(blocks, (list, tuple)):
        problems.add("expected a list of Match blocks", where)
        return plain
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            plain.append(block)
            continue
        connection = block.get("connection")
        if connection:
            try:
                if not isinstance(connection, Mapping) or set(connection) - set(CONNECTION_KEYS):
                    raise OpenSSHConfigError("connection takes %s" % ", ".join(CONNECTION_KEYS))
                eff.connection_spec(**{k: str(v) for k, v in connection.items()})
            except (OpenSSHConfigError, TypeError) as exc:
                problems.add(str(exc), "%s[%d].connection" % (where, index))
        plain.append({k: v for k, v in block.items() if k != "connection"})
    return plain


def precheck(params: Mapping[str, Any]) -> None:
    """Check every keyword, value, Match block and path; raise OpenSSHConfigError listing every problem.

    The data goes through render_config, the function the host renders
    with, for no particular version: every check that does not depend on the
    release runs here, and the host runs the same ones again plus those of
    its version. The controller and the host cannot disagree.
    """
    problems = Problems()
    sources = [("settings", params.get("settings") or {}, "match", params.get("match") or [])]
    contributions = params.get("contributions") or {}
    contributed(contributions, problems)
    if isinstance(contributions, Mapping):
        for name in sorted(contributions, key=str):
            item = contributions[name]
            if isinstance(item, Mapping):
                where = "sshd_contribution_%s" % name
                sources.append((where + ".settings", item.get("settings") or {},
                                where + ".match", item.get("match") or []))
    for settings_where, settings, blocks_where, blocks in sources:
        try:
            render.render_config("sshd", settings, _plain_blocks(blocks, blocks_where, problems), None,
                                 "", settings_where=settings_where, blocks_where=blocks_where)
        except OpenSSHConfigError as exc:
            problems.append(exc)
    try:
        render.render_config("sshd", {}, [], None, params.get("header") or "")
    except OpenSSHConfigError as exc:
        problems.append(exc)
    try:
        profiles.check_options(params.get("profile_options"), params.get("profile") or "none")
    except OpenSSHConfigError as exc:
        problems.append(exc)
    for name in ("idle_timeout", "dead_peer_timeout"):
        value = params.get(name)
        if value not in (None, ""):
            try:
                values.parse_duration(value, name)
            except OpenSSHConfigError as exc:
                problems.append(exc)
    check_paths(params, problems)
    try:
        host.check_rotation(params.get("host_key_rotation"))
    except OpenSSHConfigError as exc:
        problems.append(exc)
    for name, pattern, what in (("guard_user", USER_NAME, "a user name"), ("guard_address", None, ""),
                                ("service", UNIT_NAME, "a systemd unit name without suffix")):
        if params.get(name):
            try:
                check_text(str(params[name]), name)
                if pattern is not None and not pattern.match(str(params[name])):
                    raise OpenSSHConfigError("%r is not %s" % (params[name], what), name)
            except OpenSSHConfigError as exc:
                problems.append(exc)
    problems.raise_if_any()


# ---------------------------------------------------------------------------
# Host side
# ---------------------------------------------------------------------------

def _ssh_connection_env() -> Optional[str]:
    """SSH_CONNECTION of this process or of the nearest ancestor that has one.

    become (sudo) drops the variable, but the shell that sshd started for
    Ansible still has it in its environment.
    """
    value = os.environ.get("SSH_CONNECTION")
    if value:
        return value
    pid = os.getppid()
    for _unused in range(12):
        if pid <= 1:
            break
        try:
            with open("/proc/%d/environ" % pid, "rb") as handle:
                for item in handle.read().split(b"\0"):
                    if item.startswith(b"SSH_CONNECTION="):
                        return item.split(b"=", 1)[1].decode("ascii", "replace")
            with open("/proc/%d/stat" % pid) as handle:
                pid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return None


def _literal(arg: Optional[str]) -> Optional[str]:
    """First positive, wildcard-free entry of a pattern list, or None."""
    if not arg:
        return None
    for item in arg.split(","):
        if item and not item.startswith("!") and not any(ch in item for ch in "*?"):
            return item
    return None


def derive_connection(criteria: Any, default_user: str) -> Tuple[Optional[Dict[str, str]], str]:
    """A connection spec that matches a Match block, from its literal criteria.

    Returns (spec, reason); spec is None when no literal matching connection
    can be derived (wildcards only, a group without members ...).
    """
    spec = dict(CONNECTION_DEFAULTS, user=default_user)
    for name, arg in render.criteria_pairs(criteria, "match"):
        key = name.lower()
        literal = _literal(arg)
        if key == "all":
            continue
        if key in ("user", "host", "localport", "rdomain") and literal:
            spec[{"user": "user", "host": "host", "localport": "lport", "rdomain": "rdomain"}[key]] = literal
        elif key in ("address", "localaddress") and literal:
            try:
                net = ipaddress.ip_network(literal, strict=False)
            except ValueError:
                return None, "%s %s is not an address" % (name, arg)
            address = net.network_address + (1 if net.num_addresses > 2 else 0)
            spec["addr" if key == "address" else "laddr"] = str(address)
        elif key == "group" and literal:
            try:
                members = grp.getgrnam(literal).gr_mem
            except KeyError:
                return None, "group %s does not exist on the host" % literal
            if not members:
                return None, "group %s has no listed members to evaluate the block with" % literal
            spec["user"] = members[0]
        else:
            return None, "criterion %s %s has no literal value to evaluate" % (name, arg or "")
    return spec, ""


def distribution_defaults() -> Dict[str, Any]:
    """What the distribution's own sshd_config sets and a host relies on.

    Replacing Debian's file with one that does not say ``UsePAM yes`` breaks
    key logins to accounts whose password is locked (service accounts, users
    created without a password: "account is locked") and PAM sessions
    (limits, systemd-logind, motd). These values are the base under the
    profile and the operator's settings, which override any of them.
    """
    if os.path.exists("/etc/debian_version"):
        return {"UsePAM": True, "KbdInteractiveAuthentication": False, "PrintMotd": False,
                "AcceptEnv": ["LANG", "LC_*"],
                "Subsystem": {"sftp": "/usr/lib/openssh/sftp-server"}}
    if os.path.exists("/etc/redhat-release"):
        return {"UsePAM": True, "KbdInteractiveAuthentication": False,
                "Subsystem": {"sftp": "/usr/libexec/openssh/sftp-server"}}
    return {}


def merge_settings(*layers: Mapping[str, Any]) -> Dict[str, Any]:
    """Later layers override earlier ones, keyword by keyword, whatever the case or spelling.

    An operator who writes PubkeyAcceptedKeyTypes (the pre-8.5 name, common in
    inventories from other roles) overrides the profile's
    PubkeyAcceptedAlgorithms: one keyword, two spellings (catalogue.family).
    """
    merged: Dict[str, Any] = {}
    names: Dict[str, str] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            key = catalogue.family("sshd", str(name))
            if key in names:
                del merged[names[key]]
            names[key] = str(name)
            merged[str(name)] = value
    return merged


def _setting(settings: Mapping[str, Any], name: str) -> Any:
    for key, value in settings.items():
        if str(key).lower() == name.lower():
            return value
    return None


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def layered_settings(params: Mapping[str, Any], probe: Mapping[str, Any], version: str
                     ) -> Tuple[Dict[str, Any], List[str], Dict[str, Any]]:
    """The settings to write, layer over layer, each overriding the one before:

    distribution defaults (file mode) -> security profile -> idle/keepalive
    policy -> what other roles contribute -> the operator's own settings; then a ClientAliveCountMax 0, which
    since 8.2 disables the disconnect it was meant to enforce, becomes 1.
    """
    warnings: List[str] = []
    base = distribution_defaults() if params["distribution_defaults"] else {}
    if params["mode"] == "dropin":
        base = {}  # the distribution's own main file still supplies them
    profile, profile_warnings = profiles.profile_settings(
        params.get("profile") or "none", probe, version, params.get("profile_options") or {})
    warnings += profile_warnings
    idle: Dict[str, Any] = {}
    extras: Dict[str, Any] = {}
    idle_timeout = params.get("idle_timeout") or None
    dead_peer = params.get("dead_peer_timeout") or None
    if idle_timeout is not None or dead_peer is not None:
        idle, idle_warnings, extras = keepalive.idle_policy(
            idle_timeout, dead_peer, version, "sshd", bool(params.get("idle_shell_fallback")))
        warnings += idle_warnings
    extra, _unused = contributed(params.get("contributions"))
    operator, count_warnings = keepalive.guard_count_max(params["settings"] or {}, version, "sshd")
    warnings += count_warnings
    return merge_settings(base, profile, idle, extra, operator), warnings, extras


def _remove_types(requested: Sequence[str], version: str) -> List[str]:
    result: List[str] = []
    for item in requested:
        if item == "auto":
            # sshd can no longer load DSA keys from 9.8 (disabled) and 10.0 (removed).
            if ver.at_least(version, "9.8"):
                result.append("dsa")
        else:
            result.append(item)
    return result


def _insert_include(text: str, dropin_dir: str) -> str:
    """Put the drop-in Include after the managed global keywords, before the Match blocks.

    sshd keeps the first value it reads, so managed values win over drop-ins
    for the keywords set here, and drop-ins still apply to everything else.
    """
    include = "Include %s/*.conf" % dropin_dir.rstrip("/")
    lines = split_lines(text)
    position = next((i for i, line in enumerate(lines) if line.startswith("Match ")), len(lines))
    block = ["# Drop-ins fill in what this file does not set.", include, ""]
    if position and lines[position - 1].strip():
        block.insert(0, "")
    lines[position:position] = block
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n"


def _check_effective(run, config, settings, blocks, version, guard_user, files, own, names=None, create=True,
                     global_config=None):
    """Compare requested with effective values, globally and per Match block.

    ``global_config``: the same configuration without the managed Match blocks,
    for the global values when sshd -T needs a whole connection (a block tests
    LocalPort, LocalAddress or RDomain): a probe connection could match one of
    the blocks and report its values as global ones.
    """
    effective = host.dump_effective(run, global_config or config, create=create)
    report: List[Dict[str, Any]] = []
    unverified: List[str] = []
    for m in eff.compare("sshd", settings, effective, version):
        report.append({"where": "global", "keyword": m.keyword, "wanted": m.wanted, "effective": m.got,
                       "also_set_in": config_files.who_sets(m.keyword, files, own, names)})
    for index, block in enumerate(blocks):
        spec = block.get("connection")
        reason = ""
        if spec:
            # a block's own connection may name only what matters to it; sshd needs a whole
            # connection as soon as any block tests LocalPort, LocalAddress or RDomain
            spec = host.complete_connection(spec, guard_user or "root")
        else:
            spec, reason = derive_connection(block["criteria"], guard_user or "root")
        if spec is None:
            unverified.append("match[%d]: %s" % (index, reason))
            continue
        block_effective = host.dump_effective(run, config, {k: str(v) for k, v in spec.items() if k in CONNECTION_KEYS},
                                              create)
        for m in eff.compare("sshd", block["settings"], block_effective, version):
            report.append({"where": "match[%d] (%s)" % (index, eff.connection_spec(**spec)),
                           "keyword": m.keyword, "wanted": m.wanted, "effective": m.got,
                           "also_set_in": config_files.who_sets(m.keyword, files, own, names)})
    return effective, report, unverified


def _format_mismatches(report: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for item in report:
        lines.append("%s %s:" % (item["where"], item["keyword"]))
        lines.append("  - wanted:    %s" % item["wanted"])
        lines.append("  + effective: %s" % item["effective"])
        for other in item.get("also_set_in") or []:
            lines.append("    (sshd reads it first from %s)" % other)
    return "\n".join(lines)


def guard_problems(run: host.Runner, params: Mapping[str, Any], validate_cfg: str, had_live: bool,
                   spec: Mapping[str, str], port: Optional[int], create: bool, files: Sequence[str],
                   skip: Sequence[str], work: fileio.Directory, warnings: List[str],
                   blocks: Sequence[Mapping[str, Any]] = ()) -> List[str]:
    """Every lockout rule of guard.py for the operator's connection, on the candidate."""
    # Imported here, not at the top: an unchanged run never reaches the guard, and the
    # target compiles every module it imports on every execution (AnsiballZ ships source).
    from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import guard, keys

    user = spec["user"]
    user_effective = host.dump_effective(run, validate_cfg, spec, create)
    keys_now = keys_then = None
    if had_live:
        keys_then = guard.authorized_keys_present(host.dump_effective(run, params["config_path"], spec, create), user)
        if keys_then:
            keys_now = guard.authorized_keys_present(user_effective, user)
    service = host.Service(run, params.get("service"))
    problems = guard.lockout_problems(
        user_effective, user, port, params["guard_auth"], host=spec["host"], addr=spec["addr"],
        key_files_present=keys_now if keys_then else None, laddr=spec.get("laddr"),
        check_listeners=not service.socket_activated(), jump_host=bool(params.get("guard_jump_host")))

    # The key this session authenticated with: from sshd's log, else the controller's key file.
    ssh_conn = (_ssh_connection_env() or "").split()
    key = None
    if params["guard_auth"] == "publickey" and had_live:
        key = guard.session_key(run, user, ssh_conn[0] if ssh_conn else None,
                                ssh_conn[1] if len(ssh_conn) > 1 else None,
                                host.dump_effective(run, params["config_path"], spec, create))
    if key is None and params.get("guard_key"):
        try:
            parsed = keys.parse_public_key(params["guard_key"], "guard_key")
            key = {"type": parsed.type_name, "bits": parsed.bits, "blob": parsed.plain_blob,
                   "text": parsed.text(), "fingerprint": parsed.fingerprint}
        except OpenSSHConfigError as exc:
            warnings.append("guard_key is not a public key (%s): the session key was not checked" % exc.message)
    revoked = None
    revoked_path = (user_effective.get("revokedkeys") or ["none"])[0]
    if revoked_path.lower() != "none":
        problem, revoked = guard.revoked_keys_check(run, revoked_path, key, work)
        if problem:
            problems.append(problem)
    problems += guard.key_problems(user_effective, key, revoked)
    problems += guard.referenced_file_problems(user_effective, user, user_effective.get("hostkey", []))
    problems += guard.include_problems(files, skip)
    problems += guard.account_problems(user_effective, user)
    problems += guard.chroot_problems(run, validate_cfg, blocks, create)
    return problems


def with_published_keys(settings: Dict[str, Any], host_keys: Sequence[str],
                        rotation: Mapping[str, Mapping[str, Any]]) -> None:
    """Make the HostKey list serve every key a rotation publishes (in place); withdraw stops a type.

    ``withdraw`` (for SSHFP with 8.7+ clients, which refuse a host when any
    record of the negotiated type mismatches) serves neither the current nor
    the new key of that type, so clients fall back to another type while the
    DNS record is replaced; ``retire`` then serves the new key.

    The list is the one the layers chose (a profile names its host keys) or,
    when none did, the standard files of ``host_keys``; each published
    ``ssh_host_<type>_key.next`` is added after it, so the current key stays
    the one sshd signs the key exchange with and the new one is announced to
    clients (UpdateHostKeys) beside it.
    """
    key = next((k for k in settings if str(k).lower() == "hostkey"), None)
    if key is None:
        key = "HostKey"
        settings[key] = [host.host_key_path(t) for t in host_keys]
    current = _as_list(settings[key])
    withdrawn = {host.host_key_path(t) for t, step in rotation.items() if step["phase"] == "withdraw"}
    published = [host.next_key_path(t) for t, step in sorted(rotation.items()) if step["phase"] == "publish"]
    settings[key] = [path for path in current if str(path) not in withdrawn] + [
        path for path in published if path not in current]


def apply(params: Mapping[str, Any], run: host.Runner, check_mode: bool = False,
          want_diff: bool = False) -> Dict[str, Any]:
    precheck(params)
    probe = ver.probe(run)
    version = probe["version"]
    warnings: List[str] = []
    result: Dict[str, Any] = {"changed": False, "version": version, "version_full": probe.get("version_full")}
    transaction = rollback.Transaction()
    if not check_mode:
        warnings += transaction.check_no_pending()
        for report in rollback.finished():
            warnings.append("an earlier run was not confirmed by a fresh login and was rolled back at %s: %s (%s)"
                            % (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(report.get("restored_at", 0))),
                               ", ".join(report.get("files", [])), report.get("service")))

    # 1. What to write: distribution base, profile, idle policy, contributions, operator.
    settings, layer_warnings, extras = layered_settings(params, probe, version)
    warnings += layer_warnings
    result["idle"] = extras
    rotation = host.check_rotation(params.get("host_key_rotation"))
    with_published_keys(settings, params["host_keys"], rotation)

    # 2. Host keys: every standard key a HostKey line names must exist before
    #    sshd -t can load the candidate.
    key_types = list(params["host_keys"])
    for path in _as_list(_setting(settings, "HostKey")):
        match = re.match(r"^/etc/ssh/ssh_host_(ed25519|rsa|ecdsa)_key\Z", str(path))
        if match and match.group(1) not in key_types:
            key_types.append(match.group(1))
    key_infos, key_warnings, key_actions = host.plan_host_keys(
        run, key_types, params["host_key_rsa_bits"], _remove_types(params["remove_host_keys"], version),
        rotation=rotation)
    keys_changed = bool(key_actions)
    warnings += key_warnings
    result["host_keys"] = key_infos

    blocks = list(params["match"] or []) + contributed(params.get("contributions"))[1]
    target = params["config_path"] if params["mode"] == "file" else params["dropin_path"]
    result["path"] = target
    text = render.render_config(
        "sshd", settings, [{"criteria": b["criteria"], "settings": b["settings"]} for b in blocks],
        version, params["header"], self_path=target, warnings=warnings)
    globals_text = None
    if any(name.lower() in CONNECTION_CRITERIA for block in blocks
           for name, _unused in render.criteria_pairs(block["criteria"], "match")):
        globals_text = render.render_config("sshd", settings, [], version, params["header"], self_path=target)
    if params["mode"] == "file" and params["include_dropins"]:
        text = _insert_include(text, params["dropin_dir"])
        if globals_text is not None:
            globals_text = _insert_include(globals_text, params["dropin_dir"])
    if params["mode"] == "dropin":
        if not config_files.main_includes(params["config_path"], target):
            raise OpenSSHConfigError(
                "%s does not Include %s: a drop-in there would never be read (use mode: file, or add "
                "'Include %s/*.conf' at the top of the main file)"
                % (params["config_path"], target, os.path.dirname(target)))
    new = text.encode("utf-8")
    live = fileio.read_file(target, owners=(0,))
    live_stat = fileio.file_stat(target)
    content_changed = live != new
    mode_wanted = fileio.kept_mode(live_stat.st_mode & 0o7777 if live_stat else None, int(params["config_mode"], 8))
    meta_changed = live_stat is not None and (
        (live_stat.st_mode & 0o7777) != mode_wanted or live_stat.st_uid != 0 or live_stat.st_gid != 0)
    result["mode"] = "%04o" % mode_wanted
    changed = content_changed or meta_changed or keys_changed
    if want_diff:
        result["diff"] = {"before": (live or b"").decode("utf-8", "replace"), "after": text,
                          "before_header": target, "after_header": target}

    # 3. Guard settings.
    ssh_conn = _ssh_connection_env()
    guard_user = params.get("guard_user")
    guard_addr = params.get("guard_address") or (ssh_conn.split()[0] if ssh_conn else None)
    guard_laddr = ssh_conn.split()[2] if ssh_conn and len(ssh_conn.split()) > 2 else None
    guard_port = params.get("guard_port")
    if ssh_conn and len(ssh_conn.split()) > 3:
        guard_port = int(ssh_conn.split()[3])  # the port the connection really arrived on wins
    result["guard"] = {"user": guard_user, "address": guard_addr, "local_address": guard_laddr,
                       "port": guard_port, "auth": params["guard_auth"],
                       "checked": bool(params["guard"] and guard_user and content_changed)}
    if params["guard"] and not guard_user:
        result["guard"]["skipped"] = "no guard_user: Ansible does not connect over SSH here"

    work = fileio.PrivateDirectory(prefix="sshsuite-sshd-")
    try:
        # 4. Host keys first (sshd -t loads them), recorded so a failure below takes them back.
        if key_actions and not check_mode:
            host.apply_host_keys(run, key_actions, params["host_key_rsa_bits"], key_infos, transaction)

        # 5. Validate the combination sshd will read: the candidate stands, in a
        #    directory only root can change, where the live file will be.
        if content_changed:
            work.write("candidate", new, mode=0o600)
            replace = {target: work.file_path("candidate")}
        else:
            replace = {}
        if params["mode"] == "file":
            validate_cfg = replace.get(target, target)
        else:
            validate_cfg = config_files.validation_main(params["config_path"], replace, work)
        files = config_files.files_read(validate_cfg)
        names = {validate_cfg: params["config_path"], replace.get(target, target): target}
        global_cfg = None
        if globals_text is not None:
            work.write("globals", globals_text.encode("utf-8"), mode=0o600)
            global_cfg = work.file_path("globals")
            if params["mode"] == "dropin":
                global_cfg = config_files.validation_main(params["config_path"], {target: global_cfg}, work,
                                                          "globals.validate")

        skip_validation = check_mode and keys_changed
        if content_changed and not skip_validation:
            try:
                ok, message = host.sshd_test(run, validate_cfg, create=not check_mode)
            except host.PrivsepMissing as exc:
                warnings.append("check mode: the candidate could not be validated: %s" % exc)
                skip_validation = True
            else:
                if not ok:
                    raise OpenSSHConfigError("sshd -t rejected the new configuration, nothing was changed:\n%s"
                                             % message)
        if skip_validation:
            if keys_changed:
                warnings.append("check mode: host keys are missing, so the candidate could not be validated")
            result.update(changed=changed, warnings=warnings, effective={}, mismatches=[],
                          service_action="none (check mode)")
            return result

        effective, report, unverified = _check_effective(
            run, validate_cfg, settings, blocks, version, guard_user, files, replace.get(target, target), names,
            not check_mode, global_cfg)
        result["effective"] = effective
        result["mismatches"] = report
        if unverified:
            result["unverified_match_blocks"] = unverified
        if report:
            raise OpenSSHConfigError(
                "sshd would not use these requested values%s:\n%s"
                % ("" if content_changed else " (the live files changed behind the managed one)",
                   _format_mismatches(report)))

        # 6. Lockout guard, on the configuration as it would apply to the operator.
        if result["guard"]["checked"]:
            spec = {"user": guard_user, "host": guard_addr or "localhost",
                    "addr": guard_addr or "127.0.0.1", "laddr": guard_laddr or "127.0.0.1",
                    "lport": str(guard_port or 22)}
            problems = guard_problems(run, params, validate_cfg, live is not None, spec, guard_port,
                                      not check_mode, files, list(replace.values()) + [validate_cfg], work,
                                      warnings, blocks)
            result["guard"]["problems"] = problems
            if problems:
                raise OpenSSHConfigError(
                    "refusing to apply: %s could no longer log in (%s):\n%s\nFix the settings, or set "
                    "sshd_lockout_guard: false if this is really intended."
                    % (guard_user, eff.connection_spec(**spec),
                       "\n".join("  - " + p for p in problems)))

        # The shell-level idle fallback (8.4 cannot end an idle session itself).
        fallback = (extras or {}).get("profile_d")
        fallback_data = None
        if fallback:
            fallback_data = fallback["content"].encode("utf-8")
            if fileio.read_file(fallback["path"]) == fallback_data:
                fallback_data = None
            else:
                changed = True

        result["changed"] = changed
        result["service_action"] = "none"
        if check_mode or not changed:
            result["warnings"] = warnings
            return result

        # 7. Install: every file recorded in the transaction first.
        previous_effective = host.dump_effective(run, params["config_path"]) if live is not None else None
        if fallback_data is not None:
            transaction.snapshot(fallback["path"])
            fileio.write_file(fallback["path"], fallback_data, 0, 0, 0o644)
        transaction.snapshot(target)
        if content_changed:
            backup_file = fileio.write_file(target, new, 0, 0, mode_wanted, backup=live is not None,
                                            create_dirs=True)
            if backup_file:
                result["backup_file"] = backup_file
        else:
            fileio.set_metadata(target, 0, 0, mode_wanted)
        if not content_changed or not params["reload"]:
            result["warnings"] = warnings
            return result

        # 8. Arm the automatic rollback before the reload, so that even a module or a
        #    controller that dies during the reload leaves a host that restores itself;
        #    then reload, check that sshd serves, and undo at once if it does not.
        service = host.Service(run, params.get("service"))
        transaction.service = service.describe()
        if params.get("confirm_timeout"):
            result["confirmation"] = transaction.arm(int(params["confirm_timeout"]))
        else:
            result["confirmation"] = {"armed": False}
        listeners_changed = (previous_effective is None or
                             host.listen_endpoints(previous_effective) != host.listen_endpoints(effective))
        try:
            ok, action, message = service.reload(listeners_changed)
            result["service_action"] = action
            serving, missing = (False, [])
            if ok:
                serving, missing = host.wait_serving(service.endpoints(effective), params["serve_timeout"])
            if not ok or not serving or not service.active():
                reason = ("%s failed: %s" % (action, message)) if not ok else (
                    "sshd does not answer on %s after %s" % (", ".join(missing) or "its addresses", action))
                _undo(transaction, service, previous_effective, params["serve_timeout"], result, reason)
            live_effective, report, _unused = _check_effective(
                run, params["config_path"], settings, blocks, version, guard_user,
                config_files.files_read(params["config_path"]), target, global_config=global_cfg)
        except ApplyFailed:
            raise
        except BaseException as exc:
            _undo(transaction, service, previous_effective, params["serve_timeout"], result,
                  "the check after the reload failed (%s)" % exc)
        result["effective"] = live_effective
        if report:
            warnings.append("after reload sshd reports values other than requested:\n" + _format_mismatches(report))
        result["warnings"] = warnings
        return result
    except ApplyFailed:
        raise
    except BaseException:
        if not check_mode and transaction.entries:
            transaction.undo()
        raise
    finally:
        work.close()


def _undo(transaction, service, previous_effective, timeout, result, reason):
    """Put every changed file back, make sshd serve it again, cancel the armed rollback, fail with the reason."""
    errors = transaction.undo()
    transaction.disarm()
    result.pop("confirmation", None)
    ok, message = service.restart()
    serving = False
    if previous_effective is not None:
        serving, _unused = host.wait_serving(service.endpoints(previous_effective), timeout)
    else:
        serving = service.active()
    result.update(rolled_back=True, serving_after_rollback=serving)
    raise ApplyFailed(
        "%s. The previous configuration was restored%s; sshd is %s."
        % (reason, (" except: " + "; ".join(errors)) if errors else "",
           "serving again" if serving else "NOT serving: check the host console (%s)" % message),
        **result)
