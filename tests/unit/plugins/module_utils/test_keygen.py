# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""keygen.py with the real ssh-keygen, ssh-agent and ssh-add: the private agent, askpass,
signing, KRLs. The passphrase must never reach an argv or a file."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import keygen, keys

pytestmark = pytest.mark.skipif(not (shutil.which("ssh-keygen") and shutil.which("ssh-agent")),
                                reason="needs openssh-client")
SECRET = "correct horse battery staple 42"


def make_key(path, passphrase=""):
    """An Ed25519 key; an encrypted one gets its passphrase through askpass, as the collection does it."""
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C"}
    argv = ["ssh-keygen", "-q", "-t", "ed25519", "-C", "", "-f", str(path)]
    if passphrase:
        askpass = str(path) + ".askpass"
        with open(askpass, "w") as handle:
            handle.write('#!/bin/sh\nprintf "%s\\n" "$P"\n')
        os.chmod(askpass, 0o700)
        env.update(SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", P=passphrase)
    else:
        argv += ["-N", ""]
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, check=True, start_new_session=True)
    return open(str(path) + ".pub").read().strip()


@pytest.fixture
def ca(tmp_path):
    public = make_key(tmp_path / "ca", SECRET)
    return str(tmp_path / "ca"), public


@pytest.fixture
def user_key(tmp_path):
    return make_key(tmp_path / "user")


def test_times_are_utc_and_special_values():
    assert keygen.utc_stamp(0) == "19700101000000"
    assert keygen.validity_argument(86400, 2 * 86400) == "19700102000000:19700103000000"
    assert keygen.validity_argument(0, keygen.FOREVER) is None
    assert keygen.validity_argument(0, 86400) == "always:19700102000000"
    assert keygen.validity_argument(86400, keygen.FOREVER) == "19700102000000:forever"


def test_option_arguments_clear_first_then_exact_options():
    argv = keygen.option_arguments({"force-command": "uptime", "source-address": "10.0.0.0/8", "verify-required": ""},
                                   {"permit-pty": "", "custom@example.org": "x"})
    assert argv[:2] == ["-O", "clear"]
    assert "force-command=uptime" in argv and "source-address=10.0.0.0/8" in argv and "verify-required" in argv
    assert "permit-pty" in argv and "extension:custom@example.org=x" in argv


def test_sign_argv_never_serial_zero_and_uses_the_agent():
    with pytest.raises(keygen.KeygenError, match="serial 0"):
        keygen.sign_argv("ca.pub", "k.pub", "id", 0, ["a"], 0, keygen.FOREVER, False, {}, {})
    argv = keygen.sign_argv("ca.pub", "k.pub", "web1", 7, ["web1", "10.0.0.1"], 100, 200, True, {}, {})
    assert argv[:4] == ["ssh-keygen", "-q", "-s", "ca.pub"] and "-U" in argv and "-h" in argv
    assert argv[argv.index("-n") + 1] == "web1,10.0.0.1" and argv[argv.index("-z") + 1] == "7"
    assert "-O" not in argv  # host certificates carry no options


def test_agent_socket_is_private_and_the_agent_dies_on_close():
    agent = keygen.Agent()
    directory, pid = agent.directory, agent.pid
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_ISSOCK(os.stat(agent.socket).st_mode)
    agent.close()
    assert not os.path.exists(directory)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_encrypted_ca_signs_through_askpass_and_the_secret_stays_out_of_argv_and_files(ca, user_key, monkeypatch):
    private, public = ca
    seen = []
    real_run = keygen.local_run

    def spy(argv, env=None, timeout=120):
        seen.append(list(argv))
        if env and "SSH_ASKPASS" in env:
            with open(env["SSH_ASKPASS"]) as handle:
                seen.append(["askpass file", handle.read()])
        return real_run(argv, env, timeout)

    monkeypatch.setattr(keygen, "local_run", spy)
    with keygen.Signer(public, private_key=private, passphrase=SECRET) as signer:
        texts = signer.sign([keygen.SignJob(user_key, "alice", 5, ["alice"], 1000, 2000000000, False, {},
                                            {"permit-pty": ""})])
        agent_dir = signer.agent.directory
    assert not os.path.exists(agent_dir)
    cert = keys.parse_public_key(texts[0]).certificate
    assert (cert.serial, cert.key_id, cert.principals) == (5, "alice", ("alice",))
    assert cert.signature_key.text() == keys.parse_public_key(public).text()
    assert seen and all(SECRET not in " ".join(item) for item in seen)


def test_wrong_passphrase_fails_at_once_without_echoing_it(ca):
    private, public = ca
    started = time.monotonic()
    with pytest.raises(keygen.KeygenError) as error:
        with keygen.Signer(public, private_key=private, passphrase="wrong guess") as signer:
            signer.sign([keygen.SignJob(public, "x", 1, ["x"], 0, keygen.FOREVER, False)])
    assert "could not load the CA key" in str(error.value) and "wrong guess" not in str(error.value)
    assert time.monotonic() - started < 30


def test_nothing_to_sign_starts_no_agent(ca):
    private, public = ca
    with keygen.Signer(public, private_key=private, passphrase=SECRET) as signer:
        assert signer.sign([]) == []
        assert signer.agent is None


def test_batch_signing_keeps_order_and_serials(tmp_path):
    public = make_key(tmp_path / "plain_ca")
    users = [make_key(tmp_path / ("u%d" % i)) for i in range(6)]
    jobs = [keygen.SignJob(key, "user%d" % i, 100 + i, ["u%d" % i], 0, keygen.FOREVER, False)
            for i, key in enumerate(users)]
    with keygen.Signer(public, private_key=str(tmp_path / "plain_ca")) as signer:
        texts = signer.sign(jobs)
    for i, text in enumerate(texts):
        cert = keys.parse_public_key(text).certificate
        assert (cert.serial, cert.key_id) == (100 + i, "user%d" % i)
        assert cert.public_blob == keys.parse_public_key(users[i]).blob


def test_rsa_ca_signs_with_rsa_sha2_512(tmp_path, user_key):
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(tmp_path / "rsa_ca")], check=True)
    public = open(str(tmp_path / "rsa_ca.pub")).read()
    with keygen.Signer(public, private_key=str(tmp_path / "rsa_ca"), algorithm="rsa-sha2-512") as signer:
        text = signer.sign([keygen.SignJob(user_key, "r", 1, ["r"], 0, keygen.FOREVER, False)])[0]
    (tmp_path / "r-cert.pub").write_text(text + "\n")
    listing = subprocess.run(["ssh-keygen", "-L", "-f", str(tmp_path / "r-cert.pub")], capture_output=True,
                             text=True, check=True).stdout
    assert "using rsa-sha2-512" in listing


def test_krl_is_compared_by_listing_not_bytes(tmp_path, user_key):
    public = make_key(tmp_path / "kca")
    sections = [(public, "serial: 5\nid: lost-laptop\nkey: %s\n" % user_key)]
    first = keygen.build_krl(sections)
    time.sleep(1.1)
    second = keygen.build_krl(sections)
    assert first != second  # the generation time differs
    listings = []
    for name, data in (("a", first), ("b", second)):
        (tmp_path / name).write_bytes(data)
        ok, listing = keygen.krl_listing(keygen.local_run, str(tmp_path / name))
        assert ok
        listings.append(listing)
    assert listings[0] == listings[1]
    assert "serial: 5" in listings[0] and "id: lost-laptop" in listings[0] and "Generated" not in listings[0]
    (tmp_path / "user.pub").write_text(user_key + "\n")
    assert keygen.krl_revokes(keygen.local_run, str(tmp_path / "a"), str(tmp_path / "user.pub"))


@pytest.mark.parametrize("content", [b"", b"not a krl\n", b"ssh-ed25519 AAAA\n"])
def test_krl_listing_refuses_what_is_not_a_krl(tmp_path, content):
    (tmp_path / "bad").write_bytes(content)
    ok, reason = keygen.krl_listing(keygen.local_run, str(tmp_path / "bad"))
    assert not ok and reason


def test_empty_krl_is_valid(tmp_path):
    (tmp_path / "empty").write_bytes(keygen.build_krl([]))
    assert keygen.krl_listing(keygen.local_run, str(tmp_path / "empty"))[0]
