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
import shutil
import tempfile
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    catalogue,
    effective as eff,
    keepalive,
    profiles,
    render,
    sshd_host as host,
    values,
    version as ver,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import check_managed_path, check_text
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
    host_keys=dict(type="list", elements="str", default=["ed25519", "rsa"]),
    host_key_rsa_bits=dict(type="int", default=3072),
    remove_host_keys=dict(type="list", elements="str", default=["auto"]),
    guard=dict(type="bool", default=True),
    guard_user=dict(type="str"),
    guard_port=dict(type="int"),
    guard_address=dict(type="str"),
    guard_auth=dict(type="str", choices=["publickey", "password"], default="publickey"),
    reload=dict(type="bool", default=True),
    serve_timeout=dict(type="float", default=10.0),
    service=dict(type="str"),
)

CONNECTION_KEYS = ("user", "host", "addr", "laddr", "lport", "rdomain")



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
    for name in ("guard_user", "guard_address", "service"):
        if params.get(name):
            try:
                check_text(str(params[name]), name)
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
    for _ in range(12):
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
    spec = {"user": default_user, "host": "localhost", "addr": "127.0.0.1",
            "laddr": "127.0.0.1", "lport": "22"}
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
    """Later layers override earlier ones, keyword by keyword, whatever the case of the name."""
    merged: Dict[str, Any] = {}
    names: Dict[str, str] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            key = str(name).lower()
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
    extra, _ = contributed(params.get("contributions"))
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


def _who_sets(keyword: str, files: Sequence[str], own: str) -> List[str]:
    """file:line of other files that set ``keyword`` (to explain a first-value-wins conflict)."""
    found = []
    pattern = re.compile(r"^\s*%s(\s|=)" % re.escape(keyword), re.IGNORECASE)
    for path in files:
        if path == own:
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                for number, line in enumerate(handle, 1):
                    if pattern.match(line):
                        found.append("%s:%d: %s" % (path, number, line.strip()))
        except OSError:
            continue
    return found


def _insert_include(text: str, dropin_dir: str) -> str:
    """Put the drop-in Include after the managed global keywords, before the Match blocks.

    sshd keeps the first value it reads, so managed values win over drop-ins
    for the keywords set here, and drop-ins still apply to everything else.
    """
    include = "Include %s/*.conf" % dropin_dir.rstrip("/")
    lines = text.splitlines()
    position = next((i for i, line in enumerate(lines) if line.startswith("Match ")), len(lines))
    block = ["# Drop-ins fill in what this file does not set.", include, ""]
    if position and lines[position - 1].strip():
        block.insert(0, "")
    lines[position:position] = block
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n"


def _dump(run: host.Runner, config: str, spec: Optional[Mapping[str, str]] = None) -> Dict[str, List[str]]:
    text_spec = eff.connection_spec(**spec) if spec else None
    rc, out, err = host.sshd_dump(run, config, text_spec)
    if rc != 0:
        raise OpenSSHConfigError("sshd -T -f %s%s failed: %s"
                                 % (config, (" -C " + text_spec) if text_spec else "", (err or out).strip()))
    return eff.parse_dump(out)


def _check_effective(run, config, settings, blocks, version, guard_user, files, own):
    """Compare requested with effective values, globally and per Match block."""
    effective = _dump(run, config)
    report: List[Dict[str, Any]] = []
    unverified: List[str] = []
    for m in eff.compare("sshd", settings, effective, version):
        report.append({"where": "global", "keyword": m.keyword, "wanted": m.wanted, "effective": m.got,
                       "also_set_in": _who_sets(m.keyword, files, own)})
    for index, block in enumerate(blocks):
        spec = block.get("connection")
        reason = ""
        if not spec:
            spec, reason = derive_connection(block["criteria"], guard_user or "root")
        if spec is None:
            unverified.append("match[%d]: %s" % (index, reason))
            continue
        block_effective = _dump(run, config, {k: str(v) for k, v in spec.items() if k in CONNECTION_KEYS})
        for m in eff.compare("sshd", block["settings"], block_effective, version):
            report.append({"where": "match[%d] (%s)" % (index, eff.connection_spec(**spec)),
                           "keyword": m.keyword, "wanted": m.wanted, "effective": m.got,
                           "also_set_in": _who_sets(m.keyword, files, own)})
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


def apply(params: Mapping[str, Any], run: host.Runner, check_mode: bool = False,
          want_diff: bool = False, backup: Optional[Callable[[str], str]] = None) -> Dict[str, Any]:
    precheck(params)
    probe = ver.probe(run)
    version = probe["version"]
    warnings: List[str] = []
    result: Dict[str, Any] = {"changed": False, "version": version, "version_full": probe.get("version_full")}

    # 1. What to write: distribution base, profile, idle policy, operator.
    settings, layer_warnings, extras = layered_settings(params, probe, version)
    warnings += layer_warnings
    result["idle"] = extras
    if not any(str(k).lower() == "hostkey" for k in settings):
        settings["HostKey"] = [host.host_key_path(t) for t in params["host_keys"]]

    # 2. Host keys: every standard key a HostKey line names must exist before
    #    sshd -t can load the candidate.
    key_types = list(params["host_keys"])
    for path in _as_list(_setting(settings, "HostKey")):
        match = re.match(r"^/etc/ssh/ssh_host_(ed25519|rsa|ecdsa)_key\Z", str(path))
        if match and match.group(1) not in key_types:
            key_types.append(match.group(1))
    keys, key_warnings, keys_changed = host.ensure_host_keys(
        run, key_types, params["host_key_rsa_bits"],
        _remove_types(params["remove_host_keys"], version), check_mode)
    warnings += key_warnings
    result["host_keys"] = keys

    blocks = list(params["match"] or []) + contributed(params.get("contributions"))[1]
    target = params["config_path"] if params["mode"] == "file" else params["dropin_path"]
    result["path"] = target
    text = render.render_config(
        "sshd", settings, [{"criteria": b["criteria"], "settings": b["settings"]} for b in blocks],
        version, params["header"], self_path=target, warnings=warnings)
    if params["mode"] == "file" and params["include_dropins"]:
        text = _insert_include(text, params["dropin_dir"])
    if params["mode"] == "dropin":
        if not host.main_includes(params["config_path"], target):
            raise OpenSSHConfigError(
                "%s does not Include %s: a drop-in there would never be read (use mode: file, or add "
                "'Include %s/*.conf' at the top of the main file)"
                % (params["config_path"], target, os.path.dirname(target)))
    new = text.encode("utf-8")
    live = host.read_bytes(target)
    content_changed = live != new
    mode_wanted = 0o644
    meta_changed = False
    if live is not None:
        st = os.stat(target)
        meta_changed = (st.st_mode & 0o7777) != mode_wanted or st.st_uid != 0 or st.st_gid != 0
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
    if guard_port is None and ssh_conn and len(ssh_conn.split()) > 3:
        guard_port = int(ssh_conn.split()[3])
    result["guard"] = {"user": guard_user, "address": guard_addr, "port": guard_port,
                       "auth": params["guard_auth"],
                       "checked": bool(params["guard"] and guard_user and content_changed)}
    if params["guard"] and not guard_user:
        result["guard"]["skipped"] = "no guard_user: Ansible does not connect over SSH here"

    workdir = tempfile.mkdtemp(prefix="sshsuite-sshd-")
    candidate = None
    try:
        # 4. Validate the combination sshd will read.
        if content_changed:
            if check_mode:
                candidate = os.path.join(workdir, os.path.basename(target))
            else:
                os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
                candidate = target + host.SSHD_CANDIDATE_SUFFIX
            host.write_candidate(candidate, new, mode_wanted)
            replace = {target: candidate}
        else:
            replace = {}
        if params["mode"] == "file":
            validate_cfg = replace.get(target, target)
        else:
            validate_cfg = host.validation_main(params["config_path"], replace, workdir)
        files = host.files_read(validate_cfg)

        if content_changed and not (check_mode and keys_changed):
            ok, message = host.sshd_test(run, validate_cfg)
            if not ok:
                raise OpenSSHConfigError("sshd -t rejected the new configuration, nothing was changed:\n%s" % message)
        if check_mode and keys_changed:
            warnings.append("check mode: host keys are missing, so the candidate could not be validated")
            result.update(changed=changed, warnings=warnings, effective={}, mismatches=[],
                          service_action="none (check mode)")
            return result

        effective, report, unverified = _check_effective(
            run, validate_cfg, settings, blocks, version, guard_user, files, candidate or target)
        result["effective"] = effective
        result["mismatches"] = report
        if unverified:
            result["unverified_match_blocks"] = unverified
        if report:
            raise OpenSSHConfigError(
                "sshd would not use these requested values%s:\n%s"
                % ("" if content_changed else " (the live files changed behind the managed one)",
                   _format_mismatches(report)))

        # 5. Lockout guard, on the configuration as it would apply to the operator.
        if result["guard"]["checked"]:
            spec = {"user": guard_user, "host": guard_addr or "localhost",
                    "addr": guard_addr or "127.0.0.1", "laddr": guard_laddr or "127.0.0.1",
                    "lport": str(guard_port or 22)}
            user_effective = _dump(run, validate_cfg, spec)
            # A key file is only a lockout when the new AuthorizedKeysFile loses
            # one the user has now (certificates and password users need none).
            keys_now = keys_then = None
            if live is not None:
                live_cfg = params["config_path"]
                keys_then = host.authorized_keys_present(_dump(run, live_cfg, spec), guard_user)
                if keys_then:
                    keys_now = host.authorized_keys_present(user_effective, guard_user)
            problems = host.lockout_problems(
                user_effective, guard_user, guard_port, params["guard_auth"],
                host=spec["host"], addr=spec["addr"],
                key_files_present=keys_now if keys_then else None)
            result["guard"]["problems"] = problems
            if problems:
                raise OpenSSHConfigError(
                    "refusing to apply: %s could no longer log in (%s):\n%s\nFix the settings, or set "
                    "sshd_lockout_guard: false if this is really intended."
                    % (guard_user, eff.connection_spec(**spec),
                       "\n".join("  - " + p for p in problems)))

        # The shell-level idle fallback (8.4 cannot end an idle session itself).
        fallback = (extras or {}).get("profile_d")
        if fallback:
            data = fallback["content"].encode("utf-8")
            if host.read_bytes(fallback["path"]) != data:
                changed = True
                if not check_mode:
                    tmp = fallback["path"] + host.SSHD_CANDIDATE_SUFFIX
                    host.write_candidate(tmp, data, 0o644)
                    host.install(tmp, fallback["path"])

        result["changed"] = changed
        result["service_action"] = "none"
        if check_mode or not changed:
            result["warnings"] = warnings
            return result

        # 6. Install: metadata, or the candidate atomically with a backup.
        previous_effective = None
        if content_changed:
            if live is not None:
                previous_effective = _dump(run, params["config_path"])
                if backup is not None:
                    result["backup_file"] = backup(target)
            host.install(candidate, target)
            candidate = None
        else:
            os.chown(target, 0, 0)
            os.chmod(target, mode_wanted)
        if not content_changed or not params["reload"]:
            result["warnings"] = warnings
            return result

        # 7. Reload, check that sshd serves, roll back if it does not.
        service = host.Service(run, params.get("service"))
        listeners_changed = (previous_effective is None or
                             host.listen_endpoints(previous_effective) != host.listen_endpoints(effective))
        ok, action, message = service.reload(listeners_changed)
        result["service_action"] = action
        serving, missing = (False, [])
        if ok:
            serving, missing = host.wait_serving(service.endpoints(effective), params["serve_timeout"])
        if not ok or not serving or not service.active():
            reason = ("%s failed: %s" % (action, message)) if not ok else (
                "sshd does not answer on %s after %s" % (", ".join(missing) or "its addresses", action))
            _rollback(run, service, target, result.get("backup_file"), previous_effective,
                      params["serve_timeout"], result, reason)
        live_effective, report, _ = _check_effective(
            run, params["config_path"], settings, blocks, version, guard_user,
            host.files_read(params["config_path"]), target)
        result["effective"] = live_effective
        if report:
            warnings.append("after reload sshd reports values other than requested:\n" + _format_mismatches(report))
        result["warnings"] = warnings
        return result
    finally:
        if candidate and os.path.exists(candidate):
            os.unlink(candidate)
        shutil.rmtree(workdir, ignore_errors=True)


def _rollback(run, service, target, backup_file, previous_effective, timeout, result, reason):
    """Put the previous file back, make sshd serve it again, and fail with the reason."""
    if backup_file and os.path.exists(backup_file):
        restore = target + host.SSHD_CANDIDATE_SUFFIX
        shutil.copy2(backup_file, restore)
        host.install(restore, target)
    elif os.path.exists(target):
        os.unlink(target)
    ok, message = service.restart()
    serving = False
    if previous_effective is not None:
        serving, _ = host.wait_serving(service.endpoints(previous_effective), timeout)
    else:
        serving = service.active()
    result.update(rolled_back=True, serving_after_rollback=serving)
    raise ApplyFailed(
        "%s. The previous configuration was restored%s; sshd is %s."
        % (reason, " from %s" % backup_file if backup_file else "",
           "serving again" if serving else "NOT serving: check the host console (%s)" % message),
        **result)
