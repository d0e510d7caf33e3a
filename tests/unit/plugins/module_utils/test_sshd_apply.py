"""Host-side steps of the sshd_config module that need no host: lockout rules,
Match connection specs, the file layout and the controller precheck."""

import os

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import config_files, fileio, guard, sshd_apply, sshd_host
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError


def eff(**kw):
    return {k: (v if isinstance(v, list) else [v]) for k, v in kw.items()}


class TestLockoutRules:
    def test_allowusers_without_the_operator_is_a_lockout(self):
        problems = guard.lockout_problems(eff(allowusers=["bob"]), "alice", 22, groups=["alice"])
        assert problems == ["AllowUsers bob does not include alice"]

    def test_allowusers_pattern_and_user_at_host(self):
        assert not guard.lockout_problems(eff(allowusers=["al*"]), "alice", 22, groups=[])
        assert not guard.lockout_problems(eff(allowusers=["alice@10.0.0.*"]), "alice", 22,
                                          addr="10.0.0.5", groups=[])
        assert guard.lockout_problems(eff(allowusers=["alice@10.0.0.*"]), "alice", 22,
                                      addr="192.0.2.1", groups=[])

    def test_denyusers_and_groups(self):
        assert guard.lockout_problems(eff(denyusers=["alice"]), "alice", 22, groups=[])
        assert guard.lockout_problems(eff(denygroups=["wheel"]), "alice", 22, groups=["wheel"])
        assert guard.lockout_problems(eff(allowgroups=["admins"]), "alice", 22, groups=["users"])
        assert not guard.lockout_problems(eff(allowgroups=["admins"]), "alice", 22, groups=["admins"])

    def test_negated_group_pattern_does_not_allow(self):
        assert guard.lockout_problems(eff(allowgroups=["*,!users"]), "alice", 22, groups=["users"])

    @pytest.mark.parametrize("value,locked", [("no", True), ("forced-commands-only", True),
                                              ("without-password", False), ("yes", False)])
    def test_root_login(self, value, locked):
        assert bool(guard.lockout_problems(eff(permitrootlogin=value), "root", 22, groups=[])) is locked

    def test_prohibit_password_shuts_out_a_password_root(self):
        assert guard.lockout_problems(eff(permitrootlogin="without-password"), "root", 22,
                                      auth="password", groups=[])

    def test_pubkey_off_and_authentication_methods(self):
        assert guard.lockout_problems(eff(pubkeyauthentication="no"), "alice", 22, groups=[])
        assert guard.lockout_problems(
            eff(authenticationmethods="publickey,keyboard-interactive"), "alice", 22, groups=[])
        assert not guard.lockout_problems(
            eff(authenticationmethods="publickey,keyboard-interactive publickey"), "alice", 22, groups=[])

    def test_port_the_inventory_does_not_use(self):
        problems = guard.lockout_problems(eff(listenaddress=["0.0.0.0:2222", "[::]:2222"]), "alice", 22,
                                          groups=[])
        assert problems and "2222" in problems[0]
        assert not guard.lockout_problems(eff(listenaddress=["0.0.0.0:22"]), "alice", 22, groups=[])

    def test_lost_key_file(self):
        assert guard.lockout_problems(eff(authorizedkeysfile="/etc/ssh/keys/%u"), "alice", 22,
                                      groups=[], key_files_present=False)


class TestListenEndpoints:
    def test_ipv4_ipv6_and_fallback_to_port(self):
        assert sshd_host.listen_endpoints(eff(listenaddress=["127.0.0.2:22", "[::1]:2222"])) == [
            ("127.0.0.2", 22), ("::1", 2222)]
        assert sshd_host.listen_endpoints(eff(port=["2200"])) == [("0.0.0.0", 2200)]


class TestMatchConnections:
    def test_literal_criteria_give_a_matching_spec(self):
        spec, _unused = sshd_apply.derive_connection({"User": "bob", "Address": "10.1.0.0/16"}, "root")
        assert spec["user"] == "bob" and spec["addr"] == "10.1.0.1"

    def test_string_criteria(self):
        spec, _unused = sshd_apply.derive_connection("User alice LocalPort 2222", "root")
        assert spec["user"] == "alice" and spec["lport"] == "2222"

    def test_wildcards_cannot_be_evaluated(self):
        spec, reason = sshd_apply.derive_connection({"User": "sftp*"}, "root")
        assert spec is None and "literal" in reason

    def test_first_positive_entry_of_a_list_is_used(self):
        spec, _unused = sshd_apply.derive_connection({"User": "!root,carol,dave"}, "root")
        assert spec["user"] == "carol"


class TestLayout:
    def test_include_goes_after_the_globals_and_before_match(self):
        text = "# head\n\nA 1\nB 2\n\nMatch User x\n    C 3\n"
        out = sshd_apply._insert_include(text, "/etc/ssh/sshd_config.d")
        lines = out.splitlines()
        assert lines.index("Include /etc/ssh/sshd_config.d/*.conf") < lines.index("Match User x")
        assert lines.index("B 2") < lines.index("Include /etc/ssh/sshd_config.d/*.conf")

    def test_include_at_the_end_without_match(self):
        out = sshd_apply._insert_include("A 1\n", "/etc/ssh/sshd_config.d/")
        assert out.endswith("Include /etc/ssh/sshd_config.d/*.conf\n")

    def test_validation_copy_spells_out_includes_with_the_candidate(self, tmp_path):
        d = tmp_path / "d"
        d.mkdir()
        (d / "10-a.conf").write_text("X 1\n")
        (d / "50-b.conf").write_text("Y 1\n")
        main = tmp_path / "main"
        main.write_text("Include %s/*.conf\nZ 1\n" % d)
        live = str(d / "00-sshsuite.conf")
        cand = str(tmp_path / "cand")
        work = fileio.PrivateDirectory()
        try:
            out = config_files.validation_main(str(main), {live: cand}, work)
            lines = open(out).read().splitlines()
        finally:
            work.close()
        assert lines == ["Include %s" % cand, "Include %s/10-a.conf" % d, "Include %s/50-b.conf" % d, "Z 1"]

    def test_files_read_follows_includes_in_order(self, tmp_path):
        d = tmp_path / "d"
        d.mkdir()
        (d / "b.conf").write_text("B 1\n")
        (d / "a.conf").write_text("A 1\n")
        main = tmp_path / "main"
        main.write_text("Include %s/*.conf\n" % d)
        assert config_files.files_read(str(main)) == [str(main), str(d / "a.conf"), str(d / "b.conf")]


class TestLayers:
    def test_operator_wins_whatever_the_case(self):
        merged = sshd_apply.merge_settings({"UsePAM": True, "X11Forwarding": True}, {"x11forwarding": False})
        assert merged == {"UsePAM": True, "x11forwarding": False}

    def test_count_max_zero_becomes_one(self):
        params = dict(distribution_defaults=False, mode="file", profile="none", profile_options={},
                      settings={"ClientAliveCountMax": 0})
        settings, warnings, _unused = sshd_apply.layered_settings(params, {}, "9.2")
        assert settings["ClientAliveCountMax"] == 1 and warnings


class TestPrecheck:
    def base(self, **kw):
        params = dict(settings={}, match=[], header="h", profile="none", profile_options={})
        params.update(kw)
        return params

    @pytest.mark.parametrize("settings,fragment", [
        ({"Banner": "/etc/issue\nPermitRootLogin yes"}, "control"),
        ({"PermitRootLogon": "no"}, "PermitRootLogin"),
        ({"PermitRootLogin": ["no", "yes"]}, "PermitRootLogin"),
        ({"LoginGraceTime": "1 hour"}, "LoginGraceTime"),
        ({"AllowUsers": []}, "AllowUsers"),
    ])
    def test_bad_settings(self, settings, fragment):
        with pytest.raises(OpenSSHConfigError) as err:
            sshd_apply.precheck(self.base(settings=settings))
        assert fragment.lower() in str(err.value).lower()

    def test_match_rules(self):
        with pytest.raises(OpenSSHConfigError) as err:
            sshd_apply.precheck(self.base(match=[
                {"criteria": {"User": "bob"}, "settings": {"Port": 2222}},
                {"criteria": {"Usr": "bob"}, "settings": {"X11Forwarding": False}},
                {"criteria": {"User": "bob\nPermitRootLogin yes"}, "settings": {"X11Forwarding": False}},
            ]))
        text = str(err.value)
        assert "not allowed inside a Match block" in text
        assert "unknown Match criterion" in text
        assert "control character" in text

    def test_all_problems_are_reported_at_once(self):
        with pytest.raises(OpenSSHConfigError) as err:
            sshd_apply.precheck(self.base(settings={"PermitRootLogon": "no", "MaxAuthTries": "x"},
                                          idle_timeout="soon"))
        assert "3 problems" in str(err.value)

    def test_good_input_passes(self):
        sshd_apply.precheck(self.base(settings={"AllowUsers": ["alice", "bob"], "ClientAliveInterval": "5m"},
                                      match=[{"criteria": {"User": "bob"}, "settings": {"PermitTTY": False}}]))


def test_an_old_spelling_from_the_operator_overrides_the_profiles_new_one():
    """Issue 20: PubkeyAcceptedKeyTypes from the operator was 'given twice' with the profile's name."""
    merged = sshd_apply.merge_settings({"PubkeyAcceptedAlgorithms": "ssh-ed25519", "UsePAM": True},
                                       {"PubkeyAcceptedKeyTypes": "ssh-ed25519,rsa-sha2-512"})
    assert merged == {"UsePAM": True, "PubkeyAcceptedKeyTypes": "ssh-ed25519,rsa-sha2-512"}
    merged = sshd_apply.merge_settings({"KbdInteractiveAuthentication": False},
                                       {"ChallengeResponseAuthentication": True})
    assert merged == {"ChallengeResponseAuthentication": True}


def _run(argv):
    import subprocess
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_host_key_rotation_publish_then_retire(tmp_path):
    """Issue 19: a new key served beside the old one, then promoted; each phase idempotent."""
    directory = str(tmp_path)
    os.chmod(directory, 0o755)
    infos, _unused, actions = sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory)
    sshd_host.apply_host_keys(_run, actions, 3072, infos)
    old = open(sshd_host.host_key_path("ed25519", directory) + ".pub").read()
    rotation = sshd_host.check_rotation({"ed25519": {"phase": "publish"}})
    infos, _unused, actions = sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory, rotation)
    assert [a.get("generate") for a in actions] == ["ed25519"]
    sshd_host.apply_host_keys(_run, actions, 3072, infos)
    new = open(sshd_host.next_key_path("ed25519", directory) + ".pub").read()
    assert new != old
    assert sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory, rotation)[2] == []
    rotation = sshd_host.check_rotation({"ed25519": {"phase": "retire"}})
    infos, _unused, actions = sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory, rotation)
    sshd_host.apply_host_keys(_run, actions, 3072, infos)
    assert open(sshd_host.host_key_path("ed25519", directory) + ".pub").read() == new
    assert not os.path.exists(sshd_host.next_key_path("ed25519", directory))
    assert sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory, rotation)[2] == []


def test_host_key_modes_stricter_kept_looser_fixed(tmp_path):
    """Issue 19: a private key tightened to 0400 is left alone, a 0644 one becomes 0600."""
    directory = str(tmp_path)
    os.chmod(directory, 0o755)
    infos, _unused, actions = sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory)
    sshd_host.apply_host_keys(_run, actions, 3072, infos)
    key = sshd_host.host_key_path("ed25519", directory)
    os.chmod(key, 0o400)
    assert sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory)[2] == []
    os.chmod(key, 0o644)
    os.chmod(key + ".pub", 0o600)
    actions = sshd_host.plan_host_keys(_run, ["ed25519"], 3072, [], directory)[2]
    assert actions == [{"fix": key, "mode": 0o600}]


def test_a_published_key_is_served_beside_the_profiles_host_keys():
    """Issue 19: the modern profile names its HostKey files; a published key must still be served."""
    profile_keys = ["/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ed25519_key"]
    settings = {"HostKey": list(profile_keys)}
    sshd_apply.with_published_keys(settings, ["ed25519", "rsa"],
                                   sshd_host.check_rotation({"rsa": {"phase": "publish", "bits": 4096}}))
    assert settings["HostKey"] == profile_keys + ["/etc/ssh/ssh_host_rsa_key.next"]
    sshd_apply.with_published_keys(settings, ["ed25519", "rsa"],
                                   sshd_host.check_rotation({"rsa": {"phase": "publish"}}))
    assert settings["HostKey"].count("/etc/ssh/ssh_host_rsa_key.next") == 1
    retired = {"hostkey": list(profile_keys)}
    sshd_apply.with_published_keys(retired, ["rsa"], sshd_host.check_rotation({"rsa": {"phase": "retire"}}))
    assert retired == {"hostkey": profile_keys}
    bare = {}
    sshd_apply.with_published_keys(bare, ["ed25519"], sshd_host.check_rotation({"ed25519": {}}))
    assert bare == {"HostKey": ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_ed25519_key.next"]}


@pytest.mark.parametrize("rotation", [{"dsa": {}}, {"rsa": {"phase": "later"}}, {"rsa": {"bits": 2048}},
                                      {"ed25519": {"bits": 4096}}])
def test_bad_rotation_data_is_refused(rotation):
    with pytest.raises(OpenSSHConfigError):
        sshd_host.check_rotation(rotation)


def test_a_partial_connection_is_completed_for_sshd_T_C():
    spec = sshd_host.complete_connection({"user": "alice", "host": "web.example.org", "addr": "192.0.2.7"}, "root")
    assert spec == {"user": "alice", "host": "web.example.org", "addr": "192.0.2.7", "laddr": "127.0.0.1",
                    "lport": "22"}
    assert sshd_host.complete_connection({"lport": 2222}, "deploy")["user"] == "deploy"


def test_withdraw_serves_neither_key_of_the_type():
    settings = {"HostKey": ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key"]}
    sshd_apply.with_published_keys(settings, ["ed25519", "rsa"], sshd_host.check_rotation({"ed25519": {"phase": "withdraw"}}))
    assert settings["HostKey"] == ["/etc/ssh/ssh_host_rsa_key"]


def test_a_new_block_whose_chroot_sshd_would_refuse_is_a_guard_problem(tmp_path):
    """Issue 20: sshd -t never looks at ChrootDirectory; the guard asks chroot.py, as sshd will at login."""
    import subprocess
    from conftest import root_owned_base
    import tempfile
    base = tempfile.mkdtemp(dir=root_owned_base())
    try:
        os.chmod(base, 0o775)  # group-writable: sshd refuses the jail below
        os.mkdir(os.path.join(base, "jail"), 0o755)
        key = str(tmp_path / "hostkey")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        config = tmp_path / "sshd_config"
        config.write_text("HostKey %s\nMatch User root\n    ChrootDirectory %s/jail\n" % (key, base))
        blocks = [{"criteria": {"User": "root"}, "settings": {"ChrootDirectory": base + "/jail"}}]
        problems = guard.chroot_problems(_run, str(config), blocks)
        assert problems and "bad ownership or modes" in problems[0] and base in problems[0]
        os.chmod(base, 0o755)
        assert guard.chroot_problems(_run, str(config), blocks) == []
    finally:
        import shutil
        shutil.rmtree(base)


def test_an_include_of_a_directory_a_user_can_write_is_refused_even_when_it_is_empty(tmp_path):
    """Found by molecule/sshd_lockout: the candidate's own Include lines were skipped."""
    writable = tmp_path / "alice.d"
    writable.mkdir()
    os.chmod(writable, 0o777)
    candidate = tmp_path / "candidate"
    candidate.write_text("Include %s/*.conf\n" % writable)
    problems = guard.include_problems([str(candidate)], skip=[str(candidate)])
    assert problems and "someone other than root can write" in problems[0]
