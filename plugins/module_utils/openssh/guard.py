# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lockout rules: the precise reasons a new sshd configuration would shut out the operator.

Each rule reads what ``sshd -T -C <the operator's connection>`` prints for
the candidate and says, in one sentence naming the keyword and value, why the
user Ansible connects as could no longer log in or run a module. They run
before anything is installed. No rule list foresees everything (PAM stacks,
NSS, AuthorizedKeysCommand ...): the confirmed apply (rollback.py and the
action plugin's fresh login) proves the result after the reload.

Rules (issue 20):

* access lists: AllowUsers/DenyUsers (``user@host``, ``user@CIDR`` matched
  as networks, as sshd does), AllowGroups/DenyGroups, PermitRootLogin;
* authentication: the method Ansible uses is off, AuthenticationMethods asks
  for more, the key the session authenticated with is no longer accepted
  (PubkeyAcceptedAlgorithms, RequiredRSASize, revoked by RevokedKeys);
* what a session may do: ForceCommand or ChrootDirectory for the user
  (Ansible runs its modules with the user's shell and the whole file system);
  DisableForwarding / AllowTcpForwarding on a host others jump through;
* where sshd listens: the port and the local address the connection arrives on;
* files the configuration depends on: RevokedKeys (a valid KRL or key list),
  TrustedUserCAKeys, HostCertificate (a host certificate for a host key that
  is served), AuthorizedPrincipalsFile (a fixed path), Banner, the user's
  and every file sshd reads through Include, which must be
  root's and writable by nobody else;
* the account: ``UsePAM no`` with a locked password (sshd then refuses it).

The ChrootDirectory of other users (SFTP accounts) is the SFTP preflight's job.
"""

from __future__ import annotations

import fnmatch
import glob
import grp
import ipaddress
import os
import pwd
import re
import stat
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import (
    chroot,
    config_files,
    fileio,
    keygen,
    keys,
    sshd_host,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import split_lines

Effective = Mapping[str, List[str]]
Runner = Any

KRL_MAGIC = b"SSHKRL\n\0"
#: signature algorithms a key of each type can authenticate with.
_SIGNATURES = {
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
    "ssh-rsa-cert-v01@openssh.com": ("rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
                                     "ssh-rsa-cert-v01@openssh.com"),
}


# ---------------------------------------------------------------------------
# Patterns as sshd matches them
# ---------------------------------------------------------------------------

def pattern_match(value: str, pattern_list: Iterable[str]) -> Optional[bool]:
    """sshd's pattern-list semantics: True if matched, False if negated, None if no match."""
    result = None
    for pattern in pattern_list:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        if fnmatch.fnmatchcase(value, pat):
            if negate:
                return False
            result = True
    return result


def host_part_matches(pattern: str, host: Optional[str], addr: Optional[str]) -> bool:
    """The HOST of ``USER@HOST``: a CIDR network (matched against the address), or a pattern."""
    if "/" in pattern:
        if not addr:
            return False
        try:
            return ipaddress.ip_address(addr) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    candidates = [c for c in (addr, host) if c]
    return any(fnmatch.fnmatchcase(c, pattern) for c in candidates) or not candidates


def user_entry_matches(entry: str, user: str, host: Optional[str], addr: Optional[str]) -> bool:
    """One AllowUsers/DenyUsers entry: USER or USER@HOST."""
    if "@" in entry:
        upat, hpat = entry.split("@", 1)
        return fnmatch.fnmatchcase(user, upat) and host_part_matches(hpat, host, addr)
    return fnmatch.fnmatchcase(user, entry)


def user_groups(user: str) -> List[str]:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return []
    names = set()
    try:
        names.add(grp.getgrgid(entry.pw_gid).gr_name)
    except KeyError:
        pass
    for group in grp.getgrall():
        if user in group.gr_mem:
            names.add(group.gr_name)
    return sorted(names)


def _values(effective: Effective, key: str) -> List[str]:
    out: List[str] = []
    for item in effective.get(key, []):
        out.extend(item.split())
    return out


def _first(effective: Effective, key: str, default: str = "") -> str:
    got = effective.get(key)
    return got[0] if got else default


def _set(effective: Effective, key: str) -> Optional[str]:
    """The value of a keyword that is off when it says ``none``."""
    value = _first(effective, key, "none")
    return None if value.lower() == "none" else value


# ---------------------------------------------------------------------------
# Listening
# ---------------------------------------------------------------------------

def _listens_on(endpoints: Sequence[Tuple[str, int]], laddr: str, port: int) -> bool:
    for address, listen_port in endpoints:
        if listen_port != port:
            continue
        if address in ("0.0.0.0", "::", "") or address == laddr:
            return True
        try:
            if ipaddress.ip_address(address) == ipaddress.ip_address(laddr):
                return True
        except ValueError:
            continue
    return False


# ---------------------------------------------------------------------------
# The rules on the effective configuration
# ---------------------------------------------------------------------------

def lockout_problems(effective: Effective, user: str, port: Optional[int], auth: str = "publickey",
                     host: Optional[str] = None, addr: Optional[str] = None, groups: Optional[List[str]] = None,
                     key_files_present: Optional[bool] = None, laddr: Optional[str] = None,
                     check_listeners: bool = True, jump_host: bool = False) -> List[str]:
    """Reasons why ``user`` could no longer log in or run a module under ``effective``.

    ``effective`` is ``sshd -T -C`` for the operator's connection. ``auth``:
    publickey or password. ``key_files_present``: whether the user's key
    file exists where the new AuthorizedKeysFile says (None: not checked).
    ``laddr``/``port``: where the connection arrives; ``check_listeners``
    false under socket activation (the socket unit decides). ``jump_host``:
    other hosts reach their targets through this one.
    """
    problems: List[str] = []
    groups = groups if groups is not None else user_groups(user)
    deny_users = _values(effective, "denyusers")
    if any(user_entry_matches(e, user, host, addr) for e in deny_users):
        problems.append("DenyUsers %s matches %s" % (" ".join(deny_users), user))
    allow_users = _values(effective, "allowusers")
    if allow_users and not any(user_entry_matches(e, user, host, addr) for e in allow_users):
        problems.append("AllowUsers %s does not include %s" % (" ".join(allow_users), user))
    deny_groups = _values(effective, "denygroups")
    if deny_groups and any(pattern_match(g, deny_groups) for g in groups):
        problems.append("DenyGroups %s matches a group of %s (%s)" % (" ".join(deny_groups), user, ", ".join(groups)))
    allow_groups = _values(effective, "allowgroups")
    if allow_groups and not any(pattern_match(g, allow_groups) for g in groups):
        problems.append("AllowGroups %s matches no group of %s (%s)"
                        % (" ".join(allow_groups), user, ", ".join(groups) or "none"))

    if user == "root":
        prl = _first(effective, "permitrootlogin", "yes")
        if prl == "no":
            problems.append("PermitRootLogin no shuts out root, the user Ansible connects as")
        elif prl == "forced-commands-only":
            problems.append("PermitRootLogin forced-commands-only lets root run only forced commands")
        elif prl in ("prohibit-password", "without-password") and auth == "password":
            problems.append("PermitRootLogin %s refuses root's password login" % prl)

    method_on = {"publickey": _first(effective, "pubkeyauthentication", "yes") == "yes",
                 "password": _first(effective, "passwordauthentication", "yes") == "yes"}
    if not method_on.get(auth, True):
        problems.append("%s authentication is turned off, and Ansible logs in with it"
                        % ("PubkeyAuthentication" if auth == "publickey" else "PasswordAuthentication"))
    methods = _first(effective, "authenticationmethods", "any")
    if methods not in ("any", ""):
        usable = any(all(step.split(":", 1)[0] == auth for step in alternative.split(","))
                     for alternative in methods.split())
        if not usable:
            problems.append("AuthenticationMethods %s asks for more than %s, which is all Ansible has"
                            % (methods, auth))

    force = _set(effective, "forcecommand")
    if force:
        problems.append("ForceCommand %s applies to %s: every command Ansible sends would run that instead"
                        % (force, user))
    chroot = _set(effective, "chrootdirectory")
    if chroot:
        problems.append("ChrootDirectory %s applies to %s: Ansible's modules need the host's own file system "
                        "and Python" % (chroot, user))
    if jump_host:
        if _first(effective, "disableforwarding", "no") == "yes":
            problems.append("DisableForwarding yes: other hosts of the inventory jump through this one")
        elif _first(effective, "allowtcpforwarding", "yes") in ("no", "remote"):
            problems.append("AllowTcpForwarding %s: other hosts of the inventory jump through this one"
                            % _first(effective, "allowtcpforwarding"))

    if port is not None and check_listeners:
        endpoints = sshd_host.listen_endpoints(effective)
        ports = {p for _unused, p in endpoints}
        if ports and port not in ports:
            problems.append("sshd would listen on port(s) %s, but the connection arrives on port %d"
                            % (", ".join(str(p) for p in sorted(ports)), port))
        elif laddr and not _listens_on(endpoints, laddr, port):
            problems.append("sshd would listen on %s, but the connection arrives on %s port %d"
                            % (", ".join("%s:%d" % e for e in endpoints), laddr, port))
    if key_files_present is False and auth == "publickey":
        problems.append("AuthorizedKeysFile %s names no existing key file for %s"
                        % (_first(effective, "authorizedkeysfile"), user))
    return problems


def authorized_keys_present(effective: Effective, user: str) -> Optional[bool]:
    """Whether any file named by AuthorizedKeysFile exists for ``user`` (None if unknown)."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    raw = " ".join(effective.get("authorizedkeysfile", [])).split()
    if not raw or raw == ["none"]:
        # AuthorizedKeysCommand may still supply keys: cannot tell.
        return None if _set(effective, "authorizedkeyscommand") else False
    if _set(effective, "authorizedkeyscommand"):
        return None
    for item in raw:
        path = expand_tokens(item, entry)
        if not os.path.isabs(path):
            path = os.path.join(entry.pw_dir, path)
        if glob.glob(path):
            return True
    return False


def expand_tokens(text: str, entry: Any) -> str:
    """%h, %u, %U and %% of sshd_config paths for one account."""
    return text.replace("%%", "\0").replace("%h", entry.pw_dir).replace("%u", entry.pw_name).replace(
        "%U", str(entry.pw_uid)).replace("\0", "%")


# ---------------------------------------------------------------------------
# The key the session authenticated with
# ---------------------------------------------------------------------------

_ACCEPTED = re.compile(r"Accepted publickey for (\S+) from (\S+) port (\d+) ssh2: (\S+) (SHA256:\S+)")


def session_key(run: Runner, user: str, addr: Optional[str], port: Optional[str],
                effective: Effective) -> Optional[Dict[str, Any]]:
    """Type, fingerprint and (when found in the user's key files) the key the current session used.

    sshd logs ``Accepted publickey for USER from ADDR port PORT ssh2: TYPE SHA256:...``
    for every login; SSH_CONNECTION gives this session's client address and
    port. Only journal entries that sshd itself wrote count: the journal's
    trusted fields ``_UID=0`` and ``_COMM=sshd`` (``sshd-session`` from 9.8),
    which a local user's ``logger`` cannot forge; a text log file is not
    trusted. Returns None when the session is not found (password login, a
    host without journald ...): the caller then uses the controller's key.
    """
    if not addr or not port:
        return None
    needle = "Accepted publickey for %s from %s port %s " % (user, addr, port)
    rc, out, _unused = run(["journalctl", "--no-pager", "-q", "-o", "cat", "--since", "-12h",
                            "_UID=0", "_COMM=sshd", "+", "_UID=0", "_COMM=sshd-session", "--grep", re.escape(needle)])
    found = None
    if rc == 0:
        for line in split_lines(out):
            if needle in line:
                found = _ACCEPTED.search(line)
    if not found:
        return None
    result: Dict[str, Any] = {"log_type": found.group(4), "fingerprint": found.group(5)}
    key = _key_by_fingerprint(user, found.group(5), effective)
    if key is None:
        return None  # not one of the user's key lines (a certificate ...): the controller's key decides
    result.update(type=key.type_name, bits=key.bits, blob=key.blob, text=key.text())
    return result


def _key_by_fingerprint(user: str, fingerprint: str, effective: Effective) -> Optional[keys.PublicKey]:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    for item in " ".join(effective.get("authorizedkeysfile", [])).split():
        path = expand_tokens(item, entry)
        if not os.path.isabs(path):
            path = os.path.join(entry.pw_dir, path)
        try:
            data = fileio.read_file(path, owners=(entry.pw_uid,) if path.startswith(entry.pw_dir + "/") else (0,))
        except (OSError, fileio.FileRefused):
            continue
        for _unused, line in keys.iter_key_texts((data or b"").decode("utf-8", "replace")):
            blob = keys.blob_of_line(line)
            if blob is not None and keys.fingerprint_sha256(blob) == fingerprint:
                try:
                    return keys.parse_authorized_key(line, validate=False).key
                except OpenSSHConfigError:
                    return None
    return None


def key_problems(effective: Effective, key: Optional[Mapping[str, Any]], revoked: Optional[bool]) -> List[str]:
    """Is the key the operator logs in with still accepted? ``revoked``: the KRL check's answer."""
    if not key or not key.get("type"):
        return []
    problems: List[str] = []
    key_type = key["type"]
    accepted = _values(effective, "pubkeyacceptedalgorithms") or _values(effective, "pubkeyacceptedkeytypes")
    accepted = [a for item in accepted for a in item.split(",") if a]
    if accepted:
        signatures = _SIGNATURES.get(key_type, (key_type,))
        if not any(pattern_match(sig, accepted) for sig in signatures):
            problems.append("PubkeyAcceptedAlgorithms %s does not accept %s, the key type this session "
                            "authenticated with" % (",".join(accepted), key_type))
    required = _first(effective, "requiredrsasize")
    if required and key_type.startswith("ssh-rsa") and isinstance(key.get("bits"), int):
        try:
            if key["bits"] < int(required):
                problems.append("RequiredRSASize %s refuses the %d-bit RSA key this session authenticated with"
                                % (required, key["bits"]))
        except ValueError:
            pass
    if revoked:
        problems.append("RevokedKeys %s revokes the key this session authenticated with (%s)"
                        % (_first(effective, "revokedkeys"), key.get("fingerprint")))
    return problems


# ---------------------------------------------------------------------------
# Files the configuration depends on
# ---------------------------------------------------------------------------

def revoked_keys_check(run: Runner, path: str, key: Optional[Mapping[str, Any]],
                       work: fileio.Directory) -> Tuple[Optional[str], Optional[bool]]:
    """(problem with the RevokedKeys file or None, whether it revokes ``key``: True/False/None)."""
    try:
        data = fileio.read_file(path, owners=None)
    except (OSError, fileio.FileRefused) as exc:
        return "RevokedKeys %s cannot be read (%s): sshd would refuse every public key" % (path, exc), None
    if data is None:
        return "RevokedKeys %s does not exist: sshd would refuse every public key, authorized_keys included" % path, \
            None
    if data.startswith(KRL_MAGIC):
        valid, reason = keygen.krl_listing(run, path)
        if not valid:
            return ("RevokedKeys %s is not a valid KRL (%s): sshd would refuse every public key" % (path, reason)), \
                None
        if not (key and key.get("text")):
            return None, None
        work.write("krl-probe.pub", (key["text"] + "\n").encode("ascii"), mode=0o600)
        try:
            return None, keygen.krl_revokes(run, path, os.path.join(work.path, "krl-probe.pub"))
        except keygen.KeygenError as exc:
            return "RevokedKeys %s could not be checked: %s" % (path, exc), None
    blobs = set()
    for number, line in keys.iter_key_texts(data.decode("utf-8", "replace")):
        blob = keys.blob_of_line(line)
        if blob is None:
            return ("RevokedKeys %s is neither a KRL nor a list of public keys (line %d): sshd would refuse "
                    "every public key" % (path, number)), None
        blobs.add(blob)
    return None, (key["blob"] in blobs if key and key.get("blob") else None)


def _referenced(keyword: str, path: str, problems: List[str]) -> Optional[bytes]:
    """The content of a file a keyword names, or None with the problem recorded."""
    try:
        data = fileio.read_file(path, owners=None)
    except (OSError, fileio.FileRefused) as exc:
        problems.append("%s %s cannot be read: %s" % (keyword, path, exc))
        return None
    if data is None:
        problems.append("%s %s does not exist" % (keyword, path))
    return data


def referenced_file_problems(effective: Effective, user: str, host_keys: Sequence[str]) -> List[str]:
    """Files sshd_config points at that must exist and be usable (RevokedKeys is revoked_keys_check's)."""
    problems: List[str] = []
    for path in _values(effective, "trustedusercakeys"):
        if path.lower() == "none":
            continue
        data = _referenced("TrustedUserCAKeys", path, problems)
        if data is None:
            continue
        for number, line in keys.iter_key_texts(data.decode("utf-8", "replace")):
            if keys.blob_of_line(line) is None:
                problems.append("TrustedUserCAKeys %s line %d is not a public key" % (path, number))
                break
    served = set()
    for path in host_keys:
        pub = fileio.read_file(path + ".pub", owners=None) if fileio.file_stat(path + ".pub") else None
        blob = keys.blob_of_line(pub.decode("ascii", "replace").strip()) if pub else None
        if blob:
            served.add(blob)
    for path in _values(effective, "hostcertificate"):
        data = _referenced("HostCertificate", path, problems)
        if data is None:
            continue
        try:
            cert = keys.parse_public_key(data.decode("ascii", "replace").strip(), path)
        except OpenSSHConfigError as exc:
            problems.append("HostCertificate %s is not a certificate: %s" % (path, exc.message))
            continue
        if not cert.is_certificate or cert.certificate.cert_type != "host":
            problems.append("HostCertificate %s is not a host certificate" % path)
        elif served and cert.certificate.public_blob not in served:
            problems.append("HostCertificate %s certifies a key that is not one of the host keys sshd serves"
                            % path)
    principals = _set(effective, "authorizedprincipalsfile")
    if principals and "%" not in principals and fileio.file_stat(principals) is None:
        problems.append("AuthorizedPrincipalsFile %s does not exist" % principals)
    banner = _set(effective, "banner")
    if banner and fileio.file_stat(banner) is None:
        problems.append("Banner %s does not exist" % banner)
    return problems


def include_problems(files: Sequence[str], skip: Sequence[str] = ()) -> List[str]:
    """Every file sshd reads, and its directory, must be root's and writable by nobody else.

    Whoever can write a file sshd includes, or create one in the directory an
    Include glob reads, can rewrite sshd's configuration. ``skip``: the
    validation copies in the module's private directory (their own owner and
    directory are not what sshd will read; their Include lines are).
    """
    problems: List[str] = []
    seen = set()
    for path in files:
        if path in skip:
            continue
        for item, what in ((path, "file"), (os.path.dirname(path), "directory")):
            if item in seen:
                continue
            seen.add(item)
            info = fileio.file_stat(item)
            if info is None:
                continue
            if info.st_uid != 0:
                problems.append("sshd reads %s, a %s owned by uid %d: that user could rewrite sshd's "
                                "configuration" % (item, what, info.st_uid))
            elif info.st_mode & 0o022:
                problems.append("sshd reads %s, a %s writable by group or others (mode %04o): they could "
                                "rewrite sshd's configuration" % (item, what, stat.S_IMODE(info.st_mode)))
    for path in files:  # the candidates too: their Include lines are what will be read
        content = config_files.read_text(path)
        for line in split_lines(content or ""):
            for pattern in config_files.include_patterns(line):
                directory = os.path.dirname(config_files.absolute_pattern(pattern))
                info = fileio.file_stat(directory)
                if directory in seen or info is None:
                    continue
                seen.add(directory)
                if info.st_uid != 0 or info.st_mode & 0o022:
                    problems.append("Include %s reads from %s, which someone other than root can write: they "
                                    "could add configuration" % (pattern, directory))
    return problems


def account_problems(effective: Effective, user: str) -> List[str]:
    """``UsePAM no`` with a locked password: sshd refuses the account itself, keys or not."""
    if _first(effective, "usepam", "no") != "no":
        return []
    try:
        shadow = fileio.read_file("/etc/shadow", owners=(0,))
    except (OSError, fileio.FileRefused):
        return []
    for line in split_lines((shadow or b"").decode("utf-8", "replace")):
        fields = line.split(":")
        if len(fields) > 1 and fields[0] == user and fields[1].startswith("!"):
            return ["UsePAM no: the account %s has a locked password ('!' in /etc/shadow), which sshd refuses "
                    "without PAM, even for key logins" % user]
    return []


# ---------------------------------------------------------------------------
# Chroots, as sshd will check them at login
# ---------------------------------------------------------------------------

def sshd_verdict(chroot_dir: Optional[str], findings: Sequence[Any]) -> str:
    """What sshd itself will do at login: "refuse" (with its fatal text), "accept", or "no chroot"."""
    if not chroot_dir:
        return "no chroot"
    for finding in findings:
        if finding.sshd_message:
            return "refuse: " + finding.sshd_message
    return "accept"


def chroot_verdicts(run: Runner, config: str, names: Sequence[str], addresses: Sequence[str],
                    create: bool = True) -> List[Dict[str, Any]]:
    """For each account from each address: the chroot sshd gives it (``sshd -T -C``) and chroot.py's verdict.

    The one place where the SFTP preflight and the lockout guard ask sshd
    which ChrootDirectory applies and judge it with sshd's own rules.
    """
    results = []
    for name in names:
        try:
            account = chroot.Account.lookup(name)
        except KeyError:
            continue
        for address in addresses:
            effective = sshd_host.dump_effective(
                run, config, sshd_host.complete_connection({"user": name, "host": address, "addr": address}, name),
                create)
            pattern = (effective.get("chrootdirectory") or ["none"])[0]
            command = (effective.get("forcecommand") or [None])[0]
            subsystem = None
            for line in effective.get("subsystem") or []:
                sub_name, _unused, sub_command = line.partition(" ")
                if sub_name == "sftp":
                    subsystem = sub_command.strip()
            jail, findings = chroot.check_session(account, pattern, command, subsystem)
            results.append({"account": name, "address": address, "chroot_directory": pattern, "chroot": jail,
                            "force_command": command, "findings": [f.as_dict() for f in findings],
                            "verdict": "refuse" if chroot.failures(findings) else "accept" if jail else "no chroot",
                            "sshd_verdict": sshd_verdict(jail, findings)})
    return results


def chroot_problems(run: Runner, config: str, blocks: Sequence[Mapping[str, Any]], create: bool = True
                    ) -> List[str]:
    """The ChrootDirectory of the users a new Match block gives one must be a jail sshd accepts.

    ``sshd -t`` does not look at the directory at all; sshd refuses the login
    (long after the reload) when a component is not root's or is writable by
    others. The users are the block's literal User names and the members of
    its Group names.
    """
    names: List[str] = []
    for block in blocks:
        settings = {str(k).lower(): v for k, v in (block.get("settings") or {}).items()}
        if str(settings.get("chrootdirectory") or "none").lower() == "none":
            continue
        criteria = block.get("criteria")
        pairs = criteria.items() if isinstance(criteria, Mapping) else []
        for key, value in pairs:
            items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
            for item in (str(i) for i in items):
                if not item or item.startswith("!") or any(c in item for c in "*?"):
                    continue
                if str(key).lower() == "user" and item not in names:
                    names.append(item)
                elif str(key).lower() == "group":
                    names += [m for m in chroot.group_members(item) if m not in names]
    problems = []
    for item in chroot_verdicts(run, config, names, ["127.0.0.1"], create):
        for finding in item["findings"]:
            if finding["level"] == chroot.FAIL:
                problems.append("ChrootDirectory %s for %s: %s" % (item["chroot_directory"], item["account"],
                                                                   finding["message"]))
    return problems
