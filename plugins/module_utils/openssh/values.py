# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check, render and normalise one keyword's value, per catalogue value type.

Two entry points:

``render_value(keyword, value, where, version=None) -> List[str]``
    the text written after the keyword, one element per line. Raises
    OpenSSHConfigError (with ``where``) for anything sshd/ssh would refuse or,
    worse, read differently from what the data says.

``normalise(keyword, value, version=None) -> List[str]``
    the same value as ``sshd -T`` / ``ssh -G`` print it (one element per
    printed line), so requested and effective values can be compared.

Rules learnt from the real parsers (Debian 8.4p1, 9.2p1, 10.0p2; see the
tests for the recorded cases):

* Control characters (CR, LF, NUL, TAB, ...) are refused everywhere: a line
  break in a Banner or AllowUsers value would inject a config line.
* ``#`` starts a comment ANYWHERE on a line before 8.7 (``Banner /etc/is#sue``
  -> ``banner /etc/is``, even inside double quotes); from 8.7 only at the start
  of a word. Refused accordingly; an unknown version is treated as the oldest.
* Double quotes group words on every version (``AllowUsers "a b"`` is one
  user), single quotes only from 8.7 (8.4 keeps them as characters). So a
  word with spaces is written in double quotes, and ``"``, ``'`` and ``\\``
  are refused in words: no version-independent reading exists.
* Rest-of-line values (value type "text": ForceCommand, ProxyCommand ...)
  are kept verbatim, quotes included (sshd prints them back unchanged), so
  they are never quoted by us.
* Subsystem commands: 8.4 and 9.2 strip quotes, 10.0 keeps them: quotes in a
  Subsystem command need 9.5+.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Any, List, Mapping, Optional, Tuple

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.text import (  # noqa: F401 (public here too)
    check_text,
    check_tree,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import (
    OpenSSHConfigError,
)
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.version import (
    at_least,
)

_KEYWORD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")
_ALGORITHM_RE = re.compile(r"^[a-z0-9@._+*?-]+\Z")
_DURATION_RE = re.compile(r"^(?:\d+[smhdwSMHDW]?)+\Z")
_DURATION_PART_RE = re.compile(r"(\d+)([smhdwSMHDW]?)")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
_SUBSYSTEM_NAME_RE = re.compile(r"^[A-Za-z0-9._@-]+\Z")
_HOST_RE = re.compile(r"^[A-Za-z0-9._%*?-]+\Z")
_CHANNEL_TYPE_RE = re.compile(r"^[a-z0-9@._*:-]+\Z")  # session:shell, session:subsystem:sftp, session:*
_SIZE_RE = re.compile(r"^(\d+)([KMGkmg]?)\Z")
_OCTAL_RE = re.compile(r"^0?[0-7]{1,4}\Z")

_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
_INT_MAX = 2 ** 31 - 1

#: DSCP / ToS names sshd and ssh know, with the number each stands for (misc.c).
#: When printing a number, the first name with that number wins (4 -> "le").
IPQOS_NAMES = (
    ("af11", 0x28), ("af12", 0x30), ("af13", 0x38),
    ("af21", 0x48), ("af22", 0x50), ("af23", 0x58),
    ("af31", 0x68), ("af32", 0x70), ("af33", 0x78),
    ("af41", 0x88), ("af42", 0x90), ("af43", 0x98),
    ("cs0", 0x00), ("cs1", 0x20), ("cs2", 0x40), ("cs3", 0x60),
    ("cs4", 0x80), ("cs5", 0xA0), ("cs6", 0xC0), ("cs7", 0xE0),
    ("ef", 0xB8), ("le", 0x04),
    ("lowdelay", 0x10), ("throughput", 0x08), ("reliability", 0x04),
)
_IPQOS_BY_NAME = dict(IPQOS_NAMES)

#: PerSourcePenalties words (9.8+, invaliduser 10.3) and what their value is.
PENALTY_WORDS = {
    "crash": "duration", "authfail": "duration", "noauth": "duration",
    "grace-exceeded": "duration", "refuseconnection": "duration",
    "invaliduser": "duration", "max": "duration", "min": "duration",
    "max-sources4": "int", "max-sources6": "int",
    "overflow": ("permissive", "deny-all"), "overflow6": ("permissive", "deny-all"),
}

#: keys whose several values `sshd -T` / `ssh -G` print on ONE line (others:
#: one line per value). Checked live on 8.4, 9.2 and 10.0.
DUMP_ONE_LINE = {
    "sshd": frozenset({
        "authorizedkeysfile", "authenticationmethods", "permitopen", "permitlisten",
        "channeltimeout", "pubkeyauthoptions", "persourcepenalties", "ipqos",
        "rekeylimit", "logverbose",
    }),
    "ssh": frozenset({
        "userknownhostsfile", "globalknownhostsfile", "canonicaldomains",
        "permitremoteopen", "channeltimeout", "ipqos", "rekeylimit", "logverbose",
        "canonicalizepermittedcnames",
    }),
}

#: choice/yes-no words that the dump prints differently: (daemon, key) -> {given: printed}.
_PRINTED_AS = {
    ("sshd", "compression"): {"delayed": "yes"},
    ("sshd", "allowtcpforwarding"): {"all": "yes"},
    ("sshd", "allowstreamlocalforwarding"): {"all": "yes"},
    ("ssh", "addkeystoagent"): {"yes": "true", "no": "false"},
    ("ssh", "canonicalizehostname"): {"yes": "true", "no": "false"},
    ("ssh", "controlmaster"): {"yes": "true", "no": "false"},
    ("ssh", "requesttty"): {"yes": "true", "no": "false"},
    ("ssh", "stricthostkeychecking"): {"yes": "true", "no": "false", "off": "false"},
    ("ssh", "updatehostkeys"): {"yes": "true", "no": "false"},
    ("ssh", "verifyhostkeydns"): {"yes": "true", "no": "false"},
    ("ssh", "tunnel"): {"yes": "point-to-point"},
}
#: words a "path" keyword accepts besides a path.
_PATH_WORDS = {"securitykeyprovider": ("internal",), "hostkeyagent": ("SSH_AUTH_SOCK",),
               "identityagent": ("SSH_AUTH_SOCK",)}
#: keys printed in upper case (log levels, facilities, hash names).
_PRINTED_UPPER = frozenset({"loglevel", "syslogfacility", "fingerprinthash"})


# ---------------------------------------------------------------------------
# Universal checks
# ---------------------------------------------------------------------------

def check_keyword_name(name: Any, where: str) -> str:
    """A keyword as given in the data: a string of letters and digits."""
    if not isinstance(name, str):
        raise OpenSSHConfigError(f"keyword must be a string, got {type(name).__name__}", where)
    check_text(name, where, "keyword")
    stripped = name.strip()
    if not _KEYWORD_RE.match(stripped):
        raise OpenSSHConfigError(f"{name!r} is not a keyword (letters and digits only)", where)
    return stripped


def check_comment_char(text: str, where: str, version: Optional[str]) -> None:
    """Refuse a ``#`` that sshd/ssh of ``version`` would read as a comment."""
    if "#" not in text:
        return
    if version is None or not at_least(version, "8.7"):
        raise OpenSSHConfigError(
            f"{text!r} contains '#': OpenSSH before 8.7 treats '#' anywhere on a line as the start "
            "of a comment and would silently drop the rest"
            + ("" if version else " (no target version given, so the oldest rules apply)"),
            where,
        )
    if re.search(r"(^|\s)#", text):
        raise OpenSSHConfigError(
            f"{text!r} has a word starting with '#', which OpenSSH reads as a comment", where
        )


def quote_word(text: str, where: str) -> str:
    """One argument word: double-quoted when it holds spaces.

    ``"`` ``'`` and ``\\`` are refused: 8.4 keeps single quotes and
    backslashes literally while 8.7+ interprets them, and no version lets a
    double quote be escaped portably.
    """
    for char, why in (('"', "a double quote"), ("'", "a single quote"), ("\\", "a backslash")):
        if char in text:
            raise OpenSSHConfigError(
                f"{text!r} contains {why}, which OpenSSH versions read differently "
                "(quoting rules changed in 8.7); it cannot be written safely",
                where,
            )
    if " " in text:
        return f'"{text}"'
    return text


# ---------------------------------------------------------------------------
# Scalar helpers
# ---------------------------------------------------------------------------

def type_name(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "nothing (null)"
    return f"a {type(value).__name__}"


def _scalar(value: Any, where: str, allow_int: bool = True) -> str:
    """A non-empty string from a str (or int); anything else is an error."""
    if isinstance(value, bool) or value is None or isinstance(value, (Mapping, list, tuple, set, frozenset)):
        raise OpenSSHConfigError(f"expected a single word or text, got {type_name(value)}", where)
    if isinstance(value, int) and allow_int:
        return str(value)
    if isinstance(value, float) and allow_int and value.is_integer():
        return str(int(value))
    if not isinstance(value, str):
        raise OpenSSHConfigError(f"expected a string, got {type_name(value)}", where)
    check_text(value, where)
    text = value.strip(" ")
    if not text:
        raise OpenSSHConfigError("needs a value, got an empty string", where)
    return text


def _word(value: Any, where: str) -> str:
    text = _scalar(value, where)
    if " " in text:
        raise OpenSSHConfigError(f"{text!r} must be one word (no spaces)", where)
    return text


def parse_duration(value: Any, where: str) -> int:
    """sshd time format (``30``, ``30s``, ``5m``, ``1h30m``, ``1w``) or an int -> seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise OpenSSHConfigError(f"expected a time (e.g. 30, 30s, 5m, 1h30m), got {type_name(value)}", where)
    if isinstance(value, int):
        seconds = value
    else:
        text = _scalar(value, where)
        if not _DURATION_RE.match(text):
            raise OpenSSHConfigError(
                f"{text!r} is not a time: use seconds or a number with s, m, h, d or w "
                "(e.g. 30, 30s, 5m, 1h30m), without spaces",
                where,
            )
        seconds = 0
        for number, unit in _DURATION_PART_RE.findall(text):
            seconds += int(number) * _DURATION_UNITS[unit.lower()]
    if seconds < 0:
        raise OpenSSHConfigError(f"time must not be negative, got {seconds}", where)
    if seconds > _INT_MAX:
        raise OpenSSHConfigError(f"time {value!r} is too large ({seconds} s)", where)
    return seconds


def parse_size(value: Any, where: str) -> int:
    """RekeyLimit size: bytes, or a number with K, M or G (powers of 1024)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise OpenSSHConfigError(f"expected a size (e.g. 1G, 500M), got {type_name(value)}", where)
    if isinstance(value, int):
        size = value
    else:
        found = _SIZE_RE.match(_scalar(value, where))
        if not found:
            raise OpenSSHConfigError(f"{value!r} is not a size (bytes, or a number with K, M or G)", where)
        size = int(found.group(1)) * _SIZE_UNITS[found.group(2).lower()]
    if size < 0:
        raise OpenSSHConfigError("size must not be negative", where)
    return size


def to_yesno(value: Any, where: str) -> str:
    """``True``/``False`` or ``yes``/``no`` (``true``/``false`` accepted) -> ``yes``/``no``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        check_text(value, where)
        word = value.strip().lower()
        if word in ("yes", "true"):
            return "yes"
        if word in ("no", "false"):
            return "no"
        raise OpenSSHConfigError(f"expected yes or no, got {value!r}", where)
    raise OpenSSHConfigError(f"expected yes or no (or a boolean), got {type_name(value)}", where)


def _to_int(value: Any, where: str, keyword: Any = None) -> int:
    if isinstance(value, bool):
        raise OpenSSHConfigError("expected a number, got a boolean", where)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.match(r"^\s*-?\d+\s*\Z", value):
        number = int(value)
    else:
        raise OpenSSHConfigError(f"expected a whole number, got {value!r}", where)
    if keyword is not None:
        if keyword.minimum is not None and number < keyword.minimum:
            raise OpenSSHConfigError(f"{number} is below the minimum {keyword.minimum}", where)
        if keyword.maximum is not None and number > keyword.maximum:
            raise OpenSSHConfigError(f"{number} is above the maximum {keyword.maximum}", where)
    return number


def _check_range(number: int, keyword: Any, where: str) -> None:
    if keyword.minimum is not None and number < keyword.minimum:
        raise OpenSSHConfigError(f"{number} is below the minimum {keyword.minimum}", where)
    if keyword.maximum is not None and number > keyword.maximum:
        raise OpenSSHConfigError(f"{number} is above the maximum {keyword.maximum}", where)


def _port(value: Any, where: str) -> int:
    number = _to_int(value, where)
    if not 1 <= number <= 65535:
        raise OpenSSHConfigError(f"port {number} is outside 1..65535", where)
    return number


def _is_none(keyword: Any, text: str) -> bool:
    return keyword.none_ok and text == "none"


# ---------------------------------------------------------------------------
# One item per value type: render (text to write) and printed (dump form)
# ---------------------------------------------------------------------------

def _render_duration(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    if isinstance(value, str) and _is_none(keyword, value.strip()):
        return "none", "none"
    seconds = parse_duration(value, where)
    _check_range(seconds, keyword, where)
    return (str(value).strip() if isinstance(value, str) else str(seconds)), str(seconds)


def _render_path(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    text = _scalar(value, where, allow_int=False)
    if text in _PATH_WORDS.get(keyword.key, ()):
        return text, text
    if text == "none":
        if keyword.none_ok:
            return "none", "none"
        raise OpenSSHConfigError(f"{keyword.name} does not accept 'none' here", where)
    starts = ("/", "%")
    if keyword.daemon == "ssh":
        starts = ("/", "%", "~", "${")
    if not text.startswith(starts) and not keyword.relative_ok:
        raise OpenSSHConfigError(
            f"{text!r} must be an absolute path (or start with a %-token)"
            + ("; sshd resolves a relative path against its working directory" if keyword.daemon == "sshd" else ""),
            where,
        )
    return quote_word(text, where), text


def _render_algorithms(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    if isinstance(value, str):
        text = _scalar(value, where)
        items = [(part.strip(), where) for part in text.split(",")]
    elif isinstance(value, (list, tuple)):
        if not value:
            raise OpenSSHConfigError("needs at least one algorithm, got an empty list", where)
        items = [(_scalar(item, f"{where}[{index}]"), f"{where}[{index}]") for index, item in enumerate(value)]
    else:
        raise OpenSSHConfigError(f"expected a comma-separated list of algorithms, got {type_name(value)}", where)
    prefix = ""
    names: List[str] = []
    for index, (item, item_where) in enumerate(items):
        if index == 0 and item[:1] in ("+", "-", "^"):
            prefix, item = item[0], item[1:]
        if item[:1] in ("+", "-", "^"):
            raise OpenSSHConfigError(
                f"{item!r}: a '+', '-' or '^' prefix applies to the whole list and may only "
                "stand before its first name",
                item_where,
            )
        if not item:
            raise OpenSSHConfigError("empty algorithm name (doubled or trailing comma?)", item_where)
        if not _ALGORITHM_RE.match(item):
            raise OpenSSHConfigError(
                f"{item!r} is not an algorithm name (lower-case letters, digits and @ . _ + - only)",
                item_where,
            )
        if item in names:
            raise OpenSSHConfigError(f"{item!r} is listed twice", item_where)
        names.append(item)
    text = prefix + ",".join(names)
    return text, text


def _render_listen_address(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    text = " ".join(_scalar(value, where).split(" "))
    words = [w for w in text.split(" ") if w]
    rdomain = None
    if len(words) == 3 and words[1] == "rdomain":
        rdomain = words[2]
        if not re.match(r"^[A-Za-z0-9._%-]+\Z", rdomain):
            raise OpenSSHConfigError(f"{rdomain!r} is not a routing domain name", where)
    elif len(words) != 1:
        raise OpenSSHConfigError(f"{text!r}: expected host, host:port or [v6]:port, optionally 'rdomain NAME'", where)
    address = words[0]
    host, port = address, None
    bracket = re.match(r"^\[([0-9A-Fa-f:.%a-z]+)\](?::(\d+))?\Z", address)
    if bracket:
        host, port = bracket.group(1), bracket.group(2)
        _ip(host, where, 6)
    elif address.count(":") > 1:
        _ip(address, where, 6)
    elif ":" in address:
        host, port = address.rsplit(":", 1)
    if not bracket and address.count(":") <= 1 and not _HOST_RE.match(host):
        raise OpenSSHConfigError(f"{host!r} is not a host name or address", where)
    if port is not None:
        _port(port, where)
    out = address + (f" rdomain {rdomain}" if rdomain else "")
    return out, out


def _ip(text: str, where: str, family: int) -> None:
    try:
        parsed = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        raise OpenSSHConfigError(f"{text!r} is not an IPv{family} address", where)
    if parsed.version != family:
        raise OpenSSHConfigError(f"{text!r} is not an IPv{family} address", where)


def _render_hostport(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    text = _word(value, where)
    if text in ("any", "none"):
        return text, text
    if re.match(r"^\d+\Z", text):
        _port(text, where)
        printed = f"*:{text}" if keyword.key == "permitlisten" else text
        return text, printed
    found = re.match(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._*-]+):(\d+|\*)\Z", text)
    if not found:
        raise OpenSSHConfigError(f"{text!r}: expected host:port, [v6]:port, port, any or none", where)
    if found.group(2) != "*":
        _port(found.group(2), where)
    if found.group(1).startswith("["):
        _ip(found.group(1)[1:-1], where, 6)
    return text, text


def _render_maxstartups(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = _word(value, where)
    parts = text.split(":")
    if len(parts) not in (1, 3) or not all(re.match(r"^\d+\Z", p) for p in parts):
        raise OpenSSHConfigError(f"{text!r}: expected a number or start:rate:full (e.g. 10:30:100)", where)
    numbers = [int(p) for p in parts]
    if numbers[0] == 0:
        # 8.4 accepts it and then drops every new connection; later releases refuse it
        raise OpenSSHConfigError(f"{text!r}: MaxStartups must allow at least one unauthenticated connection "
                                 "(0 makes sshd drop every new connection)", where)
    if len(numbers) == 1:
        return text, f"{numbers[0]}:30:{numbers[0]}"
    start, rate, full = numbers
    if not 1 <= rate <= 100 or start > full:
        raise OpenSSHConfigError(f"{text!r}: rate must be 1..100 and start must not exceed full", where)
    return text, text


def _render_rekeylimit(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    if isinstance(value, int) and not isinstance(value, bool):
        words = [str(value)]
    else:
        words = _scalar(value, where).split()
    if not 1 <= len(words) <= 2:
        raise OpenSSHConfigError(f"{value!r}: expected 'SIZE [TIME]' (e.g. '1G 1h')", where)
    size = 0 if words[0] == "default" else parse_size(words[0], where)
    if size != 0 and size < 16:
        raise OpenSSHConfigError("RekeyLimit size must be 0/default or at least 16 bytes", where)
    seconds = 0
    if len(words) == 2 and words[1] != "none":
        seconds = parse_duration(words[1], where)
    return " ".join(words), f"{size} {seconds}"


def _ipqos_word(word: Any, where: str) -> Tuple[str, str]:
    if isinstance(word, int) and not isinstance(word, bool):
        number = word
    else:
        text = _word(word, where).lower()
        if text == "none" or text in _IPQOS_BY_NAME:
            return text, text
        if text.startswith("0x"):
            raise OpenSSHConfigError(f"{text!r}: write the number in decimal (OpenSSH 10.0 rejects hex)", where)
        if not re.match(r"^\d+\Z", text):
            raise OpenSSHConfigError(
                f"{text!r} is not an IPQoS value (af11..af43, cs0..cs7, ef, le, lowdelay, "
                "throughput, reliability, none or a number)",
                where,
            )
        number = int(text)
    if not 0 <= number <= 255:
        raise OpenSSHConfigError(f"IPQoS number {number} is outside 0..255", where)
    for name, code in IPQOS_NAMES:
        if code == number:
            return str(number), name
    return str(number), f"0x{number:02x}"


def _render_ipqos(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    if isinstance(value, (list, tuple)):
        words = list(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        words = [value]
    else:
        words = _scalar(value, where).split()
    if not 1 <= len(words) <= 2:
        raise OpenSSHConfigError("IPQoS takes one or two values (interactive [bulk])", where)
    pairs = [_ipqos_word(w, where) for w in words]
    printed = [p for _unused, p in pairs]
    if len(printed) == 1:
        printed.append(printed[0])
    return " ".join(r for r, _unused in pairs), " ".join(printed)


def _render_channel_timeout(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    text = _word(value, where)
    if text == "none":
        return text, text
    if "=" not in text:
        raise OpenSSHConfigError(f"{text!r}: expected type=interval (e.g. session:*=5m)", where)
    kind, interval = text.split("=", 1)
    if not _CHANNEL_TYPE_RE.match(kind):
        raise OpenSSHConfigError(f"{kind!r} is not a channel type", where)
    if interval != "none":
        parse_duration(interval, where)
    return text, text


def _render_setenv(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    text = _scalar(value, where)
    if "=" not in text:
        raise OpenSSHConfigError(f"{text!r}: expected NAME=VALUE", where)
    name, _unused = text.split("=", 1)
    if not _ENV_NAME_RE.match(name):
        raise OpenSSHConfigError(f"{name!r} is not an environment variable name", where)
    return quote_word(text, where), text


def _render_octal(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    if not isinstance(value, str):
        raise OpenSSHConfigError(
            f"give the mask as a quoted string of octal digits (e.g. '0177'), got {type_name(value)}: "
            "YAML reads 0177 and 177 as different numbers",
            where,
        )
    text = _word(value, where)
    if not _OCTAL_RE.match(text) or int(text, 8) > 0o777:
        raise OpenSSHConfigError(f"{text!r} is not an octal mask between 0000 and 0777", where)
    return text, "0" + format(int(text, 8), "o")


def _render_penalty(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    text = _word(value, where)
    if text in ("yes", "no"):
        return text, text
    if ":" not in text:
        raise OpenSSHConfigError(f"{text!r}: expected name:value (e.g. authfail:5m), yes or no", where)
    name, amount = text.split(":", 1)
    kind = PENALTY_WORDS.get(name)
    if kind is None:
        close = difflib.get_close_matches(name, list(PENALTY_WORDS), n=1)
        raise OpenSSHConfigError(
            f"{name!r} is not a PerSourcePenalties word" + (f" (did you mean {close[0]!r}?)" if close else ""),
            where,
        )
    if kind == "duration":
        return text, f"{name}:{parse_duration(amount, where)}"
    if kind == "int":
        return text, f"{name}:{_to_int(amount, where)}"
    if amount not in kind:
        raise OpenSSHConfigError(f"{name} takes {' or '.join(kind)}, got {amount!r}", where)
    return text, text


def _forward_endpoint(word: str, where: str) -> str:
    if not re.match(r"^[A-Za-z0-9._:*\[\]/@%~-]+\Z", word):
        raise OpenSSHConfigError(f"{word!r} is not a forwarding address", where)
    if "/" in word or re.match(r"^\d+\Z", word) or word.startswith("["):
        return word
    if ":" in word:
        host, port = word.rsplit(":", 1)
        return f"[{host}]:{port}"
    return word


def _render_forward(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    words = _scalar(value, where).split()
    if not 1 <= len(words) <= 2:
        raise OpenSSHConfigError(f"{value!r}: expected 'LISTEN TARGET' (e.g. '8080 localhost:80')", where)
    printed = " ".join(_forward_endpoint(w, where) for w in words)
    return " ".join(words), printed


def _render_subsystem(keyword: Any, name: Any, command: Any, where: str, version: Optional[str]) -> Tuple[str, str]:
    if not isinstance(name, str) or not _SUBSYSTEM_NAME_RE.match(name):
        raise OpenSSHConfigError(f"{name!r} is not a subsystem name", where)
    text = " ".join(_scalar(command, where, allow_int=False).split(" "))
    text = re.sub(" +", " ", text)
    if ('"' in text or "'" in text) and (version is None or not at_least(version, "9.5")):
        raise OpenSSHConfigError(
            f"Subsystem {name}: quotes in the command need OpenSSH 9.5+ "
            "(8.4 and 9.2 strip them or keep them literally)",
            where,
        )
    return f"{name} {text}", f"{name} {text}"


def _render_choice(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    choices = tuple(c.lower() for c in keyword.choices)
    if isinstance(value, bool):
        word = "yes" if value else "no"
    elif isinstance(value, int):
        word = str(value)
    else:
        word = _word(value, where).lower()
    if choices and word not in choices:
        close = difflib.get_close_matches(word, choices, n=1)
        raise OpenSSHConfigError(
            f"{keyword.name} takes one of {', '.join(choices)}; got {word!r}"
            + (f" (did you mean {close[0]!r}?)" if close else ""),
            where,
        )
    if keyword.key in _PRINTED_UPPER:
        # written as sshd -T / ssh -G and the man pages spell it (LogLevel VERBOSE):
        # scanners that read the file compare case-sensitively (issue 19)
        return word.upper(), word
    return word, word


def _render_item(keyword: Any, value: Any, where: str) -> Tuple[str, str]:
    """One value of one keyword -> (text to write, text the dump prints)."""
    kind = keyword.value
    if kind == "yesno":
        word = to_yesno(value, where)
        return word, word
    if kind == "choice":
        return _render_choice(keyword, value, where)
    if kind == "int":
        if isinstance(value, str) and _is_none(keyword, value.strip()):
            return "none", "none"
        number = _to_int(value, where, keyword)
        return str(number), str(number)
    if kind == "port":
        number = _port(value, where)
        _check_range(number, keyword, where)
        return str(number), str(number)
    if kind == "duration":
        return _render_duration(keyword, value, where)
    if kind == "token":
        text = _word(value, where)
        return quote_word(text, where), text
    if kind == "pattern":
        text = _scalar(value, where)
        return quote_word(text, where), text
    if kind in ("text", "raw"):
        text = _scalar(value, where)
        return text, text
    if kind == "path":
        return _render_path(keyword, value, where)
    if kind == "algorithms":
        return _render_algorithms(keyword, value, where)
    if kind == "listen_address":
        return _render_listen_address(keyword, value, where)
    if kind == "hostport":
        return _render_hostport(keyword, value, where)
    if kind == "maxstartups":
        return _render_maxstartups(keyword, value, where)
    if kind == "rekeylimit":
        return _render_rekeylimit(keyword, value, where)
    if kind == "ipqos":
        return _render_ipqos(keyword, value, where)
    if kind == "channel_timeout":
        return _render_channel_timeout(keyword, value, where)
    if kind == "setenv":
        return _render_setenv(keyword, value, where)
    if kind == "octal":
        return _render_octal(keyword, value, where)
    if kind == "penalties":
        return _render_penalty(keyword, value, where)
    if kind == "forward":
        return _render_forward(keyword, value, where)
    raise OpenSSHConfigError(f"catalogue value type {kind!r} of {keyword.name} is unknown to values.py", where)


# ---------------------------------------------------------------------------
# Splitting a value into items according to Keyword.multi
# ---------------------------------------------------------------------------

_MAPPING_TYPES = {"subsystem", "setenv", "channel_timeout", "penalties"}
_MAPPING_JOIN = {"setenv": "=", "channel_timeout": "=", "penalties": ":"}


def _items(keyword: Any, value: Any, where: str) -> List[Tuple[Any, str]]:
    """Split ``value`` into (item, where) pairs following the keyword's ``multi``."""
    if value is None:
        raise OpenSSHConfigError(f"{keyword.name} needs a value, got nothing (null)", where)
    if isinstance(value, Mapping):
        if keyword.value not in _MAPPING_TYPES:
            raise OpenSSHConfigError(f"{keyword.name} expects {_expected(keyword)}, got a mapping", where)
        if not value:
            raise OpenSSHConfigError(f"{keyword.name} needs at least one entry, got an empty mapping", where)
        joiner = _MAPPING_JOIN[keyword.value] if keyword.value in _MAPPING_JOIN else None
        pairs = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise OpenSSHConfigError(f"entry names must be strings, got {key!r}", where)
            item_where = f"{where}.{key}"
            if joiner is None:
                pairs.append(((key, item), item_where))
            else:
                if isinstance(item, bool) or isinstance(item, (Mapping, list, tuple)) or item is None:
                    raise OpenSSHConfigError(f"expected a single value, got {type_name(item)}", item_where)
                pairs.append((f"{key}{joiner}{item}", item_where))
        return pairs
    if isinstance(value, (list, tuple, set, frozenset)):
        if isinstance(value, (set, frozenset)):
            value = sorted(value, key=str)
        if keyword.multi == "single" and keyword.value not in ("ipqos",):
            raise OpenSSHConfigError(
                f"{keyword.name} takes a single value, got a list (write one value, "
                f"e.g. {keyword.name} {_example(value)})",
                where,
            )
        if keyword.multi == "single" and keyword.value == "ipqos":
            return [(list(value), where)]
        if not value:
            raise OpenSSHConfigError(f"{keyword.name} needs at least one value, got an empty list", where)
        if keyword.value == "algorithms":
            return [(list(value), where)]
        return [(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, str):
        check_text(value, where)
        if not value.strip():
            raise OpenSSHConfigError(f"{keyword.name} needs a value, got an empty string", where)
        if keyword.multi == "space" and keyword.value not in ("text", "raw", "subsystem"):
            return [(word, where) for word in value.split()]
        if keyword.multi == "comma" and keyword.value != "algorithms":
            return [(word.strip(), where) for word in value.split(",")]
    if keyword.value == "subsystem" and isinstance(value, str):
        name, _unused, command = value.strip().partition(" ")
        return [((name, command), where)]
    return [(value, where)]


def _expected(keyword: Any) -> str:
    if keyword.multi == "single":
        return "a single value"
    return "a value or a list of values"


def _example(value: Any) -> str:
    items = list(value)
    return str(items[0]) if items else "VALUE"


def _render_and_print(keyword: Any, value: Any, where: str, version: Optional[str]) -> List[Tuple[str, str]]:
    """Every item of ``value`` as (written, printed) pairs, checked."""
    check_tree(value, where)
    pairs: List[Tuple[str, str]] = []
    for item, item_where in _items(keyword, value, where):
        if keyword.value == "subsystem":
            if isinstance(item, str) and " " in item.strip():
                name, _unused, command = item.strip().partition(" ")
                item = (name, command)
            if not isinstance(item, tuple):
                raise OpenSSHConfigError(
                    "Subsystem expects a mapping of name to command (e.g. sftp: internal-sftp) "
                    "or 'NAME COMMAND' lines",
                    item_where,
                )
            pairs.append(_render_subsystem(keyword, item[0], item[1], item_where, version))
        else:
            pairs.append(_render_item(keyword, item, item_where))
    return pairs


def render_value(keyword: Any, value: Any, where: str, version: Optional[str] = None) -> List[str]:
    """The text after the keyword for each line to write.

    One element for ``multi`` single/comma/space, one per value for repeat,
    one per name for Subsystem. ``version`` ("9.2") enables the rules that
    depend on it (``#`` handling, quotes in Subsystem); without it the
    strictest rules apply.
    """
    pairs = _render_and_print(keyword, value, where, version)
    written = [w for w, _unused in pairs]
    if keyword.value == "subsystem" or keyword.multi == "repeat":
        lines = written
    elif keyword.multi == "comma":
        lines = [",".join(written)]
    else:
        lines = [" ".join(written)]
    for line in lines:
        check_comment_char(line, where, version)
        check_equals_sign(keyword, line, where, version)
    return lines


#: keywords whose words sshd before 8.7 split at '=' (strdelim): "AllowUsers a=b" is two users.
_EQUALS_SPLIT = frozenset({"allowusers", "denyusers", "allowgroups", "denygroups"})


def check_equals_sign(keyword: Any, text: str, where: str, version: Optional[str]) -> None:
    """Refuse '=' inside an access-list word where sshd of ``version`` would split the word there."""
    if "=" not in text or keyword.name.lower() not in _EQUALS_SPLIT:
        return
    if version is None or not at_least(version, "8.7"):
        raise OpenSSHConfigError(
            f"{text!r} contains '=': OpenSSH before 8.7 splits {keyword.name} words at '=' ('a=b' is the two "
            "entries 'a' and 'b')" + ("" if version else " (no target version given, so the oldest rules apply)"),
            where,
        )


def _special(daemon: str, key: str, word: str, version: Optional[str]) -> str:
    """Per-keyword spellings the dump uses (found live)."""
    if daemon == "sshd" and key == "permitrootlogin":
        # printed as without-password up to 10.0; 10.1 prints prohibit-password
        newer = version is not None and at_least(version, "10.1")
        if word in ("prohibit-password", "without-password"):
            return "prohibit-password" if newer else "without-password"
    if daemon == "ssh" and key == "pubkeyauthentication" and (version is None or at_least(version, "8.9")):
        return {"yes": "true", "no": "false"}.get(word, word)
    table = _PRINTED_AS.get((daemon, key), {})
    if daemon == "ssh" and key in ("addkeystoagent", "controlpersist"):
        # "yes"/"no"/"ask"/"confirm" words and lifetimes printed in seconds
        parts = []
        for part in word.split(" "):
            if _DURATION_RE.match(part):
                seconds = parse_duration(part, key)
                part = "yes" if key == "controlpersist" and seconds == 0 else str(seconds)
            parts.append(table.get(part, part))
        return " ".join(parts)
    if daemon == "ssh" and key == "obscurekeystroketiming" and word.startswith("interval:"):
        return word.split(":", 1)[1]
    if word in table:
        return table[word]
    if key in _PRINTED_UPPER:
        return word.upper()
    if daemon == "ssh" and key == "hostname":
        return word.lower()
    return word


def normalise(keyword: Any, value: Any, version: Optional[str] = None) -> List[str]:
    """``value`` as ``sshd -T`` / ``ssh -G`` of ``version`` prints it, one element per line.

    Durations in seconds, yes/no lower case, sizes in bytes, IPQoS pairs,
    ``prohibit-password`` -> ``without-password`` (before 10.1),
    ``Compression delayed`` -> ``yes``, ssh's true/false spellings, one line per
    AllowUsers/AcceptEnv/HostKey value but one line for AuthorizedKeysFile,
    PermitOpen and the other keys in DUMP_ONE_LINE. Raises like render_value.
    """
    where = keyword.name
    pairs = _render_and_print(keyword, value, where, version)
    daemon = keyword.daemon
    key = keyword.key
    printed = [_special(daemon, key, p, version) for _unused, p in pairs]
    if keyword.value == "subsystem" or keyword.multi == "repeat":
        return printed
    if keyword.multi == "comma":
        return [",".join(printed)]
    if keyword.multi == "space" and key not in DUMP_ONE_LINE.get(daemon, frozenset()):
        return printed
    return [" ".join(printed)]
