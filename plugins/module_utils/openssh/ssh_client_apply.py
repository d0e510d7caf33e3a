# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ssh_config module's logic: client configuration and known hosts in one pass.

``precheck(params)`` runs on the controller (action plugin) and needs no host:
keywords, values, Host/Match blocks, users, known_hosts entries and profile
options are checked before anything is sent.

``apply(params, run, ...)`` runs on the host, in one module execution:

1. probe the client (``ssh -V`` and the ``ssh -Q`` lists, one process);
2. compose the system-wide text: the operator's global keywords and blocks,
   then a final ``Host *`` block with the profile (client_profiles.py) and
   the keepalive policy (keepalive.idle_policy, daemon "ssh"); the operator's
   own keywords always win over the profile's;
3. render it with render.py for the client's version (file mode: the whole
   /etc/ssh/ssh_config, with the drop-in directory read last; dropin mode: one
   file in /etc/ssh/ssh_config.d, which the main file must Include);
4. render each named user's ~/.ssh/config (whole file, or a marked section at
   the top that leaves the user's own lines alone);
5. build the global known_hosts file (known_hosts.py);
6. validate every candidate with the client itself: ``ssh -G -F candidate``
   for representative destinations (see ``validate_config``), run as the user
   for per-user files, and ``ssh-keygen -l`` on the known_hosts candidate;
   any difference between what was asked for and what ``ssh -G`` reports is
   an error and nothing is written;
7. install what changed atomically (system files with a backup), with the
   right owner and mode: 0644 root for system files, 0700 ~/.ssh and 0600
   config owned by the user.

How ``ssh -G`` is read: for the validation copy only, every managed block
gets one extra ``SendEnv SSHSUITE_..._BLOCK_<n>`` line. SendEnv adds up and
``ssh -G`` prints it, so each dump says exactly which blocks applied to that
destination; the values ssh must then report are the first value of each
keyword across the global keywords and the applying blocks, in the order ssh
reads them (blocks that need the final pass, ``Match canonical``/``final``,
after the others). The installed file never holds these lines.
"""

from __future__ import annotations

import fnmatch
import os
import pwd
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    catalogue,
    client_profiles,
    config_files,
    effective as eff,
    fileio,
    keepalive,
    keygen,
    known_hosts as kh,
    render,
    values,
    version as ver,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import check_managed_path, split_lines
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
    Problems,
)

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]

DEFAULT_HEADER = "Managed by Ansible (sshsuite.openssh.ssh_client). Local changes will be overwritten."
SECTION_BEGIN = "# BEGIN sshsuite.openssh managed section (Ansible rewrites everything up to END)"
SECTION_END = "# END sshsuite.openssh managed section"
DEFAULT_DESTINATION = "sshsuite-check.invalid"
CANDIDATE_SUFFIX = ".sshsuite-candidate"
SYSTEM_MARKER = "SSHSUITE_SYSTEM_BLOCK_"
USER_MARKER = "SSHSUITE_USER_BLOCK_"
BLOCK_KEYS = frozenset({"host", "match", "settings", "destinations"})

ARGUMENT_SPEC: Dict[str, Any] = dict(
    settings=dict(type="dict", default={}),
    blocks=dict(type="list", elements="dict", default=[]),
    profile=dict(type="str", choices=list(client_profiles.CLIENT_PROFILES), default="none"),
    profile_options=dict(type="dict", default={}),
    dead_peer_timeout=dict(type="raw"),
    mode=dict(type="str", choices=["file", "dropin", "none"], default="file"),
    config_path=dict(type="path", default="/etc/ssh/ssh_config"),
    dropin_path=dict(type="path", default="/etc/ssh/ssh_config.d/00-sshsuite.conf"),
    dropin_dir=dict(type="path", default="/etc/ssh/ssh_config.d"),
    include_dropins=dict(type="bool", default=True),
    header=dict(type="str", default=DEFAULT_HEADER),
    users=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        settings=dict(type="dict", default={}),
        blocks=dict(type="list", elements="dict", default=[]),
        manage=dict(type="str", choices=["section", "file"], default="section"),
        destinations=dict(type="list", elements="str", default=[]),
    )),
    known_hosts=dict(type="dict", options=dict(
        path=dict(type="path", default="/etc/ssh/ssh_known_hosts"),
        entries=dict(type="list", elements="dict", default=[]),
        exclusive=dict(type="bool", default=False),
        hash=dict(type="bool", default=False),
    )),
    destinations=dict(type="list", elements="str", default=[DEFAULT_DESTINATION]),
    validate=dict(type="bool", default=True),
    backup=dict(type="bool", default=True),
    allow_any_path=dict(type="bool", default=False),
)

#: where ssh reads its system-wide files; managed paths stay inside unless allowed.
CONFIG_ROOT = "/etc/ssh"
SYSTEM_MODE = 0o644
USER_DIR_MODE = 0o700
USER_FILE_MODE = 0o600

_DESTINATION_RE = re.compile(r"^(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?[A-Za-z0-9._:%\[\]-]+\Z")
_USER_RE = re.compile(r"^[a-z_][a-z0-9_.-]*[$]?\Z", re.IGNORECASE)


# ---------------------------------------------------------------------------
# Controller side
# ---------------------------------------------------------------------------


def check_destination(text: Any, where: str) -> str:
    """``host`` or ``user@host``: no spaces, no leading '-', nothing a shell or ssh would re-read."""
    if not isinstance(text, str):
        raise OpenSSHConfigError(f"a destination is a string (host or user@host), got {type(text).__name__}",
                                 where)
    values.check_text(text, where, "destination")
    if not text or text.startswith("-") or not _DESTINATION_RE.match(text):
        raise OpenSSHConfigError(f"{text!r} is not a destination (host or user@host; letters, digits, "
                                 ". - _ : and [ ] only)", where)
    return text


def _split_blocks(blocks: Any, where: str, problems: Problems) -> Tuple[List[Dict[str, Any]], List[List[str]]]:
    """Blocks as render.py takes them (host|match + settings) and each block's own destinations."""
    plain: List[Dict[str, Any]] = []
    destinations: List[List[str]] = []
    if blocks is None:
        return plain, destinations
    if not isinstance(blocks, (list, tuple)):
        problems.add(f"expected a list of blocks, got {type(blocks).__name__}", where)
        return plain, destinations
    for index, block in enumerate(blocks):
        here = f"{where}[{index}]"
        if not isinstance(block, Mapping):
            problems.add(f"a block is a mapping (host or match, settings), got {type(block).__name__}", here)
            plain.append({"host": "*", "settings": {}})
            destinations.append([])
            continue
        unknown = sorted(str(k) for k in block if k not in BLOCK_KEYS)
        if unknown:
            problems.add(f"unknown block key(s) {', '.join(unknown)}; expected host or match, settings, "
                         "destinations", here)
        dests: List[str] = []
        for position, item in enumerate(block.get("destinations") or []):
            try:
                dests.append(check_destination(item, f"{here}.destinations[{position}]"))
            except OpenSSHConfigError as error:
                problems.append(error)
        plain.append({k: v for k, v in block.items() if k in ("host", "match", "settings")})
        destinations.append(dests)
    return plain, destinations


#: server keywords people write into ssh_config, and the client keyword they meant.
CLIENT_NAME_OF = {
    "x11forwarding": "ForwardX11",
    "allowagentforwarding": "ForwardAgent",
    "clientaliveinterval": "ServerAliveInterval",
    "clientalivecountmax": "ServerAliveCountMax",
    "hostkey": "IdentityFile (the client's own keys) or HostKeyAlgorithms",
}


def _server_keywords(settings: Any, where: str, problems: Problems) -> Dict[str, Any]:
    """Take out sshd_config keywords that ssh_config lacks, with a precise message each."""
    if not isinstance(settings, Mapping):
        return settings
    kept = {}
    client_keywords = catalogue.keywords("ssh")
    for name, value in settings.items():
        if isinstance(name, str) and name.lower() not in client_keywords:
            try:
                server = catalogue.lookup("sshd", name)
            except OpenSSHConfigError:
                server = None
            if server is not None:
                meant = CLIENT_NAME_OF.get(server.name.lower())
                problems.add("%s is an sshd_config keyword, not an ssh_config one%s"
                             % (server.name, "; the client's is %s" % meant if meant else ""),
                             "%s.%s" % (where, name))
                continue
        kept[name] = value
    return kept


def _check_render(settings: Any, blocks: List[Dict[str, Any]], where_settings: str, where_blocks: str,
                  problems: Problems, version: Optional[str] = None) -> None:
    settings = _server_keywords(settings or {}, where_settings, problems)
    blocks = [dict(block, settings=_server_keywords(block.get("settings"), "%s[%d].settings" % (where_blocks, i),
                                                    problems)) if isinstance(block, Mapping) else block
              for i, block in enumerate(blocks)]
    try:
        render.render_config("ssh", settings, blocks, version, "", settings_where=where_settings,
                             blocks_where=where_blocks)
    except OpenSSHConfigError as error:
        problems.append(error)


def precheck(params: Mapping[str, Any]) -> None:
    """Check everything that does not depend on the host; raise listing every problem.

    Keywords and blocks go through render_config for no particular release
    (the function the host renders with, minus the per-version checks); the
    host renders them again for its own version (a keyword too new for it is
    reported there, still before anything is written).
    """
    problems = Problems()
    try:
        client_profiles.check_profile(params.get("profile") or "none")
        client_profiles.check_options(params.get("profile_options"))
    except OpenSSHConfigError as error:
        problems.append(error)
    if params.get("dead_peer_timeout") not in (None, ""):
        try:
            values.parse_duration(params["dead_peer_timeout"], "dead_peer_timeout")
        except OpenSSHConfigError as error:
            problems.append(error)
    blocks, _unused = _split_blocks(params.get("blocks"), "blocks", problems)
    if params.get("mode", "file") != "none":
        _check_render(params.get("settings"), blocks, "settings", "blocks", problems)
    header = params.get("header") or ""
    try:
        values.check_text(header.replace("\n", " "), "header", "header")
    except OpenSSHConfigError as error:
        problems.append(error)
    names = set()
    for index, user in enumerate(params.get("users") or []):
        here = f"users[{index}]"
        if not isinstance(user, Mapping):
            problems.add("a user entry is a mapping with name, settings, blocks", here)
            continue
        name = user.get("name")
        if not isinstance(name, str) or not _USER_RE.match(name):
            problems.add(f"{name!r} is not a user name", f"{here}.name")
            continue
        if name in names:
            problems.add(f"user {name} is listed twice", f"{here}.name")
        names.add(name)
        user_blocks, _unused = _split_blocks(user.get("blocks"), f"{here}.blocks", problems)
        if not user.get("settings") and not user_blocks:
            problems.add("nothing to manage: give settings or blocks", here)
            continue
        _check_render(user.get("settings"), user_blocks, f"{here}.settings", f"{here}.blocks", problems)
        for position, item in enumerate(user.get("destinations") or []):
            try:
                check_destination(item, f"{here}.destinations[{position}]")
            except OpenSSHConfigError as error:
                problems.append(error)
    for position, item in enumerate(params.get("destinations") or []):
        try:
            check_destination(item, f"destinations[{position}]")
        except OpenSSHConfigError as error:
            problems.append(error)
    known = params.get("known_hosts")
    if known:
        try:
            kh.entries_from_data(known.get("entries"), "known_hosts.entries")
        except OpenSSHConfigError as error:
            problems.append(error)
    paths = [(name, params.get(name)) for name in ("config_path", "dropin_path", "dropin_dir")]
    if known:
        paths.append(("known_hosts.path", known.get("path")))
    for where, path in paths:
        if path not in (None, ""):
            try:
                check_managed_path(path, where, CONFIG_ROOT, bool(params.get("allow_any_path")))
            except OpenSSHConfigError as error:
                problems.append(error)
    problems.raise_if_any()


# ---------------------------------------------------------------------------
# Composing the system-wide file
# ---------------------------------------------------------------------------


def _canonical(name: str, version: str) -> str:
    try:
        return catalogue.resolve("ssh", name, version).name
    except OpenSSHConfigError:
        return str(name).lower()


def _is_host_star(block: Mapping[str, Any]) -> bool:
    host = block.get("host")
    if isinstance(host, str):
        return host.split() == ["*"]
    return isinstance(host, (list, tuple)) and list(host) == ["*"]


def compose(settings: Mapping[str, Any], blocks: Sequence[Mapping[str, Any]], defaults: Mapping[str, Any],
            version: str) -> Tuple[Dict[str, Any], List[Dict[str, Any]], List[str]]:
    """The operator's data plus the profile/keepalive ``defaults`` in a final ``Host *`` block.

    A default the operator sets globally is dropped (the global value wins
    anyway, and render.py refuses the pair). When the operator's last block
    is already ``Host *`` the defaults join it, the operator's values
    winning. Returns (settings, blocks, labels): labels name each block in
    reports ("blocks[0]", ..., "defaults").
    """
    blocks = [dict(b) for b in blocks]
    labels = [f"blocks[{i}]" for i in range(len(blocks))]
    if not defaults:
        return dict(settings), blocks, labels
    taken = {_canonical(name, version) for name, value in settings.items() if value is not None}
    remaining = {name: value for name, value in defaults.items() if _canonical(name, version) not in taken}
    if not remaining:
        return dict(settings), blocks, labels
    if blocks and _is_host_star(blocks[-1]):
        own = dict(blocks[-1].get("settings") or {})
        own_names = {_canonical(name, version) for name in own}
        merged = {name: value for name, value in remaining.items() if _canonical(name, version) not in own_names}
        merged.update(own)
        blocks[-1] = dict(blocks[-1], settings=merged)
        labels[-1] = f"blocks[{len(blocks) - 1}] + defaults"
    else:
        blocks.append({"host": "*", "settings": remaining})
        labels.append("defaults")
    return dict(settings), blocks, labels


def defaults_for(params: Mapping[str, Any], probe: Mapping[str, Any], version: str,
                 warnings: List[str]) -> Dict[str, Any]:
    """Profile settings plus ServerAlive* from dead_peer_timeout."""
    defaults, profile_warnings = client_profiles.client_profile_settings(
        params.get("profile") or "none", probe, version, params.get("profile_options"))
    warnings.extend(profile_warnings)
    dead = params.get("dead_peer_timeout")
    if dead not in (None, ""):
        alive, alive_warnings, _unused = keepalive.idle_policy(None, dead, version, daemon="ssh")
        warnings.extend(alive_warnings)
        defaults.update(alive)
    return defaults


def _append_include(text: str, dropin_dir: str, has_blocks: bool) -> str:
    """Read the drop-ins after everything managed, so managed values win and drop-ins fill in.

    After a Host/Match block an Include would only apply to that block's
    hosts: ``Match all`` first makes it unconditional again.
    """
    lines = ["", "# Drop-ins fill in what this file does not set."]
    if has_blocks:
        lines.append("Match all")
    lines.append("Include %s/*.conf" % dropin_dir.rstrip("/"))
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def with_markers(blocks: Sequence[Mapping[str, Any]], prefix: str) -> List[Dict[str, Any]]:
    """The blocks with one ``SendEnv <prefix><n>`` each (validation copy only)."""
    out = []
    for index, block in enumerate(blocks):
        settings = dict(block.get("settings") or {})
        marker = f"{prefix}{index}"
        for name in list(settings):
            if str(name).lower() == "sendenv":
                value = settings.pop(name)
                if isinstance(value, (list, tuple)):
                    items = list(value)
                elif value is None:
                    items = []
                else:
                    items = str(value).split()
                settings[name] = items + [marker]
                break
        else:
            settings["SendEnv"] = [marker]
        out.append(dict(block, settings=settings))
    return out


def _markers_removable(settings_list: Sequence[Mapping[str, Any]], prefix: str) -> bool:
    """True when the data holds a ``SendEnv -pattern`` that would remove our markers."""
    for settings in settings_list:
        for name, value in (settings or {}).items():
            if str(name).lower() != "sendenv" or value is None:
                continue
            items = value if isinstance(value, (list, tuple)) else str(value).split()
            for item in items:
                text = str(item)
                if text.startswith("-") and fnmatch.fnmatchcase(prefix + "0", text[1:]):
                    return True
    return False


# ---------------------------------------------------------------------------
# Validation with ssh -G
# ---------------------------------------------------------------------------


def _literal_from(patterns: Sequence[str]) -> Optional[str]:
    """A host name that the pattern list matches: the first positive pattern with its
    wildcards filled in, unless a negation in the list excludes it."""
    negations = [p[1:] for p in patterns if p.startswith("!")]
    for pattern in patterns:
        if pattern.startswith("!") or pattern in ("*", "?"):
            continue
        candidate = pattern.replace("*", "x").replace("?", "x")
        if not any(fnmatch.fnmatchcase(candidate, n) for n in negations):
            return candidate
    return None


def _patterns(value: Any) -> List[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if value is None:
        return []
    return [p for p in str(value).replace(",", " ").split() if p]


def _criteria(block: Mapping[str, Any]) -> List[Tuple[str, Any]]:
    match = block.get("match")
    if isinstance(match, (Mapping, str)):
        return render.criteria_pairs(match, "match")
    return []


def derive_destination(block: Mapping[str, Any]) -> Optional[str]:
    """A destination the block probably applies to, or None (ssh -G says for sure)."""
    if "host" in block:
        host = block["host"]
        return _literal_from(host.split() if isinstance(host, str) else [str(h) for h in host])
    host = user = None
    for name, argument in _criteria(block):
        lower = name.lower()
        if lower in ("host", "originalhost"):
            host = _literal_from(_patterns(argument))
            if host is None:
                return None
        elif lower == "user":
            user = _literal_from(_patterns(argument))
            if user is None:
                return None
        elif lower not in ("all", "canonical", "final"):
            return None
    if host is None and user is None:
        return None
    return f"{user + '@' if user else ''}{host or DEFAULT_DESTINATION}"


def _final_pass_only(block: Mapping[str, Any]) -> bool:
    return any(name.lower() in ("canonical", "final") for name, _unused in _criteria(block))


def _flatten(values_: Sequence[Any]) -> List[Any]:
    out: List[Any] = []
    for value in values_:
        if isinstance(value, (list, tuple)):
            out.extend(value)
        else:
            out.append(value)
    return out


def expected_values(sources: Sequence[Mapping[str, Any]], version: str) -> Dict[str, Tuple[Any, Any]]:
    """canonical name -> (Keyword, value ssh must report), sources in reading order.

    First value wins; for keywords whose lines add up (IdentityFile, SendEnv,
    LocalForward ...) the values of every source are collected.
    """
    result: Dict[str, Tuple[Any, Any]] = {}
    adding: Dict[str, List[Any]] = {}
    for settings in sources:
        for name, value in (settings or {}).items():
            if value is None:
                continue
            keyword = catalogue.resolve("ssh", name, version)
            if keyword.block:
                continue
            if keyword.first_wins:
                result.setdefault(keyword.name, (keyword, value))
            else:
                adding.setdefault(keyword.name, []).append(value)
                result[keyword.name] = (keyword, None)
    for name, collected in adding.items():
        result[name] = (result[name][0], _flatten(collected))
    return result


def _collapse(text: str) -> str:
    return " ".join(text.split())


def compare_destination(expected: Mapping[str, Tuple[Any, Any]], dump: Mapping[str, List[str]], version: str,
                        destination_user: Optional[str]) -> List[Dict[str, Any]]:
    """Mismatches between the expected values and one ``ssh -G`` dump."""
    out: List[Dict[str, Any]] = []
    for name, (keyword, value) in expected.items():
        if keyword.name == "User" and destination_user:
            continue  # user@host on the command line beats any User line
        if keyword.first_wins:
            for mismatch in eff.compare("ssh", {name: value}, dump, version):
                out.append({"keyword": mismatch.keyword, "wanted": mismatch.wanted, "effective": mismatch.got,
                            "reason": mismatch.reason})
            continue
        if keyword.name == "SendEnv":
            value = [v for v in _flatten([value]) if not str(v).startswith(("SSHSUITE_", "-"))]
            if not value:
                continue
        skipped: List[Tuple[str, str]] = []
        mismatches = eff.compare("ssh", {name: value}, dump, version, skipped=skipped)
        if skipped or not mismatches:
            continue
        mismatch = mismatches[0]
        printed = {_collapse(g) for g in mismatch.got}
        words = set(" ".join(mismatch.got).split())
        missing = [w for w in mismatch.wanted
                   if _collapse(w) not in printed and not set(w.split()) <= words]
        if missing:
            out.append({"keyword": mismatch.keyword, "wanted": mismatch.wanted, "effective": mismatch.got,
                        "reason": "missing: " + ", ".join(missing)})
    return out


def _destination_user(destination: str) -> Optional[str]:
    return destination.split("@", 1)[0] if "@" in destination else None


#: seconds one ``ssh -G`` may take: a user's own ``Match exec`` lines run during validation
SSH_G_TIMEOUT = 30


def run_as_prefix(user: Optional[Mapping[str, Any]]) -> List[str]:
    """argv prefix that runs a command as ``user`` (a pwd entry as dict), or [] for ourselves.

    The command gets a clean environment (nothing of root's or of the play's
    ``environment:``), no way to gain privileges, and a time limit: a user's
    ``Match exec`` runs inside ssh -G and must not hold the module.
    """
    if not user:
        return []
    return ["setpriv", "--reuid=%d" % user["uid"], "--regid=%d" % user["gid"], "--init-groups",
            "--no-new-privs", "--", "env", "-i", "HOME=%s" % user["home"], "USER=%s" % user["name"],
            "LOGNAME=%s" % user["name"], "PATH=/usr/bin:/bin", "LC_ALL=C", "timeout", str(SSH_G_TIMEOUT)]


def ssh_dump(run: Runner, config: str, destination: str, user: Optional[Mapping[str, Any]] = None
             ) -> Dict[str, List[str]]:
    argv = run_as_prefix(user) + ["ssh", "-G", "-F", config, "--", destination]
    rc, out, err = run(argv)
    if rc != 0:
        raise OpenSSHConfigError("ssh -G rejected the configuration for %s: %s"
                                 % (destination, (err or out).strip() or "rc=%d" % rc))
    return eff.parse_dump(out)


def validate_config(run: Runner, version: str, config: str, settings: Mapping[str, Any],
                    blocks: Sequence[Mapping[str, Any]], labels: Sequence[str],
                    block_destinations: Sequence[Sequence[str]], destinations: Sequence[str],
                    marker_prefix: str, user: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Run ``ssh -G -F config`` for each destination and compare with what the data asks.

    ``config`` is the validation copy (blocks carry markers). Returns
    ``{"destinations": [...], "mismatches": [...], "unverified": [...], "errors": [...]}``.
    """
    report: Dict[str, Any] = {"destinations": [], "mismatches": [], "unverified": [], "errors": []}
    planned: List[str] = []

    def add(destination: Optional[str]) -> None:
        if destination and destination not in planned:
            planned.append(destination)

    for destination in destinations:
        add(destination)
    for index, block in enumerate(blocks):
        for destination in block_destinations[index] if index < len(block_destinations) else []:
            add(destination)
        add(derive_destination(block))
    markers_ok = not _markers_removable([settings] + [b.get("settings") or {} for b in blocks], marker_prefix)
    order = [i for i, b in enumerate(blocks) if not _final_pass_only(b)] + \
            [i for i, b in enumerate(blocks) if _final_pass_only(b)]
    hit = set()
    for destination in planned:
        dump = ssh_dump(run, config, destination, user)
        printed = set(" ".join(dump.get("sendenv", [])).split())
        matched = [i for i in range(len(blocks)) if f"{marker_prefix}{i}" in printed]
        hit.update(matched)
        entry: Dict[str, Any] = {"destination": destination, "blocks": [labels[i] for i in matched],
                                 "effective": dump, "mismatches": []}
        if markers_ok:
            sources = [settings] + [blocks[i].get("settings") or {} for i in order if i in matched]
            expected = expected_values(sources, version)
        else:
            expected = expected_values([settings], version)
        for item in compare_destination(expected, dump, version, _destination_user(destination)):
            item = dict(item, destination=destination)
            entry["mismatches"].append(item)
            report["mismatches"].append(item)
        report["destinations"].append(entry)
        for index in range(len(blocks)):
            wanted = block_destinations[index] if index < len(block_destinations) else []
            if markers_ok and destination in wanted and index not in matched:
                report["errors"].append("%s does not apply to %s, although its destinations name it"
                                        % (labels[index], destination))
    if not markers_ok:
        report["unverified"].append("a 'SendEnv -pattern' in the data removes the validation markers: "
                                    "only global keywords were compared")
    else:
        for index in range(len(blocks)):
            if index not in hit:
                report["unverified"].append(
                    "%s applied to none of the destinations checked (%s); give it 'destinations' to "
                    "check its values" % (labels[index], ", ".join(planned)))
    return report


def format_report(config_name: str, report: Mapping[str, Any]) -> str:
    lines = []
    for item in report.get("errors", []):
        lines.append("%s: %s" % (config_name, item))
    for item in report.get("mismatches", []):
        lines.append("%s, destination %s, %s: (%s)" % (config_name, item["destination"], item["keyword"],
                                                       item.get("reason") or "different value"))
        lines.append("  - wanted:    %s" % item["wanted"])
        lines.append("  + effective: %s" % item["effective"])
        for other in item.get("also_set_in") or []:
            lines.append("    (ssh reads it first from %s)" % other)
    return "\n".join(lines)


def _annotate(report: Mapping[str, Any], files: Sequence[str], own: str, real_names: Mapping[str, str]) -> None:
    """Name the lines of other files that set a mismatching keyword (first value wins).

    ``files`` are read as root, so they are only the validation copies this
    module wrote and the system-wide files (root's, under /etc/ssh): a
    user's own Include lines are never followed as root. ``real_names`` maps
    validation copies to the files they stand for.
    """
    if not report["mismatches"]:
        return
    for item in report["mismatches"]:
        item["also_set_in"] = config_files.who_sets(item["keyword"], files, own, dict(real_names))


# ---------------------------------------------------------------------------
# Per-user files
# ---------------------------------------------------------------------------


def account(name: str) -> Dict[str, Any]:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise OpenSSHConfigError(f"user {name} does not exist on the host", "users")
    if not os.path.isdir(entry.pw_dir):
        raise OpenSSHConfigError(f"the home directory of {name} ({entry.pw_dir}) does not exist", "users")
    return {"name": name, "uid": entry.pw_uid, "gid": entry.pw_gid, "home": entry.pw_dir}


def merge_section(existing: Optional[str], section_body: str) -> str:
    """Put the managed section at the top of the user's file, or replace it where it is.

    Everything outside BEGIN/END is kept byte for byte.
    """
    section = SECTION_BEGIN + "\n" + section_body.rstrip("\n") + "\n" + SECTION_END + "\n"
    text = existing or ""
    pieces = text.split("\n")  # OpenSSH lines end at \n only
    lines = [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])
    begins = [i for i, line in enumerate(lines) if line.strip() == SECTION_BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == SECTION_END]
    if not begins and not ends:
        if not text.strip():
            return section
        return section + "\n" + text
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise OpenSSHConfigError(
            "the managed section markers are broken (%d BEGIN, %d END lines): fix the file by hand, "
            "leaving one '%s' ... '%s' pair" % (len(begins), len(ends), SECTION_BEGIN, SECTION_END))
    return "".join(lines[:begins[0]]) + section + "".join(lines[ends[0] + 1:])


def section_body(text: str, has_blocks: bool) -> str:
    """The rendered managed text, closed with ``Match all`` when it has blocks, so that the
    user's own lines after the section are not read as part of the last managed block."""
    body = text.rstrip("\n")
    if has_blocks:
        body += "\n\n# Lines below the section apply to every host again.\nMatch all"
    return body + "\n"


def open_user_ssh_dir(user: Mapping[str, Any], create: bool) -> Tuple[Optional[fileio.Directory], bool]:
    """(``~/.ssh`` of ``user`` opened without following a link, or None; whether it was created).

    The home directory comes from passwd (root chose it); ``.ssh`` inside it
    belongs to the user, so it is opened by descriptor, never followed when
    it is a symlink, and everything in it is reached through that descriptor.
    """
    with fileio.Directory.home(user["home"], user["uid"]) as home:
        existed = home.lstat(".ssh") is not None
        directory = home.child(".ssh", create_mode=USER_DIR_MODE if create else None,
                               owner=(user["uid"], user["gid"]))
        if directory is not None:
            home.sync()
    return directory, directory is not None and not existed


def read_user_config(user: Mapping[str, Any]) -> Tuple[Optional[bytes], bool, bool]:
    """(content of ~/.ssh/config or None, its owner/mode need fixing, ~/.ssh is missing or needs fixing).

    Read with the safe reader: a symlink, a FIFO, a hard link or a file of
    another owner is refused (for this user only), never followed or copied.
    """
    directory, _unused = open_user_ssh_dir(user, create=False)
    if directory is None:
        return None, False, True
    with directory:
        info = os.fstat(directory.fd)
        dir_wrong = (info.st_mode & 0o7777) != USER_DIR_MODE or info.st_uid != user["uid"]
        data, file_info = directory.read("config", owners=(user["uid"],))
    if data is None:
        return None, False, dir_wrong
    wrong = (file_info.st_mode & 0o7777) != USER_FILE_MODE or file_info.st_uid != user["uid"]
    return data, wrong, dir_wrong


def write_user_config(user: Mapping[str, Any], data: Optional[bytes]) -> None:
    """Install ~/.ssh/config (``data``) or only fix owner and modes (``data`` None)."""
    directory, created = open_user_ssh_dir(user, create=True)
    with directory:
        directory.set_own_metadata(user["uid"], user["gid"], USER_DIR_MODE)
        if data is not None:
            directory.write("config", data, user["uid"], user["gid"], USER_FILE_MODE)
        else:
            directory.set_metadata("config", user["uid"], user["gid"], USER_FILE_MODE, owners=(user["uid"],))


# ---------------------------------------------------------------------------
# System files
# ---------------------------------------------------------------------------


def _system_meta_wrong(path: str) -> bool:
    info = fileio.file_stat(path)
    if info is None:
        return False
    return (info.st_mode & 0o7777) != SYSTEM_MODE or info.st_uid != 0 or info.st_gid != 0


def _install_system(path: str, data: bytes, content_changed: bool, backup: bool) -> Optional[str]:
    if content_changed:
        return fileio.write_file(path, data, 0, 0, SYSTEM_MODE, backup=backup, create_dirs=True)
    fileio.set_metadata(path, 0, 0, SYSTEM_MODE)
    return None


# ---------------------------------------------------------------------------
# The module's one pass
# ---------------------------------------------------------------------------


def _validation_files(work: fileio.PrivateDirectory, user: Mapping[str, Any], marked_text: str,
                      system_config: str) -> str:
    """The user's validation copy and its wrapper, in the root-only directory; returns the wrapper's path.

    ``ssh -G`` runs as the user and must read both, so they are created by
    root (O_EXCL, no link followed, in a directory only root can change) and
    handed to the user with fchown on the new descriptor. The user can read
    or even rewrite them, but never make root write anywhere else: the
    directory (0711, root) lets them open a name, not create, rename or
    replace one.
    """
    prefix = "user-%s" % user["name"]
    owner = (user["uid"], user["gid"])
    work.write(prefix + ".config", marked_text.encode("utf-8"), owner[0], owner[1], USER_FILE_MODE)
    wrapper = "Include %s\nMatch all\nInclude %s\n" % (work.file_path(prefix + ".config"), system_config)
    work.write(prefix + ".wrapper", wrapper.encode("utf-8"), owner[0], owner[1], USER_FILE_MODE)
    return work.file_path(prefix + ".wrapper")


def _user_plan(params: Mapping[str, Any], index: int, entry: Mapping[str, Any], run: Runner, version: str,
               work: fileio.PrivateDirectory, system_config: str, system_names: Mapping[str, str],
               system_files: List[str], destinations: Sequence[str], warnings: List[str],
               result: Dict[str, Any]) -> Dict[str, Any]:
    """Render, validate and plan one user's ~/.ssh/config; raise OpenSSHConfigError for this user only."""
    user = account(entry["name"])
    problems = Problems()
    where = f"users[{index}]"
    user_blocks, user_block_destinations = _split_blocks(entry.get("blocks"), f"{where}.blocks", problems)
    problems.raise_if_any()
    user_settings = dict(entry.get("settings") or {})
    header = params["header"] if entry.get("manage") == "file" else ""
    user_labels = [f"users[{index}].blocks[{i}]" for i in range(len(user_blocks))]
    path = os.path.join(user["home"], ".ssh", "config")

    def user_text(blocks_: Sequence[Mapping[str, Any]], existing: Optional[str],
                  notes: Optional[List[str]] = None) -> str:
        rendered = render.render_config("ssh", user_settings, blocks_, version, header, self_path=path,
                                        warnings=notes, settings_where=f"{where}.settings",
                                        blocks_where=f"{where}.blocks")
        if entry.get("manage") == "file":
            return rendered
        return merge_section(existing, section_body(rendered, bool(blocks_)))

    live, meta_wrong, dir_wrong = read_user_config(user)
    existing = live.decode("utf-8", "replace") if live is not None else None
    text = user_text(user_blocks, existing, warnings)
    if params["validate"]:
        wrapper = _validation_files(work, user, user_text(with_markers(user_blocks, USER_MARKER), existing),
                                    system_config)
        report = validate_config(run, version, wrapper, user_settings, user_blocks, user_labels,
                                 user_block_destinations, list(entry.get("destinations") or destinations),
                                 USER_MARKER, user=user)
        marked = work.file_path("user-%s.config" % user["name"])
        _annotate(report, [marked] + system_files, marked, dict(system_names, **{marked: path}))
        result["validation"]["user:%s" % user["name"]] = report
        warnings.extend("user %s: %s" % (user["name"], u) for u in report["unverified"])
        if report["mismatches"] or report["errors"]:
            result["mismatches"].extend(dict(m, config=path) for m in report["mismatches"])
            raise OpenSSHConfigError(format_report(path, report))
    data = text.encode("utf-8")
    return {"kind": "user", "path": path, "user": user, "data": data, "live": live,
            "content_changed": live != data, "meta_changed": (live is not None and meta_wrong) or dir_wrong}


def apply(params: Mapping[str, Any], run: Runner, check_mode: bool = False, want_diff: bool = False,
          backup: Any = None) -> Dict[str, Any]:
    """The module's one pass; see the module docstring.

    A problem in the system-wide files or known_hosts fails the whole run
    before anything is written. A problem that belongs to one user (no such
    account, a symlinked ~/.ssh, a config ssh -G does not read as asked)
    fails only that user: the others are validated and installed, and the
    run reports ``failed_users``. ``backup`` (true-ish): keep a copy of each
    replaced system file.
    """
    precheck(params)
    probe = ver.probe(run)
    version = probe["version"]
    warnings: List[str] = []
    result: Dict[str, Any] = {"changed": False, "version": version, "version_full": probe.get("version_full"),
                              "files": [], "validation": {}, "mismatches": [], "failed_users": {}}
    diffs: List[Dict[str, str]] = []
    plans: List[Dict[str, Any]] = []
    failures: List[str] = []
    destinations = list(params.get("destinations") or [])
    work = fileio.PrivateDirectory(prefix="sshsuite-ssh-")
    try:
        # 1. the system-wide file
        system_config = params["config_path"]
        system_names: Dict[str, str] = {}
        if params["mode"] != "none":
            problems = Problems()
            plain_blocks, block_destinations = _split_blocks(params.get("blocks"), "blocks", problems)
            problems.raise_if_any()
            defaults = defaults_for(params, probe, version, warnings)
            settings, blocks, labels = compose(params.get("settings") or {}, plain_blocks, defaults, version)
            target = params["config_path"] if params["mode"] == "file" else params["dropin_path"]
            if params["mode"] == "dropin" and not config_files.main_includes(params["config_path"], target):
                raise OpenSSHConfigError(
                    "%s does not Include %s: a drop-in there would never be read (use mode: file, or add "
                    "'Include %s/*.conf' at the top of the main file)"
                    % (params["config_path"], target, os.path.dirname(target)))

            def system_text(blocks_: Sequence[Mapping[str, Any]], notes: Optional[List[str]] = None) -> str:
                text = render.render_config("ssh", settings, blocks_, version, params["header"], self_path=target,
                                            warnings=notes, settings_where="settings", blocks_where="blocks")
                if params["mode"] == "file" and params["include_dropins"]:
                    text = _append_include(text, params["dropin_dir"], bool(blocks_))
                return text

            text = system_text(blocks, warnings)
            work.write("ssh_config.marked", system_text(with_markers(blocks, SYSTEM_MARKER)).encode("utf-8"),
                       mode=SYSTEM_MODE)
            marked = work.file_path("ssh_config.marked")
            if params["mode"] == "file":
                system_config = marked
            else:
                system_config = config_files.validation_main(params["config_path"], {target: marked}, work,
                                                             "ssh_config.validate")
                os.chmod(system_config, SYSTEM_MODE)
            if params["validate"]:
                report = validate_config(run, version, system_config, settings, blocks, labels,
                                         block_destinations + [[]] * (len(blocks) - len(block_destinations)),
                                         destinations, SYSTEM_MARKER)
                system_names = {system_config: params["config_path"], marked: target}
                _annotate(report, config_files.files_read(system_config, (0,)), marked, system_names)
                result["validation"]["system"] = report
                warnings.extend("system: " + u for u in report["unverified"])
                if report["mismatches"] or report["errors"]:
                    result["mismatches"].extend(dict(m, config=target) for m in report["mismatches"])
                    failures.append(format_report(target, report))
            live = fileio.read_file(target, owners=(0,))
            data = text.encode("utf-8")
            plans.append({"kind": "system", "path": target, "data": data, "live": live,
                          "content_changed": live != data,
                          "meta_changed": live is not None and _system_meta_wrong(target)})

        # 2. known hosts
        known = params.get("known_hosts")
        if known:
            entries = kh.entries_from_data(known.get("entries"), "known_hosts.entries")
            path = known["path"]
            live = fileio.read_file(path, owners=(0,))
            text, report = kh.build(entries, live.decode("utf-8", "replace") if live is not None else None,
                                    known["exclusive"], known["hash"])
            work.write("known_hosts", text.encode("utf-8"), mode=0o600)
            rc, listed, detail = keygen.fingerprint_lines(run, work.file_path("known_hosts"))
            plain_lines = [line for line in split_lines(text)
                           if line.strip() and not line.lstrip().startswith(("#", "@"))]
            if plain_lines and (rc != 0 or len(listed) != len(plain_lines)):
                failures.append("ssh-keygen -l read %d of the %d key lines of the new %s: %s"
                                % (len(listed), len(plain_lines), path, detail[:300]))
            result["known_hosts"] = dict(report, path=path)
            data = text.encode("utf-8")
            plans.append({"kind": "known_hosts", "path": path, "data": data, "live": live,
                          "content_changed": live != data,
                          "meta_changed": live is not None and _system_meta_wrong(path)})

        if failures:
            raise OpenSSHConfigError("ssh would not use the requested configuration; nothing was changed:\n"
                                     + "\n".join(failures))

        # 3. per-user files: a problem stops that user only
        if params.get("users"):
            work.share()
        system_files = config_files.files_read(system_config, (0,)) if params.get("users") else []
        for index, entry in enumerate(params.get("users") or []):
            try:
                plans.append(_user_plan(params, index, entry, run, version, work, system_config, system_names,
                                        system_files, destinations, warnings, result))
            except (OpenSSHConfigError, OSError) as exc:
                result["failed_users"][entry["name"]] = str(exc)

        # 4. install
        for plan in plans:
            changed = plan["content_changed"] or plan["meta_changed"]
            item = {"path": plan["path"], "kind": plan["kind"], "changed": changed}
            if plan["kind"] == "user":
                item["user"] = plan["user"]["name"]
            result["files"].append(item)
            if plan["content_changed"] and want_diff:
                diffs.append({"before": (plan["live"] or b"").decode("utf-8", "replace"),
                              "after": plan["data"].decode("utf-8", "replace"),
                              "before_header": plan["path"], "after_header": plan["path"]})
            if not changed:
                continue
            result["changed"] = True
            if check_mode:
                continue
            if plan["kind"] == "user":
                try:
                    write_user_config(plan["user"], plan["data"] if plan["content_changed"] else None)
                except (OpenSSHConfigError, OSError) as exc:
                    item["changed"] = False
                    result["failed_users"][plan["user"]["name"]] = str(exc)
            else:
                backup_file = _install_system(plan["path"], plan["data"], plan["content_changed"],
                                              bool(params.get("backup")))
                if backup_file:
                    item["backup_file"] = backup_file
        if want_diff:
            result["diff"] = diffs
        result["warnings"] = warnings
        return result
    finally:
        work.close()
