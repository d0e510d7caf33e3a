# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SFTP data: checks (every problem named by its inventory path) and the Match blocks sshd gets."""

from __future__ import annotations

import pytest

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import chroot, render, sftp
from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh.errors import OpenSSHConfigError


def one(**item):
    item.setdefault("name", "partners")
    item.setdefault("root", "/srv/sftp/partners")
    return sftp.normalise({"groups": [item]})[0]


def problems_of(params):
    with pytest.raises(OpenSSHConfigError) as caught:
        sftp.normalise(params)
    return str(caught.value)


# -- defaults ---------------------------------------------------------------------------

def test_per_user_defaults_start_in_upload_with_an_explicit_umask():
    block = one()
    assert block.chroot_pattern == "/srv/sftp/partners/%u"
    assert block.writable == ("upload",)
    assert sftp.force_command(block) == "internal-sftp -d/upload -u0022 -lINFO -fAUTH"


def test_shared_layout_starts_in_the_private_directory():
    block = one(layout="shared", root="/srv/sftp/team")
    assert block.chroot_pattern == "/srv/sftp/team"
    assert block.writable == ()
    assert sftp.force_command(block).startswith("internal-sftp -d/%u ")


def test_home_layout_chroots_to_the_home_directory():
    block = sftp.normalise({"users": [{"name": "hugo", "layout": "home"}]})[0]
    assert block.chroot_pattern == "%h"
    assert block.root == "/home"
    assert block.members == ("hugo",)


def test_every_flag_goes_on_the_forcecommand_line_with_its_argument_attached():
    """sshd passes only 9 words of ForceCommand to internal-sftp: every flag must fit in them."""
    block = one(umask="0027", log_level="verbose", log_facility="local6", read_only=True,
                denied_requests=["setstat", "fsetstat", "lsetstat"], allowed_requests=["open", "read"])
    command = sftp.force_command(block)
    assert command == ("internal-sftp -d/upload -u0027 -lVERBOSE -fLOCAL6 -R "
                       "-Psetstat,fsetstat,lsetstat -popen,read")
    assert chroot.parse_internal_sftp(command) == {"d": "/upload", "u": "0027", "l": "VERBOSE", "f": "LOCAL6",
                                                   "R": "", "P": "setstat,fsetstat,lsetstat", "p": "open,read"}


# -- what sshd gets -----------------------------------------------------------------------

def test_match_block_locks_everything_but_sftp_down():
    blocks = sftp.match_blocks(one(), "/etc/ssh/authorized_keys/%u")
    assert len(blocks) == 1
    settings = blocks[0]["settings"]
    assert blocks[0]["criteria"] == {"Group": "partners"}
    assert settings["ChrootDirectory"] == "/srv/sftp/partners/%u"
    assert settings["AuthorizedKeysFile"] == "/etc/ssh/authorized_keys/%u"
    for keyword, value in (("DisableForwarding", True), ("AllowTcpForwarding", "no"), ("X11Forwarding", False),
                           ("AllowAgentForwarding", False), ("PermitTTY", False), ("PermitTunnel", "no"),
                           ("AllowStreamLocalForwarding", "no")):
        assert settings[keyword] == value


def test_addresses_make_an_allow_block_and_a_deny_block():
    blocks = sftp.match_blocks(one(addresses=["127.0.0.1", "10.0.0.0/8"]))
    assert blocks[0]["criteria"] == {"Group": "partners", "Address": ["127.0.0.1", "10.0.0.0/8"]}
    assert blocks[1] == {"criteria": {"Group": "partners", "Address": ["*", "!127.0.0.1", "!10.0.0.0/8"]},
                         "settings": {"DenyGroups": "partners"}}
    user = sftp.normalise({"users": [{"name": "hugo", "layout": "home", "addresses": ["192.0.2.7"]}]})[0]
    assert sftp.match_blocks(user)[1]["settings"] == {"DenyUsers": "hugo"}


def test_contribution_replaces_the_subsystem_and_puts_accounts_before_groups():
    blocks = sftp.normalise({"groups": [{"name": "partners", "root": "/srv/p"}],
                             "users": [{"name": "hugo", "layout": "home"}]})
    contribution = sftp.contribution(blocks, "", "internal-sftp")
    assert contribution["settings"] == {"Subsystem": {"sftp": "internal-sftp"}}
    assert [b["criteria"] for b in contribution["match"]] == [{"User": "hugo"}, {"Group": "partners"}]
    assert "AuthorizedKeysFile" not in contribution["match"][0]["settings"]
    assert sftp.contribution(blocks, "", "")["settings"] == {}


@pytest.mark.parametrize("version", ["8.4", "9.2", "10.0"])
def test_the_contribution_renders_for_every_release(version):
    blocks = sftp.normalise({"groups": [{"name": "partners", "root": "/srv/p", "addresses": ["127.0.0.1"],
                                         "denied_requests": ["setstat"]}],
                             "users": [{"name": "hugo", "layout": "home"}]})
    contribution = sftp.contribution(blocks, "/etc/ssh/authorized_keys/%u")
    text = render.render_config("sshd", contribution["settings"], contribution["match"], version, "")
    assert text.count("Subsystem sftp") == 1
    assert "Match Group partners Address *,!127.0.0.1\n    DenyGroups partners" in text
    assert "    ForceCommand internal-sftp -d/upload -u0022 -lINFO -fAUTH -Psetstat\n" in text


def test_journal_identifiers_follow_the_sshd_split():
    assert sftp.journal_identifiers("9.2") == ["internal-sftp", "sshd"]
    assert sftp.journal_identifiers("10.0") == ["internal-sftp", "sshd-session"]


# -- bad data: every problem, each with its inventory path ---------------------------------

def test_every_problem_is_reported_with_its_place():
    text = problems_of({"groups": [{"name": "partners", "root": "srv/relative", "umask": "27",
                                    "log_level": "LOUD", "writable": ["a/b", "dev"],
                                    "denied_requests": ["chmod"], "addresses": ["!10.0.0.0/8", "10.0.0.1/8"],
                                    "members": ["Fred"]}]})
    for expected in ("sftp_groups[0] (partners).root", "sftp_groups[0] (partners).umask",
                     "sftp_groups[0] (partners).log_level", "sftp_groups[0] (partners).writable[0]",
                     "sftp_groups[0] (partners).writable[1]", "sftp_groups[0] (partners).denied_requests[0]",
                     "sftp_groups[0] (partners).addresses[0]", "sftp_groups[0] (partners).addresses[1]",
                     "sftp_groups[0] (partners).members[0]"):
        assert expected in text


@pytest.mark.parametrize("name", ["fred\nMatch all", "*", "a,b", "!root", "Fred", "x" * 40, ""])
def test_names_that_would_change_a_match_line_are_refused(name):
    text = problems_of({"users": [{"name": name, "root": "/srv/x"}]})
    assert "sftp_users[0].name" in text


def test_unquoted_yaml_modes_are_refused():
    # YAML 1.1 reads 0027 as 23 and 027 as 27; Ansible turns them into the strings "23" / "27"
    assert "quote it" in problems_of({"groups": [{"name": "p", "root": "/srv/p", "umask": "23"}]})
    assert "quote it" in problems_of({"groups": [{"name": "p", "root": "/srv/p", "writable_mode": 488}]})


def test_group_writable_personal_directories_are_refused():
    assert "shared" in problems_of({"groups": [{"name": "p", "root": "/srv/p", "writable_mode": "0770"}]})


def test_layout_mismatches_are_refused():
    assert "root is required" in problems_of({"groups": [{"name": "p"}]})
    assert "shared layout" in problems_of({"groups": [{"name": "p", "root": "/srv/p", "shared": [{"name": "x"}]}]})
    assert "writable directories are for" in problems_of(
        {"groups": [{"name": "p", "layout": "shared", "root": "/srv/p", "writable": ["x"]}]})
    assert "others access" in problems_of(
        {"groups": [{"name": "p", "layout": "shared", "root": "/srv/p", "shared": [{"name": "x", "mode": "2775"}]}]})
    assert "name of an account" in problems_of(
        {"groups": [{"name": "p", "layout": "shared", "root": "/srv/p", "members": ["x"],
                     "shared": [{"name": "x"}]}]})
    assert "cannot be /" in problems_of({"groups": [{"name": "p", "root": "/"}]})


def test_overlapping_jails_and_duplicates_are_refused():
    text = problems_of({"groups": [{"name": "a", "root": "/srv/sftp"}, {"name": "b", "root": "/srv/sftp/b"},
                                   {"name": "a", "root": "/srv/other"}]})
    assert "one jail inside another" in text
    assert "declared twice" in text
    assert "root /srv/sftp is also" in problems_of(
        {"groups": [{"name": "a", "root": "/srv/sftp"}, {"name": "b", "root": "/srv/sftp"}]})
    # two teams in one shared jail (the /var/www case) is fine
    sftp.normalise({"groups": [{"name": "team1", "layout": "shared", "root": "/var/www", "start": "site1"},
                               {"name": "team2", "layout": "shared", "root": "/var/www", "start": "site2"}]})


def test_an_account_in_two_blocks_with_different_jails_is_refused():
    text = problems_of({"groups": [{"name": "a", "root": "/srv/a", "members": ["fred"]},
                                   {"name": "b", "root": "/srv/b", "members": ["fred"]}]})
    assert "sshd would use only the first matching block" in text


def test_start_is_a_path_inside_the_chroot():
    assert one(start="%u/in").start == "/%u/in"
    assert "start" in problems_of({"groups": [{"name": "p", "root": "/srv/p", "start": "../etc"}]})
    assert "start" in problems_of({"groups": [{"name": "p", "root": "/srv/p", "start": "a b"}]})


def test_unknown_options_are_named():
    assert "unknown option chrot" in problems_of({"groups": [{"name": "p", "root": "/srv/p", "chrot": "/x"}]})
