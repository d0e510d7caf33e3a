# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ca.py: data checks, renewal decisions, the serial registry, KRL sections; certificates come from
the real ssh-keygen (through keygen.py)."""

from __future__ import annotations

import base64
import multiprocessing
import os
import shutil
import subprocess

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import ca, keygen, keys
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError

pytestmark = pytest.mark.skipif(not shutil.which("ssh-keygen"), reason="needs openssh-client")
NOW = 1_800_000_000
DAY = 86400


def make_key(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True)
    return open(str(path) + ".pub").read().strip()


@pytest.fixture
def lab(tmp_path):
    class Lab(object):
        pass
    lab = Lab()
    lab.dir = tmp_path
    lab.ca_text = make_key(tmp_path / "ca")
    lab.ca = keys.parse_public_key(lab.ca_text)
    lab.other_text = make_key(tmp_path / "other_ca")
    lab.other = keys.parse_public_key(lab.other_text)
    lab.user = make_key(tmp_path / "user")
    lab.registry = ca.Registry(str(tmp_path / "state"))
    return lab


def request(lab, **item):
    data = {"name": "alice", "public_key": lab.user, "principals": ["alice", "ops"], "validity": "1d"}
    data.update(item)
    return ca.user_request(data, "certificates[0]")


def issue(lab, req, now=NOW, ca_name="ca"):
    authority = keys.parse_public_key(open(str(lab.dir / (ca_name + ".pub"))).read())
    decisions = ca.plan([req], {}, authority, now, 0.5)
    with keygen.Signer(authority.text(), private_key=str(lab.dir / ca_name)) as signer:
        ca.sign_planned(decisions, signer, lab.registry, authority, now)
    return decisions[0]["certificate"]


# -- times and data ------------------------------------------------------------------

@pytest.mark.parametrize("text,epoch", [
    ("2026-01-01", 1767225600), ("2026-01-01T08:00:00Z", 1767254400), ("20260101080000", 1767254400),
    ("always", 0), ("forever", ca.FOREVER), (1767225600, 1767225600)])
def test_parse_time(text, epoch):
    assert ca.parse_time(text, "t") == epoch


@pytest.mark.parametrize("text", ["tomorrow", "2026-02-30", True, "-5"])
def test_parse_time_refuses(text):
    with pytest.raises(OpenSSHConfigError):
        ca.parse_time(text, "t")


def test_windows():
    assert ca.window_from_data("1d", None, None, "w").at(NOW) == (NOW - ca.BACKDATE, NOW + DAY)
    assert ca.window_from_data("forever", None, None, "w").at(NOW) == (NOW - ca.BACKDATE, ca.FOREVER)
    fixed = ca.window_from_data(None, "2020-01-01", "2020-01-02", "w")
    assert fixed.fixed and fixed.at(NOW) == (1577836800, 1577923200)
    for bad in (("", None, None), ("30s", None, None), (None, "2020-01-02", "2020-01-01"), (None, "2020-01-01", None)):
        with pytest.raises(OpenSSHConfigError):
            ca.window_from_data(*bad, where="w")


def test_user_request_options(lab):
    req = request(lab, force_command="uptime", source_address=["10.0.0.0/8", "192.0.2.1"], no_pty=True,
                  verify_required=True)
    assert req.critical == {"force-command": "uptime", "source-address": "10.0.0.0/8,192.0.2.1", "verify-required": ""}
    assert "permit-pty" not in req.extensions and "permit-port-forwarding" in req.extensions
    assert req.key_id == "alice"
    assert request(lab, extensions={"permit-pty": True}).extensions == {"permit-pty": ""}


@pytest.mark.parametrize("item,message", [
    ({"principals": []}, "without principals"),
    ({"principals": ["a b"]}, "blank or a comma"),
    ({"source_address": ["not-an-address"]}, "not an address"),
    ({"force_command": "x\ny"}, "control character"),
    ({"name": "../etc"}, "file-name-safe"),
    ({"colour": "blue"}, "unknown key"),
    ({"validity": None}, "give validity"),
])
def test_user_request_refuses(lab, item, message):
    with pytest.raises(OpenSSHConfigError, match=message):
        request(lab, **item)


@pytest.mark.parametrize("key_id", [" lost-laptop", "lost-laptop ", "  lost laptop  "])
def test_key_ids_with_a_blank_at_either_end_are_refused(lab, key_id):
    """ssh-keygen -k trims 'id:' values: such a certificate could never be revoked by key ID."""
    _data, listing = keygen.build_and_list_krl([(lab.ca.text(), "id: %s\n" % key_id)])
    assert "id: %s" % key_id not in listing.split("\n")
    with pytest.raises(OpenSSHConfigError, match="blank"):
        request(lab, key_id=key_id)
    with pytest.raises(OpenSSHConfigError, match="blank"):
        ca.revocations_from_data({"key_ids": [key_id]})
    assert ca.check_key_id("lost  laptop", "k") == "lost  laptop"  # inner blanks are kept by ssh-keygen


def test_a_certificate_is_not_a_public_key(lab):
    cert = issue(lab, request(lab))
    with pytest.raises(OpenSSHConfigError, match="plain key"):
        request(lab, public_key=cert.text())


# -- renewal ---------------------------------------------------------------------------

def test_fresh_certificate_is_kept_and_renewed_after_the_threshold(lab):
    req = request(lab)
    cert = issue(lab, req)
    assert ca.renewal_reasons(cert, req, lab.ca, NOW + 60, 0.5) == []
    assert ca.renewal_reasons(cert, req, lab.ca, NOW + DAY // 2, 0.5)[0].endswith("(renewal at 50%)")
    assert ca.renewal_reasons(None, req, lab.ca, NOW, 0.5) == ["no certificate yet"]


@pytest.mark.parametrize("change,reason", [
    ({"principals": ["ops", "alice"]}, None),  # order does not matter
    ({"principals": ["alice"]}, "principals changed"),
    ({"key_id": "alice-2"}, "key ID changed"),
    ({"force_command": "uptime"}, "critical options changed"),
    ({"no_pty": True}, "extensions changed"),
    ({"validity": "2d"}, "validity changed"),
])
def test_changes_that_renew(lab, change, reason):
    cert = issue(lab, request(lab))
    reasons = ca.renewal_reasons(cert, request(lab, **change), lab.ca, NOW + 60, 0.5)
    if reason is None:
        assert reasons == []
    else:
        assert any(r.startswith(reason) for r in reasons), reasons


def test_another_ca_or_key_renews(lab):
    req = request(lab)
    cert = issue(lab, req)
    assert any("another CA" in r for r in ca.renewal_reasons(cert, req, lab.other, NOW, 0.5))
    other_user = make_key(lab.dir / "user2")
    assert any("another key" in r for r in ca.renewal_reasons(cert, request(lab, public_key=other_user),
                                                              lab.ca, NOW, 0.5))


def test_fixed_window_is_kept_even_when_expired(lab):
    req = request(lab, validity=None, valid_from="2020-01-01", valid_to="2020-01-02")
    cert = issue(lab, req)
    assert (cert.certificate.valid_after, cert.certificate.valid_before) == (1577836800, 1577923200)
    assert ca.renewal_reasons(cert, req, lab.ca, NOW, 0.5) == []


def test_plan_holds_revoked_certificates_and_keys(lab):
    req = request(lab)
    cert = issue(lab, req)
    by_serial = ca.revocations_from_data({"serials": [cert.certificate.serial]})
    decision = ca.plan([req], {"alice": cert.text()}, lab.ca, NOW + DAY, 0.5, by_serial)[0]
    assert not decision["sign"] and "serial" in decision["revoked"]
    by_key = ca.revocations_from_data({"keys": [lab.user]})
    decision = ca.plan([req], {}, lab.ca, NOW, 0.5, by_key)[0]
    assert not decision["sign"] and "key" in decision["revoked"]
    by_id = ca.revocations_from_data({"key_ids": ["alice"]})
    assert not ca.plan([req], {}, lab.ca, NOW, 0.5, by_id)[0]["sign"]


# -- registry ----------------------------------------------------------------------------

def test_serials_start_at_one_and_are_never_reused(lab):
    assert lab.registry.allocate(3) == 1
    assert lab.registry.allocate(1) == 4
    cert = issue(lab, request(lab))
    assert cert.certificate.serial == 5
    entry = lab.registry.entries()[-1]
    assert entry["serial"] == 5 and entry["key_id"] == "alice" and entry["principals"] == ["alice", "ops"]
    assert entry["ca_fingerprint"] == lab.ca.fingerprint and entry["key_fingerprint"].startswith("SHA256:")
    os.unlink(os.path.join(lab.registry.directory, "serials.json"))
    assert lab.registry.allocate(1) == 6  # continues after the log, never back to 1


def _allocate_many(directory, count, queue):
    registry = ca.Registry(directory)
    queue.put([registry.allocate(1) for unused in range(count)])


def test_parallel_forks_never_share_a_serial(tmp_path):
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_allocate_many, args=(str(tmp_path), 40, queue)) for unused in range(4)]
    for worker in workers:
        worker.start()
    serials = sum((queue.get(timeout=60) for unused in workers), [])
    for worker in workers:
        worker.join()
    assert sorted(serials) == list(range(1, 161))


def test_damaged_serial_file_is_an_error(lab):
    with open(os.path.join(lab.registry.directory, "serials.json"), "w") as handle:
        handle.write("{")
    with pytest.raises(OpenSSHConfigError, match="never be reused"):
        lab.registry.allocate(1)


def test_a_restored_serial_file_never_reissues_a_logged_serial(tmp_path):
    """Finding 4: serials.json rolled back (a backup restored, an edit) must not win over the log."""
    registry = ca.Registry(str(tmp_path / "state"))
    first = registry.allocate(5)
    registry.record([{"serial": serial, "key_id": "k%d" % serial} for serial in range(first, first + 5)])
    with open(str(tmp_path / "state" / "serials.json"), "w") as handle:
        handle.write('{"next": 2}\n')
    assert registry.allocate(1) == 6
    # a registry ahead of the log (serials allocated, signing failed) still counts
    with open(str(tmp_path / "state" / "serials.json"), "w") as handle:
        handle.write('{"next": 40}\n')
    assert registry.allocate(1) == 40


def test_a_damaged_log_line_is_an_error(tmp_path):
    registry = ca.Registry(str(tmp_path / "state"))
    registry.record([{"serial": 1}])
    with open(str(tmp_path / "state" / "issued.jsonl"), "a") as handle:
        handle.write("{half\n")
    with pytest.raises(OpenSSHConfigError, match="line 2 is damaged"):
        registry.allocate(1)


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_state_dir_others_can_write_is_refused(tmp_path, mode):
    state = tmp_path / "state"
    state.mkdir()
    os.chmod(str(state), mode)
    with pytest.raises(OpenSSHConfigError, match="writable by group or others.*chmod 0700"):
        ca.Registry(str(state))
    registry_ok = tmp_path / "ok"
    registry_ok.mkdir()
    os.chmod(str(registry_ok), 0o755)
    ca.Registry(str(registry_ok)).allocate(1)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the directory to another user")
def test_a_state_dir_of_another_user_is_refused(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.chown(str(state), 65534, 65534)
    with pytest.raises(OpenSSHConfigError, match="owned by uid 65534, not by uid 0"):
        ca.Registry(str(state))


@pytest.mark.parametrize("name", ["serials.json", "issued.jsonl", ".lock"])
def test_registry_files_are_never_opened_through_a_link(tmp_path, name):
    registry = ca.Registry(str(tmp_path / "state"))
    registry.record([{"serial": registry.allocate(1)}])
    target = tmp_path / "elsewhere"
    path = tmp_path / "state" / name
    os.unlink(str(path))
    os.symlink(str(target), str(path))
    with pytest.raises(OpenSSHConfigError, match="symbolic link"):
        registry.allocate(1)
    if name != "serials.json":  # record() only appends to the log, under the lock
        with pytest.raises(OpenSSHConfigError, match="symbolic link"):
            registry.record([{"serial": 9}])
    assert not target.exists()
    # a hard link (to a file elsewhere) is refused as well
    os.unlink(str(path))
    target.write_text('{"next": 1}\n')
    os.link(str(target), str(path))
    with pytest.raises(OpenSSHConfigError, match="link"):
        registry.allocate(1)
    assert target.read_text() == '{"next": 1}\n'


def test_a_state_dir_swapped_for_a_link_is_refused_so_serials_never_repeat(tmp_path):
    """Review: the registry directory itself was opened through a link; a swap restarted serials at 1."""
    state = tmp_path / "state"
    registry = ca.Registry(str(state))
    assert registry.allocate(5) == 1
    other = tmp_path / "fresh"  # the operator's own, private, empty directory
    other.mkdir(mode=0o700)
    os.rename(str(state), str(tmp_path / "moved"))
    os.symlink(str(other), str(state))
    with pytest.raises(OpenSSHConfigError, match="symbolic link"):
        registry.allocate(1)
    assert os.listdir(str(other)) == []


@pytest.mark.parametrize("blank", ["", "   ", "\t\n ", None])
def test_a_blank_ca_public_key_is_a_clear_error(tmp_path, blank):
    """Finding 8: ca_public_key("   ") raised IndexError."""
    with pytest.raises(OpenSSHConfigError, match="give the CA's public_key"):
        ca.ca_public_key({"public_key": blank}, "host_ca")
    # with a private key, a blank public_key means <private_key>.pub
    text_ = make_key(tmp_path / "ca")
    assert ca.ca_public_key({"public_key": blank, "private_key": str(tmp_path / "ca")}, "host_ca").text() == \
        keys.parse_public_key(text_).with_comment("").text()
    (tmp_path / "empty.pub").write_text(" \n")
    with pytest.raises(OpenSSHConfigError, match="is empty"):
        ca.ca_public_key({"public_key": str(tmp_path / "empty.pub")}, "host_ca")


# -- revocation ---------------------------------------------------------------------------

def test_revocation_data_is_checked(lab):
    for bad in ({"serials": [0]}, {"serials": ["5-3"]}, {"serials": ["x"]}, {"keys": ["nonsense"]},
                {"certificates": [lab.user]}, {"owners": []}):
        with pytest.raises(OpenSSHConfigError):
            ca.revocations_from_data(bad)


def test_krl_sections_per_ca(lab):
    cert = issue(lab, request(lab))
    other_cert = issue(lab, request(lab, name="bob"), ca_name="other_ca")
    revoked = ca.revocations_from_data({"serials": [12, "20-30"], "key_ids": ["lost"], "keys": [lab.user],
                                        "certificates": [other_cert.text()]})
    sections = ca.krl_sections(revoked, [lab.ca])
    assert sections[0][0] == lab.ca.text()
    assert sections[0][1].split("\n")[:3] == ["serial: 12", "serial: 20-30", "id: lost"]
    assert "key: ssh-ed25519 " in sections[0][1]
    assert sections[1] == (lab.other.text(), "serial: %d\n" % other_cert.certificate.serial)
    data = keygen.build_krl(sections)
    (lab.dir / "krl").write_bytes(data)
    (lab.dir / "c.pub").write_text(other_cert.text() + "\n")
    assert keygen.krl_revokes(keygen.local_run, str(lab.dir / "krl"), str(lab.dir / "c.pub"))
    (lab.dir / "d.pub").write_text(cert.text() + "\n")
    assert keygen.krl_revokes(keygen.local_run, str(lab.dir / "krl"), str(lab.dir / "d.pub"))  # its key is revoked
    assert ca.krl_sections(ca.Revocations(), [lab.ca]) == []
    assert ca.krl_sections(ca.revocations_from_data({"keys": [lab.user]}), []) == [(None, "key: %s\n" % lab.user)]


@pytest.mark.parametrize("data", [{"serials": [42]}, {"key_ids": ["bob-laptop"]}])
def test_serials_and_key_ids_without_a_ca_key_are_refused(lab, data):
    """They used to vanish: ssh-keygen -k revokes a serial or key ID only under a CA key."""
    revoked = ca.revocations_from_data(data)
    with pytest.raises(OpenSSHConfigError, match="ssh_ca_trusted_user_ca_keys"):
        ca.krl_sections(revoked, [])
    with pytest.raises(OpenSSHConfigError, match="would not revoke them"):
        ca.build_krl(revoked, [])


def test_built_krl_is_checked_against_every_revocation(lab):
    other_cert = issue(lab, request(lab, name="bob"), ca_name="other_ca")
    revoked = ca.revocations_from_data({"serials": [43, 42, "44-50", "100-110"], "key_ids": ["lost", "a  b"],
                                        "keys": [lab.user], "certificates": [other_cert.text()]})
    data = ca.build_krl(revoked, [lab.ca, lab.other])
    (lab.dir / "krl").write_bytes(data)
    ok, listing = keygen.krl_listing(keygen.local_run, str(lab.dir / "krl"))
    assert ok and ca.krl_missing(keygen.parse_krl_listing(listing), revoked, [lab.ca, lab.other]) == []
    # a KRL that lacks entries is named entry by entry
    partial, listing = keygen.build_and_list_krl([(lab.ca.text(), "serial: 42-45\nid: lost\n")])
    missing = ca.krl_missing(keygen.parse_krl_listing(listing), revoked, [lab.ca, lab.other])
    assert "serial 44-50 under CA %s" % lab.ca.fingerprint in missing
    assert "key ID 'a  b' under CA %s" % lab.ca.fingerprint in missing
    assert "serial 42 under CA %s" % lab.other.fingerprint in missing
    assert "key %s" % keys.parse_public_key(lab.user).fingerprint in missing
    assert "certificate serial %d under CA %s" % (other_cert.certificate.serial, lab.other.fingerprint) in missing
    assert "serial 43 under CA %s" % lab.ca.fingerprint not in missing


def test_plain_keys_are_found_in_every_listing_form(lab):
    """8.4 lists an explicit key as 'hash: SHA256:SHA256:<base64>', hash revocations come back in hex."""
    key = keys.parse_public_key(lab.user)
    digest = key.fingerprint.split(":", 1)[1]
    hexed = base64.b64decode(digest + "=" * (-len(digest) % 4)).hex()
    revoked = ca.revocations_from_data({"keys": [lab.user]})
    for line in ("hash: %s # ssh-ed25519" % key.fingerprint, "hash: SHA256:%s # ssh-ed25519" % key.fingerprint,
                 "hash: SHA256:%s" % hexed):
        assert ca.krl_missing(keygen.parse_krl_listing("# KRL version 0\n" + line), revoked, []) == []
    assert ca.krl_missing(keygen.parse_krl_listing("# KRL version 0"), revoked, []) == ["key %s" % key.fingerprint]


# -- files and filters' helpers ----------------------------------------------------------------

def test_principals_files_and_groups():
    marker = ca.PRINCIPALS_MARKER + "\n"
    expected = {"alice": marker + "alice\nops\n", "deploy": marker}
    assert ca.principals_files({"alice": ["alice", "ops"], "deploy": []}, "p") == expected
    assert ca.is_managed_principals_file(expected["deploy"].encode())
    for other in (None, b"", b"alice\n", b"# Managed by Ansible (sshsuite.openssh.sshd)\n", b"x" + marker.encode()):
        assert not ca.is_managed_principals_file(other)
    with pytest.raises(OpenSSHConfigError):
        ca.principals_files({"../root": ["x"]}, "p")
    per_group = {"all": {"alice": ["alice"]}, "web": {"deploy": ["web-deploy"], "alice": ["ops"]},
                 "db": {"deploy": ["db-deploy"]}}
    merged = ca.principals_by_group(["web"], per_group, {"alice": ["alice", "x"]})
    assert merged == {"alice": ["alice", "ops", "x"], "deploy": ["web-deploy"]}


def test_host_principals_and_cert_authority_entries(lab):
    assert ca.host_principals(["Web1", "web1", None, "192.0.2.1"], "h") == ("web1", "192.0.2.1")
    with pytest.raises(OpenSSHConfigError):
        ca.host_principals([None, ""], "h")
    entries = ca.cert_authority_entries([lab.ca_text, lab.other_text], ["*.example.org"])
    assert entries == [{"hosts": ["*.example.org"], "keys": [lab.ca.text(), lab.other.text()],
                        "marker": "cert-authority"}]
    text = ca.trusted_keys_text([lab.ca, lab.other], "Managed")
    assert text.split("\n")[1:3] == [lab.ca.text(), lab.other.text()]


@pytest.mark.parametrize("name", ["*", "*.example.org", "web?", "!db1", "web 1", "a,b", "web1\n", "web1\u2028"])
def test_host_principals_refuse_patterns_and_control_characters(name):
    with pytest.raises(OpenSSHConfigError):
        ca.host_principals(["web1", name], "host_principals")


def test_names_a_host_reports_are_not_signed_by_default():
    """The attack: root on web1 (or its PTR record) answers '*' and db1's name; neither is signed."""
    principals, warnings = ca.host_certificate_principals(None, "web1", "192.0.2.10", ["*", "db1.example.org"])
    assert principals == ("web1", "192.0.2.10")
    assert len(warnings) == 2 and "db1.example.org" in warnings[1]


def test_names_a_host_reports_only_under_the_configured_domains():
    reported = ["WEB1", "web1.example.org", "db1.other.org", "example.org", "evil-example.org", "x.example.org.evil"]
    principals, warnings = ca.host_certificate_principals(["web1", "192.0.2.10"], "web1", None, reported,
                                                          ca.check_domains([".Example.org."], "d"))
    assert principals == ("web1", "192.0.2.10", "web1.example.org")
    assert len(warnings) == 4
    # without domains only the controller's own names pass
    principals, warnings = ca.host_certificate_principals([], "web1", "web1.example.org", ["web1.example.org"])
    assert principals == ("web1", "web1.example.org") and warnings == []


@pytest.mark.parametrize("domains", [[""], ["."], ["*.org"], ["org com"], [3]])
def test_host_principal_domains_are_checked(domains):
    with pytest.raises(OpenSSHConfigError):
        ca.check_domains(domains, "host_principal_domains")


def test_certificate_info_reads_every_field(lab):
    cert = issue(lab, request(lab, force_command="echo hi there", source_address=["10.0.0.0/8"]))
    info = cert.certificate.info()
    assert info["type"] == "user" and info["principals"] == ["alice", "ops"]
    assert info["critical_options"] == {"force-command": "echo hi there", "source-address": "10.0.0.0/8"}
    assert info["valid_from"] == ca.iso(NOW - ca.BACKDATE) and info["signing_ca"]["fingerprint"] == lab.ca.fingerprint
    assert info["key_fingerprint"] == keys.parse_public_key(lab.user).fingerprint
