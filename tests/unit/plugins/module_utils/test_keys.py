# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/openssh/keys.py.

Keys come from ssh-keygen at test time (RSA 1024/2048/3072, ECDSA, Ed25519,
DSA where the local ssh-keygen still makes them, a user certificate signed
by a throwaway CA). Security keys need a token, so their blobs are built here
byte by byte, the way PROTOCOL.u2f describes them.
"""

from __future__ import annotations

import base64
import os
import shutil
import struct
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen not installed")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def wire_string(data):
    if isinstance(data, str):
        data = data.encode()
    return struct.pack(">I", len(data)) + data


def b64(blob):
    return base64.b64encode(blob).decode()


def sk_ed25519_blob(application="ssh:"):
    return wire_string("sk-ssh-ed25519@openssh.com") + wire_string(b"\x11" * 32) + wire_string(application)


def sk_ecdsa_blob(application="ssh:"):
    point = b"\x04" + b"\x22" * 64
    return (wire_string("sk-ecdsa-sha2-nistp256@openssh.com") + wire_string("nistp256")
            + wire_string(point) + wire_string(application))


def sk_ed25519_certificate(ca_blob):
    """A user certificate for an sk-ed25519 key; the signature is filler (not verified)."""
    principals = wire_string("alice") + wire_string("bob")
    extensions = wire_string("permit-pty") + wire_string(b"")
    critical = wire_string("verify-required") + wire_string(b"")
    return (wire_string("sk-ssh-ed25519-cert-v01@openssh.com") + wire_string(b"n" * 32)
            + wire_string(b"\x11" * 32) + wire_string("ssh:")
            + struct.pack(">Q", 42) + struct.pack(">I", 1) + wire_string("sk-cert")
            + wire_string(principals) + struct.pack(">Q", 0) + struct.pack(">Q", 2 ** 64 - 1)
            + wire_string(critical) + wire_string(extensions) + wire_string(b"")
            + wire_string(ca_blob) + wire_string(b"signature"))


def keygen(directory, name, *args):
    path = os.path.join(str(directory), name)
    subprocess.run([SSH_KEYGEN, "-q", "-N", "", "-C", name, "-f", path] + list(args), check=True)
    with open(path + ".pub") as handle:
        return handle.read().strip()


def keygen_fingerprint(path):
    out = subprocess.run([SSH_KEYGEN, "-l", "-E", "sha256", "-f", path], check=True,
                         capture_output=True, text=True).stdout
    return out.split()[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    if SSH_KEYGEN is None:
        pytest.skip("ssh-keygen not installed")
    directory = tmp_path_factory.mktemp("keys")
    made = {
        "rsa1024": keygen(directory, "rsa1024", "-t", "rsa", "-b", "1024"),
        "rsa2048": keygen(directory, "rsa2048", "-t", "rsa", "-b", "2048"),
        "rsa3072": keygen(directory, "rsa3072", "-t", "rsa", "-b", "3072"),
        "ecdsa256": keygen(directory, "ecdsa256", "-t", "ecdsa", "-b", "256"),
        "ecdsa384": keygen(directory, "ecdsa384", "-t", "ecdsa", "-b", "384"),
        "ecdsa521": keygen(directory, "ecdsa521", "-t", "ecdsa", "-b", "521"),
        "ed25519": keygen(directory, "ed25519", "-t", "ed25519"),
        "ca": keygen(directory, "ca", "-t", "ed25519"),
        "ca_rsa1024": keygen(directory, "ca_rsa1024", "-t", "rsa", "-b", "1024"),
    }
    try:
        made["dsa"] = keygen(directory, "dsa", "-t", "dsa")
    except subprocess.CalledProcessError:  # ssh-keygen 10.0 no longer makes DSA keys
        made["dsa"] = None
    subprocess.run([SSH_KEYGEN, "-q", "-s", str(directory / "ca"), "-I", "alice-id", "-n", "alice,ops",
                    "-z", "7", "-V", "+52w", "-O", "force-command=/bin/true",
                    str(directory / "ed25519.pub")], check=True)
    subprocess.run([SSH_KEYGEN, "-q", "-s", str(directory / "ca_rsa1024"), "-I", "weak-ca",
                    str(directory / "ecdsa256.pub")], check=True)
    made["cert"] = (directory / "ed25519-cert.pub").read_text().strip()
    made["cert_weak_ca"] = (directory / "ecdsa256-cert.pub").read_text().strip()
    made["dir"] = directory
    return made


# ---------------------------------------------------------------------------
# public keys
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, key_type, bits", [
    ("rsa1024", "ssh-rsa", 1024),
    ("rsa2048", "ssh-rsa", 2048),
    ("rsa3072", "ssh-rsa", 3072),
    ("ecdsa256", "ecdsa-sha2-nistp256", 256),
    ("ecdsa384", "ecdsa-sha2-nistp384", 384),
    ("ecdsa521", "ecdsa-sha2-nistp521", 521),
    ("ed25519", "ssh-ed25519", 256),
])
def test_generated_keys_type_bits_and_fingerprint(generated, name, key_type, bits):
    key = keys.parse_public_key(generated[name])
    assert key.type_name == key_type
    assert key.bits == bits
    assert key.comment == name
    assert not key.is_certificate and not key.is_security_key
    assert key.fingerprint == keygen_fingerprint(str(generated["dir"] / (name + ".pub")))
    assert key.text() == generated[name]


def test_dsa_key_is_parsed_and_refused_by_policy(generated):
    if generated["dsa"] is None:
        pytest.skip("this ssh-keygen cannot make DSA keys")
    key = keys.parse_public_key(generated["dsa"])
    assert key.type_name == "ssh-dss" and key.bits == 1024
    with pytest.raises(OpenSSHConfigError, match="DSA keys are refused"):
        keys.check_key_policy(key, "here")
    keys.check_key_policy(key, "here", allow_dsa=True)


def test_certificate_fields(generated):
    cert = keys.parse_public_key(generated["cert"])
    ca = keys.parse_public_key(generated["ca"])
    assert cert.type_name == "ssh-ed25519-cert-v01@openssh.com"
    assert cert.is_certificate and cert.bits == 256
    info = cert.certificate
    assert info.cert_type == "user"
    assert info.key_id == "alice-id"
    assert info.serial == 7
    assert info.principals == ("alice", "ops")
    assert "force-command" in info.critical_options
    assert "permit-pty" in info.extensions
    assert info.valid_before > info.valid_after > 0
    assert info.signature_key == ca
    # ssh-keygen fingerprints a certificate by its certified plain key
    assert cert.fingerprint == keygen_fingerprint(str(generated["dir"] / "ed25519-cert.pub"))
    assert cert.fingerprint == keys.parse_public_key(generated["ed25519"]).fingerprint
    assert cert.as_dict()["certificate"]["signature_key"] == ca.fingerprint


def test_certificate_signed_by_weak_ca_is_refused(generated):
    cert = keys.parse_public_key(generated["cert_weak_ca"])
    with pytest.raises(OpenSSHConfigError, match="signed by a refused CA key"):
        keys.check_key_policy(cert)
    keys.check_key_policy(cert, rsa_min_bits=1024)


def test_security_keys_crafted():
    ed = keys.parse_public_key("sk-ssh-ed25519@openssh.com %s yubikey" % b64(sk_ed25519_blob()))
    assert ed.is_security_key and ed.bits == 256 and ed.application == "ssh:"
    assert ed.comment == "yubikey"
    ec = keys.parse_public_key("sk-ecdsa-sha2-nistp256@openssh.com " + b64(sk_ecdsa_blob("ssh:work")))
    assert ec.is_security_key and ec.bits == 256 and ec.application == "ssh:work"
    keys.check_key_policy(ed)
    keys.check_key_policy(ec)


def test_security_key_certificate_crafted(generated):
    ca = keys.parse_public_key(generated["ca"])
    blob = sk_ed25519_certificate(ca.blob)
    cert = keys.parse_public_key("sk-ssh-ed25519-cert-v01@openssh.com " + b64(blob))
    assert cert.is_certificate and cert.is_security_key
    assert cert.certificate.principals == ("alice", "bob")
    assert cert.certificate.serial == 42
    assert cert.certificate.signature_key == ca
    assert cert.fingerprint == keys.fingerprint_sha256(sk_ed25519_blob())


def test_rsa_policy(generated):
    weak = keys.parse_public_key(generated["rsa1024"])
    with pytest.raises(OpenSSHConfigError, match="1024 bits is shorter than the minimum of 2048"):
        keys.check_key_policy(weak, "users[0]")
    keys.check_key_policy(weak, rsa_min_bits=1024)
    keys.check_key_policy(keys.parse_public_key(generated["rsa2048"]))
    with pytest.raises(OpenSSHConfigError, match="3072 bits"):
        keys.check_key_policy(keys.parse_public_key(generated["rsa3072"]), rsa_min_bits=4096)
    # sshd's own floor (1024) cannot be lowered
    tiny = keys.PublicKey.from_blob(wire_string("ssh-rsa") + wire_string(b"\x01\x00\x01")
                                    + wire_string(b"\x7f" + b"\xff" * 124))
    assert tiny.bits == 999
    with pytest.raises(OpenSSHConfigError, match="minimum of 1024"):
        keys.check_key_policy(tiny, rsa_min_bits=512)


def test_comment_with_blanks_and_tabs(generated):
    type_name, data, _unused = generated["ed25519"].split(" ", 2)
    key = keys.parse_public_key("  %s\t%s   Alice  Example <a@example.org>  \n" % (type_name, data))
    assert key.comment == "Alice  Example <a@example.org>"
    assert key.text() == "%s %s Alice  Example <a@example.org>" % (type_name, data)


@pytest.mark.parametrize("mutate, message", [
    (lambda t, d: "%s %s" % (t, d[:-8]), "malformed|invalid"),
    (lambda t, d: "%s %s!!" % (t, d), "malformed"),
    (lambda t, d: "ssh-rsa %s" % d, "says ssh-rsa but the key data is ssh-ed25519"),
    (lambda t, d: "ssh-foo %s" % d, "unknown key type"),
    (lambda t, d: t, "no base64 data"),
    (lambda t, d: "", "empty"),
    (lambda t, d: "%s %s evil\ncommand=\"x\"" % (t, d), "control character"),
    (lambda t, d: "%s %s\x00" % (t, d), "control character"),
])
def test_malformed_keys(generated, mutate, message):
    type_name, data, _unused = generated["ed25519"].split(" ", 2)
    with pytest.raises(OpenSSHConfigError, match=message):
        keys.parse_public_key(mutate(type_name, data), "users[3].keys[1]")


def test_error_names_where(generated):
    with pytest.raises(OpenSSHConfigError) as info:
        keys.parse_public_key("ssh-ed25519 AAAA", "users[3].keys[1]")
    assert info.value.where == "users[3].keys[1]"
    assert str(info.value).startswith("users[3].keys[1]: ")


def test_blob_structure_errors():
    ed = wire_string("ssh-ed25519") + wire_string(b"\x01" * 32)
    keys.decode_blob(ed)
    with pytest.raises(ValueError, match="unexpected bytes"):
        keys.decode_blob(ed + b"\x00")
    with pytest.raises(ValueError, match="not 32"):
        keys.decode_blob(wire_string("ssh-ed25519") + wire_string(b"\x01" * 31))
    with pytest.raises(ValueError, match="truncated"):
        keys.decode_blob(wire_string("ssh-ed25519") + b"\x00\x00\x00\x20abc")
    with pytest.raises(ValueError, match="curve"):
        keys.decode_blob(wire_string("ecdsa-sha2-nistp256") + wire_string("nistp384") + wire_string(b"\x04" + b"\x01" * 96))
    with pytest.raises(ValueError, match="malformed ECDSA"):
        keys.decode_blob(wire_string("ecdsa-sha2-nistp256") + wire_string("nistp256") + wire_string(b"\x02" + b"\x01" * 32))
    with pytest.raises(ValueError, match="negative"):
        keys.decode_blob(wire_string("ssh-rsa") + wire_string(b"\x01\x00\x01") + wire_string(b"\x80" + b"\x00" * 255))
    with pytest.raises(ValueError, match="unknown key type"):
        keys.decode_blob(wire_string("ssh-xyz") + wire_string(b""))


def test_rsa_bits_come_from_the_modulus():
    modulus = b"\x00" + b"\xff" * 256  # 2048-bit modulus with the sign byte
    blob = wire_string("ssh-rsa") + wire_string(b"\x01\x00\x01") + wire_string(modulus)
    assert keys.PublicKey.from_blob(blob).bits == 2048
    short = wire_string("ssh-rsa") + wire_string(b"\x01\x00\x01") + wire_string(b"\x7f" + b"\xff" * 255)
    assert keys.PublicKey.from_blob(short).bits == 2047


def test_non_canonical_base64_is_rendered_canonically(generated):
    key = keys.parse_public_key(generated["ed25519"])
    assert keys.parse_public_key(key.text()).base64 == key.base64
    assert key == keys.parse_public_key(generated["ed25519"].rsplit(" ", 1)[0] + " other-comment")
    assert len({key, key.with_comment("x")}) == 1


# ---------------------------------------------------------------------------
# options: parsing like sshd
# ---------------------------------------------------------------------------

def names(options):
    return [(o.name, o.value) for o in options]


def test_parse_options_like_sshd():
    parsed = keys.parse_options(
        'Restrict,COMMAND="echo \\"hi\\", there",from="10.0.0.0/8,!10.1.0.0/16",'
        'no-x11-forwarding,NO-PTY,permitopen="[::1]:80",environment="A=b c",pty,No-Touch-Required'
    )
    assert names(parsed) == [
        ("restrict", None),
        ("command", 'echo "hi", there'),
        ("from", "10.0.0.0/8,!10.1.0.0/16"),
        ("no-X11-forwarding", None),
        ("no-pty", None),
        ("permitopen", "[::1]:80"),
        ("environment", "A=b c"),
        ("pty", None),
        ("no-touch-required", None),
    ]


def test_backslash_without_quote_is_literal():
    parsed = keys.parse_options('command="printf \\\\n a\\\\b"')
    assert parsed[0].value == "printf \\\\n a\\\\b"


@pytest.mark.parametrize("text, message", [
    ("restrict,", "end with a comma"),
    ("restrict, pty", "blank after"),
    ("restrictive", "unknown option"),
    ("no-restrict", "unknown option"),
    ("command", "needs a value"),
    ("command=ls", "missing start quote"),
    ('command="ls', "missing end quote"),
    ('pty="x"', "unknown option"),
    ("frobnicate", "unknown option"),
    ('command="a"x', "unexpected"),
    ('command="a\nb"', "control character"),
])
def test_parse_options_errors(text, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        keys.parse_options(text, "here")


@pytest.mark.parametrize("value", [
    'say "hi"',
    'a,b,c="d"',
    "tab\tinside",
    "back\\slash in the middle",
    '\\"already escaped\\"x',
    "unicode: grüße",
    '",from="0.0.0.0/0',
])
def test_render_parse_round_trip(value):
    option = keys.KeyOption("command", value)
    rendered = keys.render_options([keys.KeyOption("restrict"), option, keys.KeyOption("pty")])
    assert names(keys.parse_options(rendered)) == [("restrict", None), ("command", value), ("pty", None)]
    # and the split a real sshd makes: the options end at the first unquoted blank
    line = rendered + " ssh-ed25519 " + b64(wire_string("ssh-ed25519") + wire_string(b"\x01" * 32))
    option_field, key_text = keys.split_authorized_key_line(line)
    assert option_field == rendered
    assert key_text.startswith("ssh-ed25519 ")


def test_quote_breakout_is_neutralised():
    """A value that tries to close its quote and add from= stays one value."""
    sneaky = '", from="*'
    rendered = keys.render_options([keys.KeyOption("command", sneaky)])
    assert rendered == 'command="\\", from=\\"*"'
    parsed = keys.parse_options(rendered)
    assert names(parsed) == [("command", sneaky)]


# ---------------------------------------------------------------------------
# options: validation
# ---------------------------------------------------------------------------

def ed_key():
    return keys.PublicKey.from_blob(wire_string("ssh-ed25519") + wire_string(b"\x01" * 32))


def sk_key():
    return keys.PublicKey.from_blob(sk_ed25519_blob())


@pytest.mark.parametrize("text", [
    'restrict,command="uptime"',
    'restrict,pty,command="nethack"',
    'permitopen="192.0.2.1:80",permitopen="192.0.2.2:25"',
    'permitopen="*:443",permitopen="db.example.com:*"',
    'permitlisten="localhost:8080",permitlisten="[::1]:22000",permitlisten="2222",permitlisten="*:*"',
    'tunnel="0",command="sh /etc/netstart tun0"',
    'tunnel="any"',
    'from="*.example.com,!bad.example.com,192.0.2.0/24,2001:db8::/32"',
    'expiry-time="20301231"',
    'expiry-time="203012312359"',
    'expiry-time="20301231235959"',
    'expiry-time="20301231Z"',
    'environment="PATH=/usr/bin",environment="LANG=C.UTF-8"',
    'cert-authority,principals="alice,ops"',
    'cert-authority,no-touch-required,principals="user_a"',
    "no-agent-forwarding,no-port-forwarding,no-user-rc,no-X11-forwarding,no-pty",
])
def test_valid_option_sets(text):
    keys.validate_options(keys.parse_options(text), "here", ed_key())


def test_fido_options_on_security_keys():
    keys.validate_options(keys.parse_options("no-touch-required,verify-required"), "here", sk_key())
    with pytest.raises(OpenSSHConfigError, match="only applies to security keys"):
        keys.validate_options(keys.parse_options("verify-required"), "here", ed_key())


@pytest.mark.parametrize("text, message", [
    ('from="10.0.0.1/8"', "not a valid CIDR"),
    ('from="10.0.0.0/33"', "not a valid CIDR"),
    ('from="10.0.*.0/24"', "mixes a CIDR"),
    ('from="!10.0.0.0/8"', "only has negated patterns"),
    ('from="a,,b"', "empty pattern"),
    ('from="host name"', "not a host name"),
    ('permitopen="*.example.com:80"', "literal name"),
    ('permitopen="host"', "must be host:port"),
    ('permitopen="host:0"', "port"),
    ('permitopen="host:70000"', "port"),
    ('permitopen="::1:80"', "must be host:port"),
    ('permitopen="[zz]:80"', "not an IPv6 address"),
    ('permitlisten="host:abc"', "port"),
    ('expiry-time="2030"', "not YYYYMMDD"),
    ('expiry-time="20301301"', "not a real date"),
    ('expiry-time="2030123125"', "not YYYYMMDD"),
    ('environment="NOEQUALS"', "NAME=value"),
    ('environment="BAD-NAME=1"', "NAME=value"),
    ('environment="A=1",environment="A=2"', "set twice"),
    ('command=" "', "empty"),
    ('command="a",command="b"', "only once"),
    ('from="a",from="b"', "only once"),
    ("pty,no-pty", "contradict"),
    ("restrict,restrict", "given twice"),
    ("no-pty,restrict", "comes before restrict"),
    ('principals="alice"', "only applies together with cert-authority"),
    ('cert-authority,principals="al ice"', "blank"),
    ('cert-authority,principals="a,,b"', "empty name"),
    ('tunnel="-1"', "tun device"),
    ('tunnel="2147483647"', "tun device"),
])
def test_invalid_option_sets(text, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        keys.validate_options(keys.parse_options(text), "here", ed_key())


def test_trailing_backslash_is_refused():
    """sshd would read the backslash and the closing quote as an escaped quote."""
    with pytest.raises(OpenSSHConfigError, match="ends with a backslash"):
        keys.validate_options([keys.KeyOption("command", "echo \\")], "here")
    with pytest.raises(OpenSSHConfigError, match="missing end quote"):
        keys.parse_options(keys.render_options([keys.KeyOption("command", "echo \\")]))


def test_control_characters_in_values_are_refused():
    for bad in ("a\nb", "a\rb", "a\x00b", "a\x1bb", "a\x7fb"):
        with pytest.raises(OpenSSHConfigError, match="control character"):
            keys.validate_options([keys.KeyOption("command", bad)], "here")


def test_cert_authority_on_certificate_is_refused(generated):
    cert = keys.parse_public_key(generated["cert"])
    with pytest.raises(OpenSSHConfigError, match="plain public key"):
        keys.validate_options(keys.parse_options("cert-authority"), "here", cert)


# ---------------------------------------------------------------------------
# options from structured data
# ---------------------------------------------------------------------------

def test_options_from_mapping_order_and_forms():
    options = keys.options_from_mapping({
        "pty": False,
        "command": "backup --run",
        "from": ["10.0.0.0/8", "192.0.2.1"],
        "environment": {"LANG": "C", "MODE": 2},
        "restrict": True,
        "permitopen": ["db:5432", "cache:6379"],
        "expiry_time": 20301231,
        "x11_forwarding": True,
        "cert_authority": None,
        "agent_forwarding": None,
    })
    assert keys.render_options(options) == (
        'restrict,from="10.0.0.0/8,192.0.2.1",expiry-time="20301231",command="backup --run",'
        'environment="LANG=C",environment="MODE=2",permitopen="db:5432",permitopen="cache:6379",'
        "no-pty,X11-forwarding"
    )
    keys.validate_options(options, "here", ed_key())


def test_options_from_mapping_comma_strings_and_false_flags():
    options = keys.options_from_mapping({"from": "10.0.0.0/8, 192.0.2.1", "restrict": False,
                                         "cert-authority": True, "principals": "a,b"})
    assert keys.render_options(options) == 'cert-authority,principals="a,b",from="10.0.0.0/8,192.0.2.1"'


@pytest.mark.parametrize("mapping, message", [
    ({"no_pty": True}, "write pty: false"),
    ({"bogus": "x"}, "unknown option"),
    ({"pty": "yes"}, "true or false"),
    ({"command": ["a"]}, "must be a string"),
    ({"from": {"a": 1}}, "string or a list"),
])
def test_options_from_mapping_errors(mapping, message):
    with pytest.raises(OpenSSHConfigError, match=message) as info:
        keys.options_from_mapping(mapping, "users[0].keys[0].options")
    assert info.value.where.startswith("users[0].keys[0].options")


# ---------------------------------------------------------------------------
# authorized_keys lines
# ---------------------------------------------------------------------------

def test_parse_authorized_key_lines(generated):
    plain = keys.parse_authorized_key(generated["ed25519"])
    assert plain.options == [] and plain.render() == generated["ed25519"]
    with_options = 'restrict,command="ls -l /tmp" %s' % generated["ed25519"]
    entry = keys.parse_authorized_key(with_options)
    assert names(entry.options) == [("restrict", None), ("command", "ls -l /tmp")]
    assert entry.render() == with_options
    assert entry.key == plain.key
    spaced = 'from="10.0.0.0/8"\t  %s  ' % generated["rsa2048"]
    assert keys.parse_authorized_key(spaced).render() == 'from="10.0.0.0/8" %s' % generated["rsa2048"]


def test_parse_authorized_key_validates_by_default(generated):
    line = 'principals="x" %s' % generated["ed25519"]
    with pytest.raises(OpenSSHConfigError, match="cert-authority"):
        keys.parse_authorized_key(line, "here")
    assert keys.parse_authorized_key(line, "here", validate=False).options[0].value == "x"


@pytest.mark.parametrize("line, message", [
    ('command="unterminated ssh-ed25519 AAAA', "unterminated|missing end quote|no key"),
    ("restrict", "no key found"),
    ("restrict ssh-ed25519", "no base64 data"),
])
def test_parse_authorized_key_errors(line, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        keys.parse_authorized_key(line, "here")


def test_blob_of_line_and_comment_lines(generated):
    key = keys.parse_public_key(generated["ed25519"])
    assert keys.blob_of_line(generated["ed25519"]) == key.blob
    assert keys.blob_of_line('restrict,command="a b" ' + generated["ed25519"] + "\r\n") == key.blob
    for line in ("", "   ", "# comment", "  # indented", "garbage line", 'command="x ssh-ed25519 AAAA',
                 "ssh-ed25519 !!!!"):
        assert keys.blob_of_line(line) is None
    assert keys.is_comment_line("\t# x") and not keys.is_comment_line(generated["ed25519"])
    texts = list(keys.iter_key_texts("# c\n\n%s\n%s\n" % (generated["ed25519"], generated["rsa2048"])))
    assert [number for number, _unused in texts] == [3, 4]


def test_option_specs_cover_the_man_page():
    documented = {
        "agent-forwarding", "cert-authority", "command", "environment", "expiry-time", "from",
        "permitlisten", "permitopen", "port-forwarding", "principals", "pty", "touch-required",
        "verify-required", "restrict", "tunnel", "user-rc", "x11-forwarding",
    }
    assert set(keys.OPTION_SPECS) == documented
