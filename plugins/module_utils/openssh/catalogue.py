# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keyword catalogue of sshd_config(5) and ssh_config(5), OpenSSH 7.4 to 10.x.

One catalogue for both daemons: each entry says how a value is typed, how a
list is written, whether the keyword may stand inside a Match (sshd) block,
and in which OpenSSH version it appeared, was renamed or disappeared.

SCHEMA (fixed; the data below follows it):

Keyword fields
  name         canonical spelling as in the man page ("KexAlgorithms").
  daemon       "sshd" or "ssh".
  value        value type, one of VALUE_TYPES (values.py checks and renders it).
  multi        how several values are written:
                 "single"  one value; a list given by the user is an error
                 "comma"   one line, values joined with ","  (algorithm lists)
                 "space"   one line, values joined with " "  (AllowUsers, AcceptEnv ...)
                 "repeat"  one line per value                (HostKey, Port, ListenAddress ...)
  choices      allowed words for value "choice" (lower case as sshd prints them);
               for "yesno" leave empty.
  match        sshd: allowed inside a Match block (sshd_config(5) list).
               ssh: always True (any keyword may stand under Host/Match).
  since        first version (string "X.Y") that accepts the keyword.
  removed      first version in which the keyword is rejected, or None.
  deprecated   first version in which it is accepted but ignored / a no-op
               ("Deprecated option" warning), or None.
  renamed_to   canonical name of the keyword that replaced this one, or None.
  renamed_in   version of that rename (old name may stay as an alias).
  effective_key lower-case key that `sshd -T` / `ssh -G` prints for this
               keyword, when it is not simply name.lower(); None = name.lower().
               For a renamed keyword it is the key printed before
               renamed_in; from renamed_in on the dump shows the key of
               renamed_to (resolve() returns that keyword).
  dumped       False when `sshd -T`/`ssh -G` does not print the keyword at all
               (Include, Match, Subsystem on some versions ...).
  first_wins   True for the (usual) "first obtained value is used" rule; False
               for keywords where every line adds (HostKey, Port, ...).
  note         short free text shown in errors (e.g. why it was removed).

  Fields the list above does not spell out (they were in the dataclass from
  the start):
  minimum, maximum  bounds for "int" values (None = unbounded).
  none_ok      the literal word "none" is accepted besides the typed value.
  relative_ok  a "path" may be relative (~/..., %h/..., relative to the home
               directory or to /etc/ssh for Include).

  Optional fields ADDED by the catalogue (defaults keep old callers working):
  block        True for the block keywords Match (sshd, ssh) and Host (ssh):
               they open a section and are written by render.py, never as a
               plain setting.
  match_since  sshd: first version that accepts the keyword inside Match,
               when that is later than ``since`` (LogLevel 7.6, IgnoreRhosts
               8.3, ChallengeResponseAuthentication 8.7, Subsystem 9.5).
               ``allowed_in_match(daemon, name, version)`` uses it.
  missing_in   versions that reject the keyword although since/removed say it
               exists (upstream regressions; 10.4 misspelt the GSSAPI
               keywords of sshd).
  vendor       None for upstream keywords; "debian" for keywords that only
               Debian's patched OpenSSH knows (GSS-API key exchange patch,
               DebianBanner ...). Other builds reject them.

Match criteria: MATCH_CRITERIA[daemon] maps lower-case criterion name to a
Criterion(name, since, takes_argument).

How the data was built (details in docs/keyword-catalogue.md)
  * The keyword tables of servconf.c (sshd; servconf.h macro lists from 10.4)
    and readconf.c (ssh) at every release tag 7.4 ... 10.5 were diffed:
    that gives ``since``, ``removed``, the deprecated/unsupported/alias
    status and, for sshd, the SSHCFG_MATCH flag (``match``/``match_since``).
  * The man pages at V_7_4_P1, V_8_4_P1, V_9_2_P1, V_10_0_P1 and V_10_5_P1
    gave value types and list separators (tests/unit/fixtures/keywords holds
    the documented keyword list of each of those pages).
  * Live runs on Debian's 8.4p1 (bullseye), 9.2p1 (bookworm, also the
    controller) and 10.0p2 (trixie) builds: every keyword was fed to
    ``sshd -t -o`` / ``ssh -G -o`` and set with a sample value to see which
    key ``sshd -T``/``ssh -G`` prints (``effective_key``, ``dumped``).

Facts that differ from /work/shared/openssh-versions.md (the runs and the
source win):
  * ssh_config: 8.5 and 8.6 accept ``HostbasedAlgorithms``, not the documented
    ``HostbasedAcceptedAlgorithms``; the documented name works from 8.7 (the
    old ``HostbasedKeyTypes`` works on every version).
  * sshd_config: ``PAMAuthenticationViaKbdInt`` is rejected from 10.4 (the
    servconf.c rewrite dropped it), and 10.4 rejects ``GSSAPIAuthentication``,
    ``GSSAPICleanupCredentials``, ``GSSAPIStrictAcceptorCheck`` and
    ``GSSAPIDelegateCredentials`` (it spelt them GssAuthentication ...);
    10.5 restored the documented names. 10.4 also refused PAMServiceName
    inside Match (10.5 allows it again).
  * From 10.4 ``sshd -T`` prints most keys in mixed case ("PermitRootLogin
    no"); ``ssh -G`` has always printed "canonicalizePermittedcnames". Keys
    here are lower case: compare case-insensitively.
  * Before 8.7, ``KbdInteractiveAuthentication no`` alone does not switch
    keyboard-interactive off: ``ChallengeResponseAuthentication`` (default
    yes) turns it back on, in sshd and in ssh (verified on 8.4: ``sshd -T``
    still prints ``kbdinteractiveauthentication yes``). ``resolve`` therefore
    writes ChallengeResponseAuthentication on targets older than 8.7.
  * The trixie build is 10.0p2 (Debian-7+deb13u4), not 10.0p1.
  * ``RDomain`` is rejected on Linux ("not supported on this platform") and
    Debian's man page leaves it out.
  * Subsystem inside Match (9.5+) is accepted by the parser although the
    sshd_config(5) list of Match keywords never names it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import vtext, vtuple

VALUE_TYPES = (
    "yesno",          # yes / no (Python bool accepted)
    "choice",         # one word of Keyword.choices (bool True/False -> yes/no when allowed)
    "int",            # integer (min/max via Keyword.minimum/maximum)
    "duration",       # sshd time format: 30, 30s, 5m, 1h30m -> seconds in sshd -T
    "token",          # one word without white space
    "text",           # free text that may contain spaces (ForceCommand, ProxyCommand)
    "path",           # file or directory path (absolute unless Keyword.relative_ok); "none" allowed if none_ok
    "algorithms",     # algorithm names (comma list, first may start with + - ^)
    "pattern",        # user/group/host pattern (AllowUsers ...)
    "port",           # 1..65535
    "listen_address",  # host | host:port | [v6]:port, optional "rdomain NAME"
    "hostport",       # host:port (PermitOpen, PermitListen, LocalForward parts ...)
    "subsystem",      # mapping name -> command line (one line per subsystem)
    "maxstartups",    # N or start:rate:full
    "rekeylimit",     # size [time]
    "ipqos",          # one or two QoS words or numbers
    "channel_timeout",  # type=interval
    "setenv",         # NAME=VALUE
    "octal",          # umask-like octal (StreamLocalBindMask)
    "penalties",      # PerSourcePenalties words (name:duration)
    "forward",        # ssh: LocalForward/RemoteForward "listen target"
    "raw",            # passed through after the universal checks only
)

MULTI_KINDS = ("single", "comma", "space", "repeat")

DAEMONS = ("sshd", "ssh")

#: oldest release the catalogue describes
BASELINE = "7.4"
#: newest release whose source was read for this catalogue
NEWEST_KNOWN = "10.5"


@dataclass(frozen=True)
class Keyword:
    name: str
    daemon: str
    value: str
    multi: str = "single"
    choices: Tuple[str, ...] = ()
    match: bool = False
    since: str = "7.4"
    removed: Optional[str] = None
    deprecated: Optional[str] = None
    renamed_to: Optional[str] = None
    renamed_in: Optional[str] = None
    effective_key: Optional[str] = None
    dumped: bool = True
    first_wins: bool = True
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    none_ok: bool = False
    relative_ok: bool = False
    note: str = ""
    # added by the catalogue, see the module docstring
    block: bool = False
    match_since: Optional[str] = None
    missing_in: Tuple[str, ...] = ()
    vendor: Optional[str] = None

    @property
    def key(self) -> str:
        """Lower-case key as sshd -T / ssh -G print it."""
        return self.effective_key or self.name.lower()

    def exists_in(self, version: Union[str, Sequence[int]]) -> bool:
        """True when ``version`` parses the keyword (a deprecated no-op counts)."""
        wanted = vtuple(version)
        if wanted < vtuple(self.since):
            return False
        if self.removed is not None and wanted >= vtuple(self.removed):
            return False
        return not any(wanted == vtuple(v) for v in self.missing_in)

    def deprecated_in(self, version: Union[str, Sequence[int]]) -> bool:
        """True when ``version`` accepts the keyword but ignores it."""
        if self.deprecated is None or not self.exists_in(version):
            return False
        wanted = vtuple(version)
        if self.renamed_to and self.renamed_in and wanted >= vtuple(self.renamed_in):
            # SKeyAuthentication: a no-op 7.8-8.6, an alias again from 8.7
            return False
        return wanted >= vtuple(self.deprecated)


@dataclass(frozen=True)
class Criterion:
    name: str
    since: str = "7.4"
    takes_argument: bool = True


# ---------------------------------------------------------------------------
# Data. Filled from servconf.c / readconf.c keyword tables and the man pages at
# each release tag (see docs/keyword-catalogue.md for the method).
# ---------------------------------------------------------------------------

_YES_NO = ()
_LOG_LEVELS = ("quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3")
_FACILITIES = ("daemon", "user", "auth", "authpriv", "local0", "local1", "local2",
               "local3", "local4", "local5", "local6", "local7")
_FORWARDING = ("yes", "all", "no", "local", "remote")
_TUNNEL = ("yes", "point-to-point", "ethernet", "no")
_FAMILY = ("any", "inet", "inet6")
_HASHES = ("md5", "sha256")
_DEBIAN_GSS = "Debian patch (GSS-API key exchange); other builds reject it"

_UPPER_NOTE = "sshd -T / ssh -G print the value in upper case"


def _sshd(name: str, value: str, multi: str = "single", **kw) -> Keyword:
    return Keyword(name=name, daemon="sshd", value=value, multi=multi, **kw)


def _ssh(name: str, value: str, multi: str = "single", **kw) -> Keyword:
    kw.setdefault("match", True)
    return Keyword(name=name, daemon="ssh", value=value, multi=multi, **kw)


SSHD_KEYWORDS: Tuple[Keyword, ...] = (
    # --- current keywords (sshd_config(5) of the newest release) ---------
    _sshd("AcceptEnv", "pattern", "space", match=True, first_wins=False, dumped=True,
          note="every line adds names; printed by sshd -T only when set"),
    _sshd("AddressFamily", "choice", choices=_FAMILY),
    _sshd("AllowAgentForwarding", "yesno", match=True),
    _sshd("AllowGroups", "pattern", "space", match=True, first_wins=False,
          note="every line adds groups; printed only when set"),
    _sshd("AllowStreamLocalForwarding", "choice", choices=_FORWARDING, match=True,
          note="sshd -T prints 'all' as 'yes'"),
    _sshd("AllowTcpForwarding", "choice", choices=_FORWARDING, match=True,
          note="sshd -T prints 'all' as 'yes'"),
    _sshd("AllowUsers", "pattern", "space", match=True, first_wins=False,
          note="every line adds users; printed only when set"),
    _sshd("AuthenticationMethods", "token", "space", match=True,
          note="each list element is a comma-separated chain of methods; 'any' alone"),
    _sshd("AuthorizedKeysCommand", "text", match=True, none_ok=True,
          note="absolute path of the program and its arguments; "
               "sshd refuses it without AuthorizedKeysCommandUser"),
    _sshd("AuthorizedKeysCommandUser", "token", match=True),
    _sshd("AuthorizedKeysFile", "path", "space", match=True, none_ok=True, relative_ok=True,
          note="relative paths are relative to the home directory; globs from 10.0"),
    _sshd("AuthorizedPrincipalsCommand", "text", match=True, none_ok=True,
          note="sshd refuses it without AuthorizedPrincipalsCommandUser"),
    _sshd("AuthorizedPrincipalsCommandUser", "token", match=True),
    _sshd("AuthorizedPrincipalsFile", "path", match=True, none_ok=True, relative_ok=True,
          note="relative paths are relative to the home directory; globs from 10.0"),
    _sshd("Banner", "path", match=True, none_ok=True),
    _sshd("CASignatureAlgorithms", "algorithms", "comma", match=True, since="7.9"),
    _sshd("ChannelTimeout", "channel_timeout", "space", match=True, since="9.2",
          note="9.2 prints it only when set, 10.0 prints 'channeltimeout none'; type 'tun' from 9.7"),
    _sshd("ChrootDirectory", "path", match=True, none_ok=True,
          note="tokens %h %u %U %% allowed; every component must be root-owned"),
    _sshd("Ciphers", "algorithms", "comma"),
    _sshd("ClientAliveCountMax", "int", match=True, minimum=0,
          note="0 disables termination since 8.2"),
    _sshd("ClientAliveInterval", "duration", match=True),
    _sshd("Compression", "choice", choices=("yes", "delayed", "no"),
          note="'delayed' is the same as 'yes' since 7.4 and printed as yes"),
    _sshd("DenyGroups", "pattern", "space", match=True, first_wins=False,
          note="every line adds groups; printed only when set"),
    _sshd("DenyUsers", "pattern", "space", match=True, first_wins=False,
          note="every line adds users; printed only when set"),
    _sshd("DisableForwarding", "yesno", match=True,
          note="before 10.0 it failed to disable X11 and agent forwarding"),
    _sshd("ExposeAuthInfo", "yesno", match=True, since="7.6"),
    _sshd("FingerprintHash", "choice", choices=_HASHES,
          note="the last value read wins"),
    _sshd("ForceCommand", "text", match=True, none_ok=True),
    _sshd("GatewayPorts", "choice", choices=("no", "yes", "clientspecified"), match=True),
    _sshd("GSSAPIAuthentication", "yesno", match=True, missing_in=("10.4",),
          note="10.4 spelt it GssAuthentication (fixed in 10.5)"),
    _sshd("GSSAPICleanupCredentials", "yesno", missing_in=("10.4",),
          note="10.4 spelt it GssCleanupCreds (fixed in 10.5)"),
    _sshd("GSSAPIDelegateCredentials", "yesno", since="10.3", missing_in=("10.4",),
          note="server side since 10.3; 10.4 spelt it GssDelegateCreds (fixed in 10.5)"),
    _sshd("GSSAPIStrictAcceptorCheck", "yesno", missing_in=("10.4",),
          note="10.4 spelt it GssStrictAcceptor (fixed in 10.5)"),
    _sshd("HostbasedAcceptedAlgorithms", "algorithms", "comma", match=True, since="8.5"),
    _sshd("HostbasedAuthentication", "yesno", match=True),
    _sshd("HostbasedUsesNameFromPacketOnly", "yesno", match=True),
    _sshd("HostCertificate", "path", "repeat", first_wins=False,
          note="one line per certificate; printed only when set"),
    _sshd("HostKey", "path", "repeat", first_wins=False,
          note="one line per key; sshd -T prints every host key"),
    _sshd("HostKeyAgent", "path", none_ok=True, relative_ok=True,
          note="a socket path or SSH_AUTH_SOCK"),
    _sshd("HostKeyAlgorithms", "algorithms", "comma"),
    _sshd("IgnoreRhosts", "choice", choices=("yes", "no", "shosts-only"), match=True,
          match_since="8.3", note="'shosts-only' and use inside Match since 8.3"),
    _sshd("IgnoreUserKnownHosts", "yesno"),
    _sshd("Include", "path", "repeat", match=True, since="8.2", first_wins=False,
          relative_ok=True, dumped=False,
          note="glob patterns allowed; relative paths are below /etc/ssh"),
    _sshd("IPQoS", "ipqos", match=True,
          note="first value wins only since 10.3; ToS keywords deprecated in 10.1"),
    _sshd("KbdInteractiveAuthentication", "yesno", match=True,
          note="before 8.7 ChallengeResponseAuthentication (default yes) overrides it; "
               "resolve() writes that keyword on older targets"),
    _sshd("KerberosAuthentication", "yesno", match=True),
    _sshd("KerberosGetAFSToken", "yesno", dumped=False,
          note="'Unsupported option' on builds without AFS (Debian)"),
    _sshd("KerberosOrLocalPasswd", "yesno"),
    _sshd("KerberosTicketCleanup", "yesno"),
    _sshd("KexAlgorithms", "algorithms", "comma"),
    _sshd("ListenAddress", "listen_address", "repeat", first_wins=False),
    _sshd("LoginGraceTime", "duration"),
    _sshd("LogLevel", "choice", choices=_LOG_LEVELS, match=True, match_since="7.6",
          note=_UPPER_NOTE),
    _sshd("LogVerbose", "token", "comma", match=True, since="8.5", none_ok=True,
          note="printed only when set"),
    _sshd("MACs", "algorithms", "comma"),
    _sshd("Match", "raw", block=True, dumped=False,
          note="opens a conditional block; written by render.py"),
    _sshd("MaxAuthTries", "int", match=True, minimum=1),
    _sshd("MaxSessions", "int", match=True, minimum=0),
    _sshd("MaxStartups", "maxstartups",
          note="the last value read won before 10.1"),
    _sshd("ModuliFile", "path", since="8.6"),
    _sshd("PAMServiceName", "token", match=True, since="9.8",
          note="10.4 refused it inside Match"),
    _sshd("PasswordAuthentication", "yesno", match=True),
    _sshd("PermitEmptyPasswords", "yesno", match=True),
    _sshd("PermitListen", "hostport", "space", match=True, since="7.8",
          note="'any' or 'none' alone, or [host:]port entries"),
    _sshd("PermitOpen", "hostport", "space", match=True,
          note="'any' or 'none' alone, or host:port entries"),
    _sshd("PermitRootLogin", "choice",
          choices=("yes", "prohibit-password", "without-password", "forced-commands-only", "no"),
          match=True,
          note="sshd -T prints prohibit-password as without-password before 10.1"),
    _sshd("PermitTTY", "yesno", match=True),
    _sshd("PermitTunnel", "choice", choices=_TUNNEL, match=True),
    _sshd("PermitUserEnvironment", "pattern",
          note="yes, no or a comma-separated pattern list of variable names"),
    _sshd("PermitUserRC", "yesno", match=True),
    _sshd("PerSourceMaxStartups", "int", since="8.5", minimum=1, none_ok=True),
    _sshd("PerSourceNetBlockSize", "token", since="8.5",
          note="ipv4_bits[:ipv6_bits]; the last value read won before 10.1"),
    _sshd("PerSourcePenalties", "penalties", "space", since="9.8",
          note="'no', or words like crash:90s authfail:5s max:10m"),
    _sshd("PerSourcePenaltyExemptList", "pattern", "comma", since="9.8", none_ok=True),
    _sshd("PidFile", "path", none_ok=True),
    _sshd("Port", "port", "repeat", first_wins=False),
    _sshd("PrintLastLog", "yesno"),
    _sshd("PrintMotd", "yesno"),
    _sshd("PubkeyAcceptedAlgorithms", "algorithms", "comma", match=True, since="8.5",
          note="called PubkeyAcceptedKeyTypes before 8.5"),
    _sshd("PubkeyAuthentication", "yesno", match=True),
    _sshd("PubkeyAuthOptions", "choice", "space", match=True, since="8.2",
          choices=("none", "touch-required", "verify-required"),
          note="verify-required since 8.4"),
    _sshd("RDomain", "token", match=True, since="7.7",
          note="rejected on Linux ('not supported on this platform')"),
    _sshd("RefuseConnection", "yesno", match=True, since="9.9"),
    _sshd("RekeyLimit", "rekeylimit", match=True),
    _sshd("RequiredRSASize", "int", match=True, since="9.1", minimum=1024),
    _sshd("RevokedKeys", "path", match=True, none_ok=True,
          note="several files on one line only from 10.3"),
    _sshd("SecurityKeyProvider", "path", since="8.2",
          note="a library path or 'internal'"),
    _sshd("SetEnv", "setenv", "space", match=True, since="7.8",
          note="first value of each name wins since 9.1; printed only when set"),
    _sshd("SshdAuthPath", "path", since="10.0"),
    _sshd("SshdSessionPath", "path", since="9.8"),
    _sshd("StreamLocalBindMask", "octal", match=True),
    _sshd("StreamLocalBindUnlink", "yesno", match=True),
    _sshd("StrictModes", "yesno"),
    _sshd("Subsystem", "subsystem", "repeat", match=True, match_since="9.5", first_wins=False,
          note="one line per subsystem name; printed only when set"),
    _sshd("SyslogFacility", "choice", choices=_FACILITIES, note=_UPPER_NOTE),
    _sshd("TCPKeepAlive", "yesno"),
    _sshd("TrustedUserCAKeys", "path", match=True, none_ok=True),
    _sshd("UnusedConnectionTimeout", "duration", match=True, since="9.2", none_ok=True),
    _sshd("UseDNS", "yesno"),
    _sshd("UsePAM", "yesno"),
    _sshd("VersionAddendum", "text", none_ok=True),
    _sshd("X11DisplayOffset", "int", match=True, minimum=0),
    _sshd("X11Forwarding", "yesno", match=True),
    _sshd("X11UseLocalhost", "yesno", match=True),
    _sshd("XAuthLocation", "path", none_ok=True),
    # --- old names and removed / deprecated keywords ----------------------
    _sshd("AFSTokenPassing", "yesno", deprecated="7.4", dumped=False,
          note="unsupported (compiled out) long before 7.4"),
    _sshd("AuthorizedKeysFile2", "path", match=True, deprecated="7.4", dumped=False, relative_ok=True,
          note="list the file in AuthorizedKeysFile instead"),
    _sshd("ChallengeResponseAuthentication", "yesno", match=True, match_since="8.7",
          renamed_to="KbdInteractiveAuthentication", renamed_in="8.7",
          note="a separate keyword before 8.7 (default yes, forces keyboard-interactive on); "
               "a deprecated alias of KbdInteractiveAuthentication since 8.7"),
    _sshd("CheckMail", "yesno", deprecated="7.4", dumped=False),
    _sshd("DSAAuthentication", "yesno", renamed_to="PubkeyAuthentication", renamed_in="7.4",
          effective_key="pubkeyauthentication", note="old alias of PubkeyAuthentication"),
    _sshd("HostbasedAcceptedKeyTypes", "algorithms", "comma", match=True,
          renamed_to="HostbasedAcceptedAlgorithms", renamed_in="8.5",
          note="old name of HostbasedAcceptedAlgorithms, still accepted"),
    _sshd("HostDSAKey", "path", "repeat", first_wins=False, renamed_to="HostKey",
          renamed_in="7.4", effective_key="hostkey", note="old alias of HostKey"),
    _sshd("KeepAlive", "yesno", renamed_to="TCPKeepAlive", renamed_in="7.4",
          effective_key="tcpkeepalive", note="old alias of TCPKeepAlive"),
    _sshd("KerberosTgtPassing", "yesno", deprecated="7.4", dumped=False,
          note="unsupported (compiled out) long before 7.4"),
    _sshd("KeyRegenerationInterval", "duration", deprecated="7.4", dumped=False,
          note="SSH-1 only; SSH-1 was removed in 7.4"),
    _sshd("PAMAuthenticationViaKbdInt", "yesno", deprecated="7.4", removed="10.4", dumped=False,
          note="a no-op for years; the 10.4 rewrite of servconf.c dropped it"),
    _sshd("Protocol", "token", deprecated="7.4", dumped=False,
          note="silently ignored since SSH-1 was removed in 7.4 (no warning)"),
    _sshd("PubkeyAcceptedKeyTypes", "algorithms", "comma", match=True,
          renamed_to="PubkeyAcceptedAlgorithms", renamed_in="8.5",
          note="old name of PubkeyAcceptedAlgorithms, still accepted"),
    _sshd("ReverseMappingCheck", "yesno", deprecated="7.4", dumped=False),
    _sshd("RhostsAuthentication", "yesno", deprecated="7.4", dumped=False),
    _sshd("RhostsRSAAuthentication", "yesno", match=True, deprecated="7.4", dumped=False,
          note="SSH-1 only"),
    _sshd("RSAAuthentication", "yesno", match=True, deprecated="7.4", dumped=False,
          note="SSH-1 only; use PubkeyAuthentication"),
    _sshd("ServerKeyBits", "int", deprecated="7.4", dumped=False, note="SSH-1 only"),
    _sshd("SKeyAuthentication", "yesno", match=True, match_since="8.7", deprecated="7.8",
          renamed_to="KbdInteractiveAuthentication", renamed_in="8.7",
          effective_key="challengeresponseauthentication",
          note="alias of ChallengeResponseAuthentication before 7.8, a no-op 7.8-8.6, "
               "alias of KbdInteractiveAuthentication since 8.7"),
    _sshd("UseLogin", "yesno", deprecated="7.4", dumped=False,
          note="removed in 7.4 (accepted with a 'Deprecated option' warning)"),
    _sshd("UsePrivilegeSeparation", "choice", choices=("yes", "no", "sandbox"),
          deprecated="7.5", dumped=False,
          note="privilege separation is mandatory since 7.5"),
    _sshd("VerifyReverseMapping", "yesno", deprecated="7.4", dumped=False),
    # --- Debian patches ----------------------------------------------------
    _sshd("DebianBanner", "yesno", vendor="debian", dumped=False,
          note="Debian patch: append the Debian version to the banner; "
               "sshd -T prints it only from Debian's 10.0 build on"),
    _sshd("GSSAPIKexAlgorithms", "algorithms", "comma", vendor="debian", note=_DEBIAN_GSS),
    _sshd("GSSAPIKeyExchange", "yesno", vendor="debian", note=_DEBIAN_GSS),
    _sshd("GSSAPIStoreCredentialsOnRekey", "yesno", vendor="debian", note=_DEBIAN_GSS),
    _sshd("PermitBlacklistedKeys", "yesno", vendor="debian", deprecated="7.4", dumped=False,
          note="Debian patch from the 2008 weak-key blacklist; now a 'Deprecated option'"),
)


SSH_KEYWORDS: Tuple[Keyword, ...] = (
    # --- current keywords (ssh_config(5) of the newest release) ----------
    _ssh("AddKeysToAgent", "text",
         note="yes, no, ask, confirm, optionally followed by a lifetime (8.2+)"),
    _ssh("AddressFamily", "choice", choices=_FAMILY),
    _ssh("BatchMode", "yesno"),
    _ssh("BindAddress", "token", note="printed only when set"),
    _ssh("BindInterface", "token", since="7.7", note="printed only when set"),
    _ssh("CanonicalDomains", "token", "space", note="printed only when set"),
    _ssh("CanonicalizeFallbackLocal", "yesno"),
    _ssh("CanonicalizeHostname", "choice", choices=("yes", "no", "always")),
    _ssh("CanonicalizeMaxDots", "int", minimum=0),
    _ssh("CanonicalizePermittedCNAMEs", "token", "space",
         note="source_domains:target_domains rules; ssh -G prints the key as "
              "'canonicalizePermittedcnames'"),
    _ssh("CASignatureAlgorithms", "algorithms", "comma", since="7.9"),
    _ssh("CertificateFile", "path", "repeat", first_wins=False, relative_ok=True,
         note="every line adds a certificate; printed only when set"),
    _ssh("ChannelTimeout", "channel_timeout", "space", since="9.6"),
    _ssh("CheckHostIP", "yesno"),
    _ssh("Ciphers", "algorithms", "comma"),
    _ssh("ClearAllForwardings", "yesno"),
    _ssh("Compression", "yesno"),
    _ssh("ConnectionAttempts", "int", minimum=1),
    _ssh("ConnectTimeout", "duration", none_ok=True),
    _ssh("ControlMaster", "choice", choices=("yes", "no", "ask", "auto", "autoask")),
    _ssh("ControlPath", "path", none_ok=True, relative_ok=True,
         note="never under a world-writable directory"),
    _ssh("ControlPersist", "token", note="yes, no or a duration"),
    _ssh("DynamicForward", "forward", "repeat", first_wins=False,
         note="[bind_address:]port; every line adds a forwarding"),
    _ssh("EnableEscapeCommandline", "yesno", since="9.2"),
    _ssh("EnableSSHKeysign", "yesno"),
    _ssh("EscapeChar", "token", none_ok=True),
    _ssh("ExitOnForwardFailure", "yesno"),
    _ssh("FingerprintHash", "choice", choices=_HASHES),
    _ssh("ForkAfterAuthentication", "yesno", since="8.7",
         note="'yes' needs a command (RemoteCommand or on the command line)"),
    _ssh("ForwardAgent", "token", note="yes, no, a socket path or $ENVIRONMENT_VARIABLE"),
    _ssh("ForwardX11", "yesno"),
    _ssh("ForwardX11Timeout", "duration"),
    _ssh("ForwardX11Trusted", "yesno"),
    _ssh("GatewayPorts", "yesno"),
    _ssh("GlobalKnownHostsFile", "path", "space", none_ok=True),
    _ssh("GSSAPIAuthentication", "yesno"),
    _ssh("GSSAPIDelegateCredentials", "yesno"),
    _ssh("HashKnownHosts", "yesno"),
    _ssh("Host", "pattern", "space", block=True, dumped=False,
         note="opens a Host block; written by render.py"),
    _ssh("HostbasedAcceptedAlgorithms", "algorithms", "comma", since="8.7",
         note="8.5/8.6 only accept it as HostbasedAlgorithms; HostbasedKeyTypes works everywhere"),
    _ssh("HostbasedAuthentication", "yesno"),
    _ssh("HostKeyAlgorithms", "algorithms", "comma"),
    _ssh("HostKeyAlias", "token", note="printed only when set"),
    _ssh("Hostname", "token", note="spelt HostName in man pages before 8.1"),
    _ssh("IdentitiesOnly", "yesno"),
    _ssh("IdentityAgent", "path", none_ok=True, relative_ok=True,
         note="a socket path, SSH_AUTH_SOCK or $VARIABLE; printed only when set"),
    _ssh("IdentityFile", "path", "repeat", first_wins=False, relative_ok=True,
         note="every line adds a key"),
    _ssh("IgnoreUnknown", "pattern", "comma",
         note="put it before the keywords it should cover; printed only when set"),
    _ssh("Include", "path", "repeat", first_wins=False, relative_ok=True, dumped=False,
         note="glob patterns allowed; relative paths are below ~/.ssh (user file) or /etc/ssh"),
    _ssh("IPQoS", "ipqos"),
    _ssh("KbdInteractiveAuthentication", "yesno",
         note="before 8.7 ChallengeResponseAuthentication (default yes) overrides it"),
    _ssh("KbdInteractiveDevices", "token", "comma", note="printed only when set"),
    _ssh("KexAlgorithms", "algorithms", "comma"),
    _ssh("KnownHostsCommand", "text", since="8.5", none_ok=True, note="printed only when set"),
    _ssh("LocalCommand", "text", note="printed only when set"),
    _ssh("LocalForward", "forward", "repeat", first_wins=False,
         note="every line adds a forwarding"),
    _ssh("LogLevel", "choice", choices=_LOG_LEVELS, note=_UPPER_NOTE),
    _ssh("LogVerbose", "token", "comma", since="8.5", none_ok=True),
    _ssh("MACs", "algorithms", "comma"),
    _ssh("Match", "raw", block=True, dumped=False,
         note="opens a Match block; written by render.py"),
    _ssh("NoHostAuthenticationForLocalhost", "yesno"),
    _ssh("NumberOfPasswordPrompts", "int", minimum=0),
    _ssh("ObscureKeystrokeTiming", "token", since="9.5", note="yes, no or interval:MILLISECONDS"),
    _ssh("PasswordAuthentication", "yesno"),
    _ssh("PermitLocalCommand", "yesno"),
    _ssh("PermitRemoteOpen", "hostport", "space", since="8.5",
         note="'any' or 'none' alone, or host:port entries"),
    _ssh("PKCS11Provider", "path", none_ok=True, note="printed only when set"),
    _ssh("Port", "port"),
    _ssh("PreferredAuthentications", "token", "comma", note="printed only when set"),
    _ssh("ProxyCommand", "text", none_ok=True, note="printed only when set"),
    _ssh("ProxyJump", "token", "comma", none_ok=True, note="printed only when set"),
    _ssh("ProxyUseFdpass", "yesno"),
    _ssh("PubkeyAcceptedAlgorithms", "algorithms", "comma", since="8.5",
         note="called PubkeyAcceptedKeyTypes before 8.5"),
    _ssh("PubkeyAuthentication", "choice", choices=("yes", "no", "unbound", "host-bound"),
         note="unbound and host-bound since 8.9"),
    _ssh("RefuseConnection", "yesno", since="10.1"),
    _ssh("RekeyLimit", "rekeylimit"),
    _ssh("RemoteCommand", "text", since="7.6", none_ok=True, note="printed only when set"),
    _ssh("RemoteForward", "forward", "repeat", first_wins=False,
         note="every line adds a forwarding"),
    _ssh("RequestTTY", "choice", choices=("yes", "no", "force", "auto")),
    _ssh("RequiredRSASize", "int", since="9.1", minimum=1024),
    _ssh("RevokedHostKeys", "path", relative_ok=True, note="printed only when set"),
    _ssh("SecurityKeyProvider", "path", since="8.2", note="a library path or 'internal'"),
    _ssh("SendEnv", "pattern", "space", first_wins=False,
         note="every line adds names; '-NAME' removes; printed only when set"),
    _ssh("ServerAliveCountMax", "int", minimum=0),
    _ssh("ServerAliveInterval", "duration"),
    _ssh("SessionType", "choice", since="8.7", choices=("none", "subsystem", "default")),
    _ssh("SetEnv", "setenv", "space", since="7.8", note="printed only when set"),
    _ssh("StdinNull", "yesno", since="8.7"),
    _ssh("StreamLocalBindMask", "octal"),
    _ssh("StreamLocalBindUnlink", "yesno"),
    _ssh("StrictHostKeyChecking", "choice", choices=("yes", "accept-new", "no", "off", "ask"),
         note="ssh -G prints 'true'/'false' for yes/no"),
    _ssh("SyslogFacility", "choice", since="7.6", choices=_FACILITIES, note=_UPPER_NOTE),
    _ssh("Tag", "token", since="9.4", note="printed only when set"),
    _ssh("TCPKeepAlive", "yesno"),
    _ssh("Tunnel", "choice", choices=_TUNNEL),
    _ssh("TunnelDevice", "token", note="local_tun[:remote_tun], 'any' allowed"),
    _ssh("UpdateHostKeys", "choice", choices=("yes", "no", "ask")),
    _ssh("User", "token"),
    _ssh("UserKnownHostsFile", "path", "space", none_ok=True, relative_ok=True),
    _ssh("VerifyHostKeyDNS", "choice", choices=("yes", "no", "ask")),
    _ssh("VersionAddendum", "text", since="10.0", none_ok=True, note="printed only when set"),
    _ssh("VisualHostKey", "yesno"),
    _ssh("WarnWeakCrypto", "choice", since="10.1", choices=("yes", "no", "no-pq-kex")),
    _ssh("XAuthLocation", "path"),
    # --- old names and removed / deprecated keywords ----------------------
    _ssh("AFSTokenPassing", "yesno", deprecated="7.4", dumped=False,
         note="'Unsupported option' (compiled out)"),
    _ssh("ChallengeResponseAuthentication", "yesno",
         renamed_to="KbdInteractiveAuthentication", renamed_in="8.7",
         note="a separate keyword before 8.7 (default yes, forces keyboard-interactive on); "
              "an alias of KbdInteractiveAuthentication since 8.7"),
    _ssh("Cipher", "token", deprecated="7.6", dumped=False,
         note="SSH-1 cipher; ignored since SSH-1 support was removed in 7.6"),
    _ssh("CompressionLevel", "int", deprecated="7.6", dumped=False,
         note="SSH-1 only; 'Unsupported option' since 7.6"),
    _ssh("DSAAuthentication", "yesno", renamed_to="PubkeyAuthentication", renamed_in="7.4",
         effective_key="pubkeyauthentication", note="old alias of PubkeyAuthentication"),
    _ssh("FallBackToRsh", "yesno", deprecated="7.4", dumped=False),
    _ssh("GlobalKnownHostsFile2", "path", deprecated="7.4", dumped=False,
         note="list the file in GlobalKnownHostsFile instead"),
    _ssh("HostbasedAlgorithms", "algorithms", "comma", since="8.5", removed="8.7",
         renamed_to="HostbasedAcceptedAlgorithms", renamed_in="8.7",
         note="the name 8.5 and 8.6 actually parsed for the documented HostbasedAcceptedAlgorithms"),
    _ssh("HostbasedKeyTypes", "algorithms", "comma",
         renamed_to="HostbasedAcceptedAlgorithms", renamed_in="8.7",
         note="old name of HostbasedAcceptedAlgorithms, accepted by every version"),
    _ssh("IdentityFile2", "path", "repeat", first_wins=False, relative_ok=True,
         renamed_to="IdentityFile", renamed_in="7.4", effective_key="identityfile",
         note="old alias of IdentityFile"),
    _ssh("KeepAlive", "yesno", renamed_to="TCPKeepAlive", renamed_in="7.4",
         effective_key="tcpkeepalive", note="old alias of TCPKeepAlive"),
    _ssh("KerberosAuthentication", "yesno", deprecated="7.4", dumped=False,
         note="'Unsupported option' in the client"),
    _ssh("KerberosTGTPassing", "yesno", deprecated="7.4", dumped=False,
         note="'Unsupported option' in the client"),
    _ssh("Protocol", "token", deprecated="7.6", dumped=False,
         note="silently ignored since SSH-1 support was removed in 7.6"),
    _ssh("PubkeyAcceptedKeyTypes", "algorithms", "comma",
         renamed_to="PubkeyAcceptedAlgorithms", renamed_in="8.5",
         note="old name of PubkeyAcceptedAlgorithms, still accepted"),
    _ssh("RhostsAuthentication", "yesno", deprecated="7.4", dumped=False),
    _ssh("RhostsRSAAuthentication", "yesno", deprecated="7.6", dumped=False,
         note="SSH-1 only; 'Unsupported option' since 7.6"),
    _ssh("RSAAuthentication", "yesno", deprecated="7.6", dumped=False,
         note="SSH-1 only; 'Unsupported option' since 7.6"),
    _ssh("SKeyAuthentication", "yesno", deprecated="7.8",
         renamed_to="KbdInteractiveAuthentication", renamed_in="8.7",
         effective_key="challengeresponseauthentication",
         note="alias of ChallengeResponseAuthentication before 7.8, unsupported 7.8-8.6, "
              "alias of KbdInteractiveAuthentication since 8.7"),
    _ssh("SmartcardDevice", "path", renamed_to="PKCS11Provider", renamed_in="7.4",
         effective_key="pkcs11provider", note="old alias of PKCS11Provider"),
    _ssh("TISAuthentication", "yesno",
         renamed_to="KbdInteractiveAuthentication", renamed_in="8.7",
         effective_key="challengeresponseauthentication",
         note="alias of ChallengeResponseAuthentication before 8.7, "
              "of KbdInteractiveAuthentication since"),
    _ssh("UsePrivilegedPort", "yesno", deprecated="7.8", dumped=False),
    _ssh("UserKnownHostsFile2", "path", deprecated="7.4", dumped=False,
         note="list the file in UserKnownHostsFile instead"),
    _ssh("UseRoaming", "yesno", deprecated="7.4", dumped=False,
         note="roaming was removed after CVE-2016-0777"),
    _ssh("UseRsh", "yesno", deprecated="7.4", dumped=False),
    # --- Debian patches ----------------------------------------------------
    _ssh("GSSAPIClientIdentity", "token", vendor="debian", note=_DEBIAN_GSS),
    _ssh("GSSAPIKexAlgorithms", "algorithms", "comma", vendor="debian", note=_DEBIAN_GSS),
    _ssh("GSSAPIKeyExchange", "yesno", vendor="debian", note=_DEBIAN_GSS),
    _ssh("GSSAPIRenewalForcesRekey", "yesno", vendor="debian", note=_DEBIAN_GSS),
    _ssh("GSSAPIServerIdentity", "token", vendor="debian", note=_DEBIAN_GSS),
    _ssh("GSSAPITrustDns", "yesno", vendor="debian", note=_DEBIAN_GSS),
    _ssh("ProtocolKeepAlives", "duration", vendor="debian",
         renamed_to="ServerAliveInterval", renamed_in="7.4",
         effective_key="serveraliveinterval",
         note="Debian patch: alias of ServerAliveInterval"),
    _ssh("SetupTimeOut", "duration", vendor="debian",
         renamed_to="ConnectTimeout", renamed_in="7.4", effective_key="connecttimeout",
         note="Debian patch: alias of ConnectTimeout"),
    _ssh("UseBlacklistedKeys", "yesno", vendor="debian", deprecated="7.4", dumped=False,
         note="Debian patch from the 2008 weak-key blacklist; now ignored"),
)


MATCH_CRITERIA: Dict[str, Dict[str, Criterion]] = {
    "sshd": {
        c.name.lower(): c
        for c in (
            Criterion("All", takes_argument=False),
            Criterion("User"),
            Criterion("Group"),
            Criterion("Host"),
            Criterion("Address"),
            Criterion("LocalAddress"),
            Criterion("LocalPort"),
            Criterion("RDomain", since="7.7"),
            Criterion("Invalid-User", since="9.9", takes_argument=False),
            Criterion("Version", since="10.0"),
        )
    },
    "ssh": {
        c.name.lower(): c
        for c in (
            Criterion("all", takes_argument=False),
            Criterion("canonical", takes_argument=False),
            Criterion("exec"),
            Criterion("host"),
            Criterion("localuser"),
            Criterion("originalhost"),
            Criterion("user"),
            Criterion("final", since="8.0", takes_argument=False),
            Criterion("localnetwork", since="9.4"),
            Criterion("tagged", since="9.4"),
            Criterion("command", since="10.0"),
            Criterion("sessiontype", since="10.0"),
            Criterion("version", since="10.0"),
        )
    },
}


#: Name translations resolve() applies: (old, new, version, note) per daemon.
#: From ``version`` on, a request for ``old`` is written as ``new``; on older
#: targets a request for ``new`` is written as the first ``old`` of the list
#: that the target accepts and does not ignore.
TRANSLATIONS: Dict[str, Tuple[Tuple[str, str, str, str], ...]] = {
    "sshd": (
        ("PubkeyAcceptedKeyTypes", "PubkeyAcceptedAlgorithms", "8.5",
         "renamed in 8.5; the old name stays an alias"),
        ("HostbasedAcceptedKeyTypes", "HostbasedAcceptedAlgorithms", "8.5",
         "renamed in 8.5; the old name stays an alias"),
        ("ChallengeResponseAuthentication", "KbdInteractiveAuthentication", "8.7",
         "before 8.7 ChallengeResponseAuthentication (default yes) switches keyboard-interactive "
         "on whatever KbdInteractiveAuthentication says, so it is the keyword that decides; "
         "since 8.7 it is a deprecated alias"),
        ("SKeyAuthentication", "KbdInteractiveAuthentication", "8.7",
         "a no-op 7.8-8.6, an alias since 8.7"),
        ("DSAAuthentication", "PubkeyAuthentication", "7.4", "old alias"),
        ("HostDSAKey", "HostKey", "7.4", "old alias"),
        ("KeepAlive", "TCPKeepAlive", "7.4", "old alias"),
    ),
    "ssh": (
        ("PubkeyAcceptedKeyTypes", "PubkeyAcceptedAlgorithms", "8.5",
         "renamed in 8.5; the old name stays an alias"),
        ("HostbasedKeyTypes", "HostbasedAcceptedAlgorithms", "8.7",
         "8.5 documented HostbasedAcceptedAlgorithms but parsed HostbasedAlgorithms; "
         "the documented name works from 8.7, HostbasedKeyTypes on every version"),
        ("HostbasedAlgorithms", "HostbasedAcceptedAlgorithms", "8.7",
         "the spelling 8.5 and 8.6 parsed; rejected from 8.7"),
        ("ChallengeResponseAuthentication", "KbdInteractiveAuthentication", "8.7",
         "before 8.7 ChallengeResponseAuthentication (default yes) switches keyboard-interactive "
         "on whatever KbdInteractiveAuthentication says; since 8.7 an alias"),
        ("TISAuthentication", "KbdInteractiveAuthentication", "8.7",
         "alias of ChallengeResponseAuthentication before 8.7"),
        ("SKeyAuthentication", "KbdInteractiveAuthentication", "8.7",
         "unsupported 7.8-8.6, an alias since 8.7"),
        ("DSAAuthentication", "PubkeyAuthentication", "7.4", "old alias"),
        ("IdentityFile2", "IdentityFile", "7.4", "old alias"),
        ("KeepAlive", "TCPKeepAlive", "7.4", "old alias"),
        ("SmartcardDevice", "PKCS11Provider", "7.4", "old alias"),
        ("ProtocolKeepAlives", "ServerAliveInterval", "7.4", "Debian alias"),
        ("SetupTimeOut", "ConnectTimeout", "7.4", "Debian alias"),
    ),
}


_CONFIG_FILE = {"sshd": "sshd_config", "ssh": "ssh_config"}
_BY_DAEMON = {"sshd": SSHD_KEYWORDS, "ssh": SSH_KEYWORDS}
_INDEX: Dict[str, Dict[str, Keyword]] = {
    daemon: {kw.name.lower(): kw for kw in table} for daemon, table in _BY_DAEMON.items()
}


# ---------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------


def _check_daemon(daemon: str) -> str:
    if daemon not in _INDEX:
        raise OpenSSHConfigError("unknown daemon %r (expected 'sshd' or 'ssh')" % (daemon,))
    return daemon


def keywords(daemon: str) -> Dict[str, Keyword]:
    """Every keyword of ``daemon`` ("sshd" or "ssh"), keyed by lower-case name.

    Old names, deprecated and Debian-only keywords are included; a fresh dict
    is returned so callers may change it.
    """
    return dict(_INDEX[_check_daemon(daemon)])


def suggest(daemon: str, name: str) -> Optional[str]:
    """The canonical name of the known keyword closest to ``name``, or None."""
    table = _INDEX[_check_daemon(daemon)]
    wanted = str(name).strip().lower()
    if wanted in table:
        return table[wanted].name
    close = difflib.get_close_matches(wanted, list(table), n=1, cutoff=0.6)
    return table[close[0]].name if close else None


def lookup(daemon: str, name: str) -> Keyword:
    """The keyword called ``name`` (any case); OpenSSHConfigError when unknown."""
    table = _INDEX[_check_daemon(daemon)]
    wanted = str(name).strip().lower()
    if wanted in table:
        return table[wanted]
    message = "unknown %s keyword %r" % (_CONFIG_FILE[daemon], str(name))
    guess = suggest(daemon, name)
    if guess:
        message += "; did you mean %r?" % guess
    raise OpenSSHConfigError(message)


def family(daemon: str, name: str) -> str:
    """One key for a keyword and every other spelling of it (old names, aliases), lower case.

    ``family("sshd", "PubkeyAcceptedKeyTypes") == family("sshd", "PubkeyAcceptedAlgorithms")``:
    layers of settings that spell one keyword differently still override each
    other. An unknown name is its own family.
    """
    try:
        current = lookup(daemon, name).name
    except OpenSSHConfigError:
        return str(name).strip().lower()
    seen = set()
    while current.lower() not in seen:
        seen.add(current.lower())
        step = _translation_from(daemon, current)
        if step is None:
            break
        current = step[1]
    return current.lower()


def _translations_to(daemon: str, new: str):
    return [t for t in TRANSLATIONS[daemon] if t[1].lower() == new.lower()]


def _translation_from(daemon: str, old: str):
    for t in TRANSLATIONS[daemon]:
        if t[0].lower() == old.lower():
            return t
    return None


def _unavailable(kw: Keyword, version: str) -> OpenSSHConfigError:
    wanted = vtuple(version)
    if wanted < vtuple(kw.since):
        return OpenSSHConfigError(
            "%s needs OpenSSH %s or newer; the target runs %s" % (kw.name, kw.since, version)
        )
    if kw.removed is not None and wanted >= vtuple(kw.removed):
        text = "%s was removed in OpenSSH %s; the target runs %s" % (kw.name, kw.removed, version)
        if kw.note:
            text += " (%s)" % kw.note
        return OpenSSHConfigError(text)
    return OpenSSHConfigError(
        "OpenSSH %s rejects %s: %s" % (version, kw.name, kw.note or "an upstream regression")
    )


def resolve(daemon: str, name: str, version: Union[str, Sequence[int]]) -> Keyword:
    """The keyword to write for ``name`` on a target running ``version``.

    * an old name that the target knows under its new name -> the new keyword
      (PubkeyAcceptedKeyTypes on 9.2 -> PubkeyAcceptedAlgorithms);
    * a new name the target does not know, or knows without its meaning,
      -> the old keyword of TRANSLATIONS that the target accepts
      (PubkeyAcceptedAlgorithms on 8.4 -> PubkeyAcceptedKeyTypes,
      KbdInteractiveAuthentication on 8.4 -> ChallengeResponseAuthentication);
    * a keyword the version does not have yet, has removed, or rejects
      -> OpenSSHConfigError naming the version that matters.

    Deprecated no-ops are returned as they are (``Keyword.deprecated_in``
    tells the caller to warn). ``version`` is "8.4", "8.4p1", "10.0" ...
    """
    kw = lookup(daemon, name)
    shown = vtext(version)
    wanted = vtuple(version)
    if wanted < vtuple(BASELINE):
        raise OpenSSHConfigError(
            "OpenSSH %s is older than %s, the oldest release this collection knows" % (shown, BASELINE)
        )
    # forward: old name on a target that has the new one
    forward = _translation_from(daemon, kw.name)
    if forward is not None and wanted >= vtuple(forward[2]):
        newer = lookup(daemon, forward[1])
        if newer.exists_in(wanted):
            return newer
    # backward: new name on a target older than the translation
    for old, _new, since, _note in _translations_to(daemon, kw.name):
        if wanted < vtuple(since):
            older = lookup(daemon, old)
            if older.exists_in(wanted) and not older.deprecated_in(wanted):
                return older
    if kw.exists_in(wanted):
        return kw
    if forward is not None:
        # an old spelling the target lacks (HostbasedAlgorithms on 8.4):
        # write the spelling of the same keyword that the target has
        for old, _new, since, _note in _translations_to(daemon, forward[1]):
            sibling = lookup(daemon, old)
            if sibling is not kw and sibling.exists_in(wanted) and not sibling.deprecated_in(wanted):
                return sibling
    raise _unavailable(kw, shown)


def criterion(daemon: str, name: str, version: Union[str, Sequence[int]]) -> Criterion:
    """The Match criterion ``name`` (any case) if ``version`` supports it."""
    table = MATCH_CRITERIA[_check_daemon(daemon)]
    wanted = str(name).strip().lower()
    if wanted not in table:
        message = "unknown Match criterion %r in %s" % (str(name), _CONFIG_FILE[daemon])
        close = difflib.get_close_matches(wanted, list(table), n=1, cutoff=0.6)
        if close:
            message += "; did you mean %r?" % table[close[0]].name
        raise OpenSSHConfigError(message)
    found = table[wanted]
    if vtuple(version) < vtuple(found.since):
        raise OpenSSHConfigError(
            "Match %s needs OpenSSH %s or newer; the target runs %s"
            % (found.name, found.since, vtext(version))
        )
    return found


def allowed_in_match(daemon: str, name: str, version: Optional[Union[str, Sequence[int]]] = None) -> bool:
    """May ``name`` stand inside a Match block (and, for ssh, under Host)?

    Without ``version`` the answer holds for the newest release; with it,
    keywords that became Match-able later (``match_since``) say no on older
    targets. Block keywords (Match, Host) are never "inside" a block.
    """
    kw = lookup(daemon, name)
    if kw.block or not kw.match:
        return False
    if version is not None and kw.match_since is not None:
        return vtuple(version) >= vtuple(kw.match_since)
    return True
