# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""values.py: checks, rendering and dump normalisation per value type.

Expected normalised forms were read off real ``sshd -T`` / ``ssh -G`` runs on
Debian's 8.4p1, 9.2p1 and 10.0p2 (tests/unit/fixtures/sshd_T/README.md).
"""

from __future__ import annotations

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import catalogue, values
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.catalogue import Keyword
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError


def sshd(name):
    return catalogue.lookup("sshd", name)


def ssh(name):
    return catalogue.lookup("ssh", name)


def render(keyword, value, version="9.2"):
    return values.render_value(keyword, value, "data", version)


def refused(keyword, value, version="9.2", match=None):
    with pytest.raises(OpenSSHConfigError) as caught:
        values.render_value(keyword, value, "sshd_settings.X", version)
    assert caught.value.where.startswith("sshd_settings.X")
    if match:
        assert match in caught.value.message, caught.value.message
    return caught.value


# ---------------------------------------------------------------------------
# Universal checks: nothing may inject a line
# ---------------------------------------------------------------------------

INJECTIONS = ["/etc/issue\nPermitRootLogin yes", "/etc/issue\rx", "/etc/iss\x00ue", "/etc/\tissue",
              "/etc/issue\u2028x", "/etc/issue\x85x", "/etc/issue\x7f"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_control_characters_never_reach_a_line(value):
    error = refused(sshd("Banner"), value, match="control character")
    assert "position" in error.message


@pytest.mark.parametrize(
    "keyword, value, where",
    [
        ("AllowUsers", ["alice", "bob\nPermitRootLogin yes"], "sshd_settings.X[1]"),
        ("AllowUsers", "alice bob\nPermitRootLogin yes", "sshd_settings.X"),
        ("ForceCommand", "internal-sftp\nMatch all", "sshd_settings.X"),
        ("Subsystem", {"sftp": "internal-sftp\nPermitRootLogin yes"}, "sshd_settings.X.sftp"),
        ("Subsystem", {"sf\ntp": "internal-sftp"}, "sshd_settings.X"),
        ("SetEnv", {"FOO": "a\nb"}, "sshd_settings.X.FOO"),
        ("Ciphers", ["aes128-ctr", "aes256-ctr\r\n"], "sshd_settings.X[1]"),
    ],
)
def test_control_characters_are_found_anywhere_and_the_place_is_named(keyword, value, where):
    error = refused(sshd(keyword), value, match="control character")
    assert error.where == where


@pytest.mark.parametrize("name", ["Pass\nwordAuthentication", "Allow-Users", "", 5, None, "Banner\x00"])
def test_check_keyword_name(name):
    with pytest.raises(OpenSSHConfigError):
        values.check_keyword_name(name, "k")


def test_check_keyword_name_accepts_any_case():
    assert values.check_keyword_name("passwordauthentication", "k") == "passwordauthentication"


def test_list_for_a_single_keyword_is_an_error_never_list_syntax():
    error = refused(sshd("Banner"), ["/etc/issue"], match="takes a single value, got a list")
    assert "['" not in render(sshd("Banner"), "/etc/issue")[0]
    refused(sshd("PasswordAuthentication"), [False], match="single value")
    refused(sshd("ForceCommand"), ["internal-sftp"], match="single value")
    assert error.where == "sshd_settings.X"


@pytest.mark.parametrize(
    "keyword, value, match",
    [
        ("Banner", {"path": "/etc/issue"}, "mapping"),
        ("AllowUsers", {"alice": 1}, "mapping"),
        ("MaxAuthTries", {"n": 3}, "mapping"),
        ("Banner", None, "nothing"),
        ("Banner", "", "empty"),
        ("Banner", "   ", "empty"),
        ("AllowUsers", [], "empty list"),
        ("AllowUsers", "", "empty"),
        ("Ciphers", [], "empty list"),
        ("Ciphers", "aes128-ctr,,aes256-ctr", "empty algorithm"),
        ("Ciphers", "aes128-ctr,", "empty algorithm"),
        ("Subsystem", {}, "empty mapping"),
        ("AllowUsers", ["alice", ""], "empty"),
        ("AllowUsers", ["alice", None], "nothing"),
        ("AllowUsers", ["alice", ["bob"]], "a list"),
    ],
)
def test_wrong_shapes_and_empty_values(keyword, value, match):
    refused(sshd(keyword), value, match=match)


# ---------------------------------------------------------------------------
# '#' and quotes: what each version's parser really does
# ---------------------------------------------------------------------------

def test_hash_anywhere_is_refused_before_8_7():
    # 8.4: "Banner /etc/is#sue" -> "banner /etc/is"
    refused(sshd("Banner"), "/etc/is#sue", version="8.4", match="before 8.7")
    refused(sshd("ForceCommand"), "echo a#b", version="8.4", match="comment")


def test_hash_inside_a_word_is_fine_from_8_7():
    assert render(sshd("Banner"), "/etc/is#sue", "9.2") == ["/etc/is#sue"]
    assert render(sshd("Banner"), "/etc/is#sue", "10.0") == ["/etc/is#sue"]


@pytest.mark.parametrize("keyword, value", [("AllowUsers", "alice #bob"), ("AllowUsers", ["#alice"]),
                                            ("ForceCommand", "echo a #b"), ("Banner", "/etc/a #b")])
def test_hash_starting_a_word_is_refused_on_every_version(keyword, value):
    refused(sshd(keyword), value, version="10.0", match="'#'")


def test_unknown_version_means_the_oldest_rules():
    with pytest.raises(OpenSSHConfigError) as caught:
        values.render_value(sshd("Banner"), "/etc/is#sue", "b", None)
    assert "oldest rules" in caught.value.message


def test_words_with_spaces_are_double_quoted():
    # all three builds read "alice smith" as one user, and "/srv/with space" as one path
    assert render(sshd("AllowUsers"), ["alice smith", "bob"]) == ['"alice smith" bob']
    assert render(sshd("ChrootDirectory"), "/srv/with space") == ['"/srv/with space"']
    assert render(sshd("AuthorizedKeysFile"), ["/etc/keys/%u file", ".ssh/authorized_keys"]) == [
        '"/etc/keys/%u file" .ssh/authorized_keys'
    ]


@pytest.mark.parametrize("value", ['/etc/a"b', "/etc/it's", "/etc/a\\b"])
def test_quotes_and_backslashes_in_words_are_refused(value):
    # 8.4 keeps ' and \ literally, 8.7+ interprets them: no portable spelling
    refused(sshd("Banner"), value, match="cannot be written safely")
    refused(sshd("AllowUsers"), [value.replace("/etc/", "")], match="cannot be written safely")


def test_rest_of_line_commands_are_kept_verbatim():
    # sshd prints ForceCommand back unchanged, quotes included: never add quotes
    assert render(sshd("ForceCommand"), "internal-sftp -d %u") == ["internal-sftp -d %u"]
    assert render(sshd("ForceCommand"), "echo 'single quoted' \"double\"") == [
        "echo 'single quoted' \"double\""
    ]
    assert render(ssh("ProxyCommand"), "ssh -W %h:%p bastion") == ["ssh -W %h:%p bastion"]


# ---------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, word", [(True, "yes"), (False, "no"), ("YES", "yes"), ("No", "no"),
                                         ("true", "yes"), ("false", "no")])
def test_yesno(value, word):
    assert render(sshd("PasswordAuthentication"), value) == [word]
    assert values.normalise(sshd("PasswordAuthentication"), value) == [word]


@pytest.mark.parametrize("value", ["maybe", 1, 0, "y", "on"])
def test_yesno_refuses(value):
    refused(sshd("PasswordAuthentication"), value, match="yes or no")


def test_choice():
    assert render(sshd("PermitRootLogin"), "Prohibit-Password") == ["prohibit-password"]
    assert render(sshd("PermitRootLogin"), False) == ["no"]
    assert render(sshd("Compression"), True) == ["yes"]
    assert render(sshd("LogLevel"), "VERBOSE") == ["VERBOSE"]  # as the man page and sshd -T spell it
    assert render(sshd("LogLevel"), "verbose") == ["VERBOSE"]
    error = refused(sshd("PermitRootLogin"), "prohibit_password", match="did you mean 'prohibit-password'")
    assert "forced-commands-only" in error.message
    refused(sshd("AddressFamily"), True, match="takes one of")


def test_int_with_bounds():
    assert render(sshd("MaxAuthTries"), "3") == ["3"]
    assert render(sshd("ClientAliveCountMax"), 0) == ["0"]
    refused(sshd("ClientAliveCountMax"), -1, match="minimum")
    refused(sshd("MaxAuthTries"), True, match="boolean")
    refused(sshd("MaxAuthTries"), "3.5", match="whole number")
    refused(sshd("RequiredRSASize"), 512, match="minimum 1024")
    bounded = Keyword("X", "sshd", "int", minimum=1, maximum=10)
    refused(bounded, 11, match="maximum 10")


def test_ports():
    assert render(sshd("Port"), [22, "2222"]) == ["22", "2222"]
    assert render(sshd("Port"), 22) == ["22"]
    for bad in (0, 65536, "ssh", -1, True):
        refused(sshd("Port"), bad)


@pytest.mark.parametrize(
    "text, seconds",
    [("30", 30), ("30s", 30), ("5m", 300), ("5M", 300), ("1h30m", 5400), ("1m30", 90), ("90S", 90),
     ("1w", 604800), ("1d", 86400), ("1H", 3600), ("0", 0), (120, 120), (0, 0)],
)
def test_durations_in_sshd_time_format(text, seconds):
    assert values.parse_duration(text, "d") == seconds
    assert values.normalise(sshd("LoginGraceTime"), text) == [str(seconds)]
    assert render(sshd("LoginGraceTime"), text) == [str(text)]  # written as given


@pytest.mark.parametrize("text", ["5 m", "-1", -1, "1.5h", "m5", "5x", "", True, "1h 30m", 2 ** 31])
def test_durations_refused(text):
    with pytest.raises(OpenSSHConfigError):
        values.parse_duration(text, "d")


def test_duration_none_when_allowed():
    assert render(sshd("UnusedConnectionTimeout"), "none") == ["none"]
    assert values.normalise(sshd("UnusedConnectionTimeout"), "1h") == ["3600"]
    refused(sshd("LoginGraceTime"), "none", match="not a time")


def test_paths():
    assert render(sshd("Banner"), "/etc/issue.net") == ["/etc/issue.net"]
    assert render(sshd("Banner"), "none") == ["none"]
    assert render(sshd("ChrootDirectory"), "%h") == ["%h"]
    assert render(sshd("ChrootDirectory"), "/srv/sftp/%u") == ["/srv/sftp/%u"]
    assert render(sshd("AuthorizedKeysFile"), ".ssh/authorized_keys %h/.ssh/k2") == [
        ".ssh/authorized_keys %h/.ssh/k2"
    ]  # relative_ok
    assert render(sshd("SecurityKeyProvider"), "internal") == ["internal"]
    assert render(ssh("IdentityFile"), ["~/.ssh/id_ed25519", "/etc/ssh/id_x"]) == [
        "~/.ssh/id_ed25519", "/etc/ssh/id_x"
    ]
    # sshd resolves a relative Banner/HostKey against its working directory
    refused(sshd("Banner"), "etc/issue", match="absolute path")
    refused(sshd("HostKey"), ["ssh_host_ed25519_key"], match="absolute path")
    refused(sshd("ChrootDirectory"), "relative/dir", match="absolute path")
    refused(sshd("HostKey"), "none", match="does not accept 'none'")
    refused(sshd("Banner"), 5, match="string")


def test_algorithm_lists():
    assert render(sshd("Ciphers"), "aes128-ctr,aes256-ctr") == ["aes128-ctr,aes256-ctr"]
    assert render(sshd("Ciphers"), ["aes128-ctr", "aes256-ctr"]) == ["aes128-ctr,aes256-ctr"]
    assert render(sshd("Ciphers"), "aes128-ctr, aes256-ctr") == ["aes128-ctr,aes256-ctr"]
    assert render(sshd("KexAlgorithms"), ["+sntrup761x25519-sha512@openssh.com"]) == [
        "+sntrup761x25519-sha512@openssh.com"
    ]
    assert render(sshd("KexAlgorithms"), "-diffie-hellman*") == ["-diffie-hellman*"]
    assert render(sshd("Ciphers"), ["^aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"]) == [
        "^aes256-gcm@openssh.com,chacha20-poly1305@openssh.com"
    ]
    refused(sshd("Ciphers"), ["aes128-ctr", "+aes256-ctr"], match="whole list")
    refused(sshd("Ciphers"), "++aes128-ctr", match="whole list")
    refused(sshd("Ciphers"), "AES128-CTR", match="not an algorithm name")  # sshd: Bad SSH2 cipher spec
    refused(sshd("Ciphers"), "aes128-ctr,aes128-ctr", match="twice")
    refused(sshd("Ciphers"), "^", match="empty algorithm")
    refused(sshd("Ciphers"), "aes128-ctr aes256-ctr", match="not an algorithm name")


def test_patterns_and_tokens():
    assert render(sshd("AllowUsers"), "alice bob@10.0.0.0/8") == ["alice bob@10.0.0.0/8"]
    assert values.normalise(sshd("AllowUsers"), "alice bob") == ["alice", "bob"]  # one line each
    assert render(sshd("AuthenticationMethods"), ["publickey,password", "publickey,keyboard-interactive"]) == [
        "publickey,password publickey,keyboard-interactive"
    ]
    refused(sshd("AuthorizedKeysCommandUser"), "no body", match="one word")


def test_listen_addresses():
    good = ["0.0.0.0", "0.0.0.0:22", "[::1]:2200", "[::1]", "::", "host.example:2222",
            "127.0.0.1 rdomain blue"]
    assert render(sshd("ListenAddress"), good) == good
    for bad in ("10.0.0.1:70000", "a b", "[::1]:0", "[zz::1]:22", "host:port", "1.2.3.4 vrf x"):
        refused(sshd("ListenAddress"), bad)


def test_hostport():
    good = ["localhost:3306", "[::1]:80", "*:22", "host.example:*", "127.0.0.1:80"]
    assert render(sshd("PermitOpen"), good) == [" ".join(good)]
    assert render(sshd("PermitOpen"), "any") == ["any"]
    assert values.normalise(sshd("PermitOpen"), good) == [" ".join(good)]  # one line
    assert values.normalise(sshd("PermitListen"), [2222, "localhost:80"]) == ["*:2222 localhost:80"]
    for bad in ("localhost", "host:99999", "a:b:c:d"):
        refused(sshd("PermitOpen"), bad)


def test_subsystem():
    assert render(sshd("Subsystem"), {"sftp": "internal-sftp -l INFO -f LOCAL0"}) == [
        "sftp internal-sftp -l INFO -f LOCAL0"
    ]
    assert render(sshd("Subsystem"), {"sftp": "internal-sftp", "foo": "/usr/bin/foo  -x"}) == [
        "sftp internal-sftp", "foo /usr/bin/foo -x"
    ]
    assert render(sshd("Subsystem"), "sftp internal-sftp") == ["sftp internal-sftp"]
    assert render(sshd("Subsystem"), ["sftp internal-sftp"]) == ["sftp internal-sftp"]
    # 8.4/9.2 strip the quotes, 10.0 keeps them
    refused(sshd("Subsystem"), {"sftp": '"/usr/lib/sftp server" -l INFO'}, version="9.2", match="9.5")
    assert render(sshd("Subsystem"), {"sftp": '"/usr/lib/sftp server" -l INFO'}, "10.0") == [
        'sftp "/usr/lib/sftp server" -l INFO'
    ]
    refused(sshd("Subsystem"), {"s ftp": "x"}, match="not a subsystem name")
    refused(sshd("Subsystem"), "sftp", match="needs a value")
    refused(sshd("Subsystem"), [5], match="mapping of name to command")


def test_maxstartups():
    assert render(sshd("MaxStartups"), 20) == ["20"]
    assert values.normalise(sshd("MaxStartups"), 20) == ["20:30:20"]  # as 8.4/9.2/10.0 print it
    assert values.normalise(sshd("MaxStartups"), "10:30:60") == ["10:30:60"]
    for bad in ("10:30", "10:101:100", "20:30:10", "a", "10:30:60:1"):
        refused(sshd("MaxStartups"), bad)


def test_rekeylimit():
    assert render(sshd("RekeyLimit"), "1G 1h") == ["1G 1h"]
    assert values.normalise(sshd("RekeyLimit"), "1G 1h") == ["1073741824 3600"]
    assert values.normalise(sshd("RekeyLimit"), "1G") == ["1073741824 0"]
    assert values.normalise(sshd("RekeyLimit"), "default none") == ["0 0"]
    assert values.normalise(sshd("RekeyLimit"), "500M 10m") == ["524288000 600"]
    for bad in ("1X", "8", "1G 1h 1", "1G soon"):
        refused(sshd("RekeyLimit"), bad)


def test_ipqos():
    assert values.normalise(sshd("IPQoS"), "af21") == ["af21 af21"]
    assert values.normalise(sshd("IPQoS"), "af21 cs1") == ["af21 cs1"]
    assert values.normalise(sshd("IPQoS"), 32) == ["cs1 cs1"]
    assert values.normalise(sshd("IPQoS"), "4") == ["le le"]
    assert values.normalise(sshd("IPQoS"), ["lowdelay", "throughput"]) == ["lowdelay throughput"]
    assert render(sshd("IPQoS"), ["af21", "cs1"]) == ["af21 cs1"]
    refused(sshd("IPQoS"), "0x20", match="decimal")  # 10.0: Bad IPQoS value
    refused(sshd("IPQoS"), "fast", match="not an IPQoS value")
    refused(sshd("IPQoS"), "af21 cs1 ef", match="one or two")
    refused(sshd("IPQoS"), 256, match="0..255")


def test_channel_timeout():
    assert render(sshd("ChannelTimeout"), {"session": "5m", "agent-connection": "1h"}) == [
        "session=5m agent-connection=1h"
    ]
    assert values.normalise(sshd("ChannelTimeout"), "session=5m agent-connection=1h") == [
        "session=5m agent-connection=1h"  # printed as written, one line
    ]
    refused(sshd("ChannelTimeout"), "session", match="type=interval")
    refused(sshd("ChannelTimeout"), {"session": "5 m"}, match="one word")
    refused(sshd("ChannelTimeout"), {"session": "5x"}, match="not a time")


def test_setenv():
    assert render(sshd("SetEnv"), {"FOO": "bar baz", "X": 1}) == ['"FOO=bar baz" X=1']
    assert values.normalise(sshd("SetEnv"), {"FOO": "bar baz", "X": 1}) == ["FOO=bar baz", "X=1"]
    refused(sshd("SetEnv"), "FOO", match="NAME=VALUE")
    refused(sshd("SetEnv"), {"1X": "y"}, match="not an environment variable name")
    refused(sshd("SetEnv"), {"FOO": 'a"b'}, match="cannot be written safely")


def test_octal():
    assert render(sshd("StreamLocalBindMask"), "0177") == ["0177"]
    assert values.normalise(sshd("StreamLocalBindMask"), "077") == ["077"]
    assert values.normalise(sshd("StreamLocalBindMask"), "0077") == ["077"]
    assert values.normalise(sshd("StreamLocalBindMask"), "0") == ["00"]
    refused(sshd("StreamLocalBindMask"), 63, match="quoted string")
    refused(sshd("StreamLocalBindMask"), "0999", match="octal")
    refused(sshd("StreamLocalBindMask"), "01000", match="octal")


def test_penalties():
    keyword = sshd("PerSourcePenalties")
    assert render(keyword, "authfail:1m noauth:2", "10.0") == ["authfail:1m noauth:2"]
    assert render(keyword, {"authfail": "1m", "overflow": "deny-all"}, "10.0") == ["authfail:1m overflow:deny-all"]
    assert values.normalise(keyword, "authfail:1m noauth:2", "10.0") == ["authfail:60 noauth:2"]
    assert render(keyword, "no", "10.0") == ["no"]
    refused(keyword, "crash", "10.0", match="name:value")
    refused(keyword, "authfal:1", "10.0", match="did you mean 'authfail'")
    refused(keyword, "overflow:maybe", "10.0", match="permissive or deny-all")
    refused(keyword, "max-sources4:many", "10.0", match="whole number")


def test_forwards():
    keyword = ssh("LocalForward")
    assert render(keyword, ["8080 localhost:80", "127.0.0.1:8081 [::1]:81"]) == [
        "8080 localhost:80", "127.0.0.1:8081 [::1]:81"
    ]
    assert values.normalise(keyword, ["8080 localhost:80", "127.0.0.1:8081 [::1]:81"]) == [
        "8080 [localhost]:80", "[127.0.0.1]:8081 [::1]:81"  # as ssh -G prints them
    ]
    assert values.normalise(ssh("RemoteForward"), "9090 localhost:90") == ["9090 [localhost]:90"]
    refused(keyword, "1 2 3", match="LISTEN TARGET")


def test_raw_gets_only_the_universal_checks():
    keyword = Keyword("Whatever", "sshd", "raw")
    assert render(keyword, "any thing 'goes' here") == ["any thing 'goes' here"]
    refused(keyword, "a\nb", match="control character")


def test_unknown_value_type_is_reported():
    refused(Keyword("Odd", "sshd", "nonsense"), "x", match="unknown to values.py")


# ---------------------------------------------------------------------------
# normalise: the form sshd -T / ssh -G print
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("version, printed", [("8.4", "without-password"), ("9.2", "without-password"),
                                              ("10.0", "without-password"), ("10.1", "prohibit-password")])
def test_permitrootlogin_spelling_per_version(version, printed):
    keyword = sshd("PermitRootLogin")
    assert values.normalise(keyword, "prohibit-password", version) == [printed]
    assert values.normalise(keyword, "without-password", version) == [printed]
    assert values.normalise(keyword, "no", version) == ["no"]


@pytest.mark.parametrize(
    "daemon, name, value, version, printed",
    [
        ("sshd", "Compression", "delayed", "9.2", ["yes"]),
        ("sshd", "AllowTcpForwarding", "all", "9.2", ["yes"]),
        ("sshd", "AllowStreamLocalForwarding", "all", "9.2", ["yes"]),
        ("sshd", "AllowTcpForwarding", "local", "9.2", ["local"]),
        ("sshd", "LogLevel", "verbose", "9.2", ["VERBOSE"]),
        ("sshd", "SyslogFacility", "local3", "9.2", ["LOCAL3"]),
        ("sshd", "FingerprintHash", "sha256", "9.2", ["SHA256"]),
        ("sshd", "ClientAliveInterval", "5m", "9.2", ["300"]),
        ("sshd", "AcceptEnv", ["LANG", "LC_*"], "9.2", ["LANG", "LC_*"]),
        ("sshd", "AuthorizedKeysFile", [".ssh/authorized_keys", "/etc/ssh/keys/%u"], "9.2",
         [".ssh/authorized_keys /etc/ssh/keys/%u"]),
        ("sshd", "PubkeyAuthOptions", "touch-required verify-required", "9.2",
         ["touch-required verify-required"]),
        ("sshd", "HostKey", ["/etc/ssh/a", "/etc/ssh/b"], "9.2", ["/etc/ssh/a", "/etc/ssh/b"]),
        ("sshd", "Banner", "/etc/issue net", "9.2", ["/etc/issue net"]),  # printed without quotes
        ("ssh", "StrictHostKeyChecking", "no", "9.2", ["false"]),
        ("ssh", "StrictHostKeyChecking", "off", "9.2", ["false"]),
        ("ssh", "StrictHostKeyChecking", True, "9.2", ["true"]),
        ("ssh", "StrictHostKeyChecking", "accept-new", "9.2", ["accept-new"]),
        ("ssh", "UpdateHostKeys", "yes", "9.2", ["true"]),
        ("ssh", "ControlMaster", "no", "9.2", ["false"]),
        ("ssh", "ControlMaster", "autoask", "9.2", ["autoask"]),
        ("ssh", "CanonicalizeHostname", True, "9.2", ["true"]),
        ("ssh", "RequestTTY", "no", "9.2", ["false"]),
        ("ssh", "VerifyHostKeyDNS", "yes", "9.2", ["true"]),
        ("ssh", "PubkeyAuthentication", "no", "8.4", ["no"]),
        ("ssh", "PubkeyAuthentication", "no", "9.2", ["false"]),
        ("ssh", "Tunnel", "yes", "9.2", ["point-to-point"]),
        ("ssh", "ControlPersist", "10m", "9.2", ["600"]),
        ("ssh", "ControlPersist", "0", "9.2", ["yes"]),
        ("ssh", "ControlPersist", "no", "9.2", ["no"]),
        ("ssh", "AddKeysToAgent", "1h", "9.2", ["3600"]),
        ("ssh", "AddKeysToAgent", "yes", "9.2", ["true"]),
        ("ssh", "AddKeysToAgent", "confirm", "9.2", ["confirm"]),
        ("ssh", "Hostname", "Foo.Example", "9.2", ["foo.example"]),
        ("ssh", "User", "Bob", "9.2", ["Bob"]),
        ("ssh", "ConnectTimeout", "10s", "9.2", ["10"]),
        ("ssh", "ObscureKeystrokeTiming", "interval:10", "10.0", ["10"]),
        ("ssh", "SendEnv", "LANG LC_*", "9.2", ["LANG", "LC_*"]),
        ("ssh", "UserKnownHostsFile", "/etc/a /etc/b", "9.2", ["/etc/a /etc/b"]),
        ("ssh", "CanonicalDomains", ["a.example", "b.example"], "9.2", ["a.example b.example"]),
    ],
)
def test_normalise_matches_what_the_dump_prints(daemon, name, value, version, printed):
    keyword = catalogue.lookup(daemon, name)
    assert values.normalise(keyword, value, version) == printed


def test_normalise_checks_like_render():
    with pytest.raises(OpenSSHConfigError):
        values.normalise(sshd("Banner"), "a\nb", "9.2")


# ---------------------------------------------------------------------------
# issue 12 hole 10: what 8.4 reads differently
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("keyword", ["AllowUsers", "DenyUsers", "AllowGroups", "DenyGroups"])
def test_equals_sign_in_access_lists_is_refused_before_8_7(keyword):
    kw = catalogue.lookup("sshd", keyword)
    for version in ("8.4", None):
        with pytest.raises(OpenSSHConfigError, match="splits"):
            values.render_value(kw, ["alice", "a=b"], keyword, version)
    assert values.render_value(kw, ["alice", "a=b"], keyword, "9.2") == ["alice a=b"]


@pytest.mark.parametrize("value", [0, "0", "0:30:100"])
def test_max_startups_zero_is_refused(value):
    with pytest.raises(OpenSSHConfigError, match="at least one"):
        values.render_value(catalogue.lookup("sshd", "MaxStartups"), value, "MaxStartups", "8.4")
