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
  dumped       False when `sshd -T`/`ssh -G` does not print the keyword at all
               (Include, Match, Subsystem on some versions ...).
  first_wins   True for the (usual) "first obtained value is used" rule; False
               for keywords where every line adds (HostKey, Port, ...).
  note         short free text shown in errors (e.g. why it was removed).

Match criteria: MATCH_CRITERIA[daemon] maps lower-case criterion name to a
Criterion(name, since, takes_argument).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

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
    "listen_address", # host | host:port | [v6]:port, optional "rdomain NAME"
    "hostport",       # host:port (PermitOpen, PermitListen, LocalForward parts ...)
    "subsystem",      # mapping name -> command line (one line per subsystem)
    "maxstartups",    # N or start:rate:full
    "rekeylimit",     # size [time]
    "ipqos",          # one or two QoS words or numbers
    "channel_timeout",# type=interval
    "setenv",         # NAME=VALUE
    "octal",          # umask-like octal (StreamLocalBindMask)
    "penalties",      # PerSourcePenalties words (name:duration)
    "forward",        # ssh: LocalForward/RemoteForward "listen target"
    "raw",            # passed through after the universal checks only
)

MULTI_KINDS = ("single", "comma", "space", "repeat")


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

    @property
    def key(self) -> str:
        """Lower-case key as sshd -T / ssh -G print it."""
        return self.effective_key or self.name.lower()


@dataclass(frozen=True)
class Criterion:
    name: str
    since: str = "7.4"
    takes_argument: bool = True


# ---------------------------------------------------------------------------
# Data. Filled from servconf.c / readconf.c keyword tables and the man pages at
# each release tag (see docs/keyword-catalogue.md for the method).
# ---------------------------------------------------------------------------

SSHD_KEYWORDS: Tuple[Keyword, ...] = ()
SSH_KEYWORDS: Tuple[Keyword, ...] = ()
MATCH_CRITERIA: Dict[str, Dict[str, Criterion]] = {"sshd": {}, "ssh": {}}
