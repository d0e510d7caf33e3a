"""Chrooted SFTP-only accounts as real clients see them, on OpenSSH 8.4, 9.2 and 10.0.

All sessions of a host run in one go inside the container (lab_sftp.py run:
real sftp -b and ssh clients with the lab's key, over loopback), after the
side effect restarted the container and journald's dev-log socket; each test
then reads its part. Refused logins come from 127.0.0.2 and up (the partners
and hugo may only use 127.0.0.1). Error texts differ between releases
(recipe §1), so only "Permission denied" / "No such file" / "not found" are
matched.
"""
import json
import shlex

import pytest

import testlib

L = "/tmp/lab"
P = "/srv/sftp/partners/fred"
TEAM = "/srv/sftp/team"

LOCAL = {L + "/f644": ("0644", "six four four\n"), L + "/f666": ("0666", "six six six\n"),
         L + "/f600": ("0600", "six oh oh\n")}

SESSIONS = {
    # put/get in the writable directory, writes refused at the top of the jail
    "fred": {"user": "fred", "batch": "\n".join([
        "pwd", "put %s/f644 f644.txt" % L, "put %s/f666 f666.txt" % L, "put %s/f600 f600.txt" % L, "mkdir newdir",
        "get f644.txt %s/fred-back" % L, "ls -1 /", "-put %s/f644 /top.txt" % L, "-mkdir /topdir",
        "-rename /upload /moved", "-cd /..", "pwd", ""])},
    # another jail: fred's files do not exist for wilma
    "wilma": {"user": "wilma", "batch": "\n".join([
        "ls -1 /", "-get /../fred/upload/f644.txt %s/wilma-stolen" % L,
        "-get /fred/upload/f644.txt %s/wilma-stolen2" % L, ""])},
    # read-only (-R): downloads only, even in a directory rita owns
    "rita": {"user": "rita", "batch": "\n".join([
        "pwd", "get report.txt %s/rita-report" % L, "-put %s/f644 x.txt" % L, "-rm report.txt", "-mkdir d", ""])},
    # shared jail: private directory (umask 0077), the exchange (default ACL), no chmod (-P setstat...)
    "tom": {"user": "tom", "batch": "\n".join([
        "pwd", "put %s/f644 /exchange/tom.txt" % L, "put %s/f644 private.txt" % L, "-chmod 666 private.txt",
        "-ls /", ""])},
    "tina": {"user": "tina", "batch": "\n".join([
        "-get /exchange/tom.txt %s/tina-shared" % L, "-get /tom/private.txt %s/tina-private" % L, "-ls /tom", ""])},
    # ChrootDirectory %h, facility LOCAL6
    "hugo": {"user": "hugo", "batch": "pwd\nput %s/f644 h.txt\n" % L},
    # address restrictions
    "hugo_elsewhere": {"user": "hugo", "batch": "pwd\n", "source": "127.0.0.2"},
    "fred_elsewhere": {"user": "fred", "batch": "pwd\n", "source": "127.0.0.3"},
    # no shell, no PTY, no forwarding
    "fred_shell": {"user": "fred", "command": "id"},
    "fred_pty": {"user": "fred", "command": "tty", "options": ["-tt"]},
    "fred_forward": {"user": "fred", "ssh": True, "options": ["-W", "127.0.0.1:22"]},
}

FILES = [P + "/upload/" + name for name in ("f644.txt", "f666.txt", "f600.txt", "newdir")] + [
    P + "/top.txt", P + "/topdir", P + "/upload", L + "/fred-back", L + "/wilma-stolen", L + "/wilma-stolen2",
    "/srv/sftp/readers/rita/upload/report.txt", "/srv/sftp/readers/rita/upload/x.txt",
    "/srv/sftp/readers/rita/upload/d", L + "/rita-report",
    TEAM + "/exchange/tom.txt", TEAM + "/tom/private.txt", L + "/tina-shared", L + "/tina-private",
    "/home/hugo/upload/h.txt",
    P + "/dev/log", "/srv/sftp/partners/wilma/dev/log", "/srv/sftp/readers/rita/dev/log", TEAM + "/dev/log",
    "/home/hugo/dev/log"]

# What an earlier verify run left behind (molecule verify may run more than once).
# Then something rita (read-only) may download.
BEFORE = ["rm -rf %s /srv/sftp/partners/*/upload/* %s/exchange/* %s/tom/* %s/tina/* /home/hugo/upload/*" % (L, TEAM, TEAM, TEAM),
          "rm -rf /srv/sftp/readers/rita/upload/*",
          "echo 'report for rita' > /srv/sftp/readers/rita/upload/report.txt",
          "chown rita:rita /srv/sftp/readers/rita/upload/report.txt"]

COMMANDS = {
    "mounts": "systemctl is-active $(systemctl list-unit-files --no-legend '*-dev-log.mount' | awk '{print $1}')",
    "subsystem": "grep -c '^Subsystem sftp internal-sftp$' /etc/ssh/sshd_config; grep -c '^Subsystem' /etc/ssh/sshd_config",
    "booted_after_side_effect": "test $(date -d \"$(ps -o lstart= -p 1)\" +%s) -gt $(stat -c %Y /root/sftp_side_effect.json)",
    "elsewhere": "mkdir -p /run/sshd; sshd -T -C user=fred,host=x,addr=127.0.0.3 | grep -E '^(denygroups|chrootdirectory) '",
}


@pytest.fixture(scope="module")
def seen(host):
    spec = {"before": BEFORE, "local_files": LOCAL, "sessions": SESSIONS, "files": FILES, "commands": COMMANDS}
    result = host.run("printf %%s %s | python3 /usr/local/bin/lab_sftp.py run" % shlex.quote(json.dumps(spec)))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def side(host):
    result = host.run("cat /root/sftp_side_effect.json")
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def messages(seen, identifier=None):
    return [line["message"] for line in seen["journal"] if identifier in (None, line["id"])]


def session_lines(seen, user):
    """internal-sftp lines of the (last) session of ``user``, by process id."""
    pids = [line["pid"] for line in seen["journal"] if line["id"] == "internal-sftp"
            and line["message"].startswith("session opened for local user %s " % user)]
    assert pids, user
    return [line["message"] for line in seen["journal"] if line["id"] == "internal-sftp" and line["pid"] == pids[-1]]


def session_identifier(host):
    return "sshd-session" if testlib.openssh_version(host) >= (9, 8) else "sshd"


def listing(stdout, command):
    """The lines an sftp batch printed for ``command`` (sftp echoes each command as 'sftp> ...')."""
    lines, inside = [], False
    for line in stdout.splitlines():
        if line.startswith("sftp> "):
            inside = line[len("sftp> "):].lstrip("-") == command
            continue
        if inside:
            lines.append(line.strip())
    return lines


def ok(seen, name):
    item = seen["sessions"][name]
    assert item["rc"] == 0, (name, item)
    return item


# -- put and get, refused writes ------------------------------------------------------

def test_put_and_get_in_the_writable_directory(seen):
    fred = ok(seen, "fred")
    assert "Remote working directory: /upload" in fred["stdout"]
    assert seen["files"][L + "/fred-back"]["text"] == "six four four\n"
    for name in ("f644.txt", "f666.txt", "f600.txt"):
        assert seen["files"][P + "/upload/" + name]["user"] == "fred"


def test_writes_are_refused_outside_the_writable_directory(seen):
    fred = ok(seen, "fred")
    assert fred["stderr"].count("Permission denied") >= 3, fred  # put /top.txt, mkdir /topdir, rename /upload
    assert seen["files"][P + "/top.txt"] is None
    assert seen["files"][P + "/topdir"] is None
    assert seen["files"][P + "/upload"]["dir"]
    # cd /.. stays in the jail
    assert fred["stdout"].rstrip().endswith("Remote working directory: /")


def test_read_only_mode_allows_downloads_only(seen):
    rita = ok(seen, "rita")
    assert seen["files"][L + "/rita-report"]["text"] == "report for rita\n"
    assert rita["stderr"].count("Permission denied") == 3, rita
    assert seen["files"]["/srv/sftp/readers/rita/upload/x.txt"] is None
    assert seen["files"]["/srv/sftp/readers/rita/upload/d"] is None
    assert seen["files"]["/srv/sftp/readers/rita/upload/report.txt"]["text"] == "report for rita\n"
    # at -l INFO internal-sftp logs the refusals as status lines of rita's session
    assert session_lines(seen, "rita").count("sent status Permission denied") == 3


# -- no shell, no PTY, no forwarding, only from the allowed address ------------------------

def test_no_shell(seen):
    shell = seen["sessions"]["fred_shell"]
    assert shell["rc"] == 1 and "This service allows sftp connections only." in shell["stdout"], shell
    assert "uid=" not in shell["stdout"]


def test_no_pty(seen):
    pty = seen["sessions"]["fred_pty"]
    assert "PTY allocation request failed" in pty["stderr"], pty
    assert "/dev/pts/" not in pty["stdout"]


def test_no_port_forwarding(seen):
    # ssh -W opens a direct-tcpip channel, as -L does; the server refuses it (the client at
    # LogLevel ERROR prints only "stdio forwarding failed", sshd logs the refusal)
    forward = seen["sessions"]["fred_forward"]
    assert forward["rc"] == 255 and "forwarding failed" in forward["stderr"], forward
    assert "SSH-2.0" not in forward["stdout"]
    assert any("refused local port forward" in m for m in messages(seen)), messages(seen)[-30:]


def test_only_from_the_allowed_address(seen):
    for name in ("hugo_elsewhere", "fred_elsewhere"):
        item = seen["sessions"][name]
        assert item["rc"] == 255 and "Permission denied" in item["stderr"], (name, item)
    log = messages(seen)
    assert any("User fred from 127.0.0.3 not allowed because a group is listed in DenyGroups" in m for m in log)
    assert any("User hugo from 127.0.0.2 not allowed because listed in DenyUsers" in m for m in log)
    assert seen["commands"]["elsewhere"]["stdout"].split("\n")[:2] == ["chrootdirectory none", "denygroups partners"]


# -- isolation and sharing -----------------------------------------------------------

def test_users_cannot_see_each_others_files(seen):
    wilma = ok(seen, "wilma")
    assert sorted(listing(wilma["stdout"], "ls -1 /")) == ["/dev", "/upload"]
    assert sorted(listing(ok(seen, "fred")["stdout"], "ls -1 /")) == ["/dev", "/upload"]
    assert seen["files"][L + "/wilma-stolen"] is None and seen["files"][L + "/wilma-stolen2"] is None
    tina = ok(seen, "tina")
    assert seen["files"][L + "/tina-private"] is None
    assert "Permission denied" in tina["stderr"]
    tom = ok(seen, "tom")
    assert "Remote working directory: /tom" in tom["stdout"]
    assert "Permission denied" in tom["stderr"]  # ls / in the shared jail (root 0711)


def test_the_shared_directory_is_shared(seen):
    assert seen["files"][L + "/tina-shared"]["text"] == "six four four\n"
    shared = seen["files"][TEAM + "/exchange/tom.txt"]
    assert (shared["user"], shared["group"]) == ("tom", "team")  # setgid directory


# -- modes --------------------------------------------------------------------------------

def test_created_files_have_the_configured_mode(seen):
    files = seen["files"]
    # partners: -u 0027 whatever the release's default (022 on 8.4/9.2, 002 on 10.0)
    assert files[P + "/upload/f644.txt"]["mode"] == 0o640
    assert files[P + "/upload/f666.txt"]["mode"] == 0o640
    assert files[P + "/upload/f600.txt"]["mode"] == 0o600
    assert files[P + "/upload/newdir"]["mode"] == 0o750
    # team: -u 0077 for private files; the exchange's default ACL overrides the umask
    assert files[TEAM + "/tom/private.txt"]["mode"] == 0o600
    assert files[TEAM + "/exchange/tom.txt"]["mode"] == 0o640
    # hugo: -u 0022
    assert files["/home/hugo/upload/h.txt"]["mode"] == 0o644


def test_chmod_is_refused_when_setstat_is_denied(seen):
    assert "Permission denied" in seen["sessions"]["tom"]["stderr"]
    assert seen["files"][TEAM + "/tom/private.txt"]["mode"] == 0o600


# -- logging inside the chroot, after a container restart ---------------------------------

def test_the_container_was_restarted_before_these_sessions(seen):
    assert seen["commands"]["booted_after_side_effect"]["rc"] == 0, seen["commands"]["booted_after_side_effect"]


def test_dev_log_is_a_socket_in_every_chroot(seen):
    assert seen["commands"]["mounts"]["rc"] == 0, seen["commands"]["mounts"]
    assert seen["commands"]["mounts"]["stdout"].split() == ["active"] * 5
    for path in FILES:
        if path.endswith("/dev/log"):
            assert seen["files"][path]["socket"], path


def test_transfers_appear_in_the_journal(seen):
    sftp_lines = messages(seen, "internal-sftp")
    assert 'open "/upload/f644.txt" flags WRITE,CREATE,TRUNCATE mode 0644' in sftp_lines
    assert 'close "/upload/f644.txt" bytes read 0 written 14' in sftp_lines
    assert 'close "/upload/f644.txt" bytes read 14 written 0' in sftp_lines  # the get
    assert 'open "/exchange/tom.txt" flags WRITE,CREATE,TRUNCATE mode 0644' in sftp_lines
    assert any(m.startswith("session opened for local user fred from [127.0.0.1]") for m in sftp_lines)


def test_sshd_lines_after_the_chroot_arrive_under_the_releases_identifier(host, seen):
    identifier = session_identifier(host)
    lines = messages(seen, identifier)
    assert any("refusing non-sftp session" in m for m in lines), lines[-20:]
    assert any(m.startswith('Changed root directory to "/srv/sftp/partners/fred"') for m in lines)
    other = "sshd" if identifier == "sshd-session" else "sshd-session"
    assert not any("refusing non-sftp session" in m for m in messages(seen, other))


def test_the_facility_is_the_configured_one(seen):
    hugo = ok(seen, "hugo")
    assert "Remote working directory: /upload" in hugo["stdout"]
    lines = [line for line in seen["journal"] if line["id"] == "internal-sftp" and "/upload/h.txt" in line["message"]]
    assert lines and all(line["facility"] == "22" for line in lines)  # LOCAL6


def test_exactly_one_subsystem_line(seen):
    assert seen["commands"]["subsystem"]["stdout"].split() == ["1", "1"]


# -- the preflight (side effect) -----------------------------------------------------------

def test_preflight_and_sshd_agree_on_every_recipe_case(side):
    problems = []
    for case in side["cases"]:
        observed = "accept" if case["login_rc"] == 0 else "refuse"
        if case["preflight"] != case["expect_preflight"]:
            problems.append("%s: preflight %s, expected %s" % (case["name"], case["preflight"], case["expect_preflight"]))
        if observed != case["expect_sshd"]:
            problems.append("%s: sshd %s, expected %s" % (case["name"], observed, case["expect_sshd"]))
        predicted = case["preflight_predicts"]
        if observed == "refuse":
            # the preflight names the component exactly as sshd's fatal line does
            if "fatal: " + predicted.split("refuse: ", 1)[-1] not in case["fatal"]:
                problems.append("%s: sshd said %s, the preflight predicted %s" % (case["name"], case["fatal"], predicted))
        elif predicted != "accept":
            problems.append("%s: sshd accepted, the preflight predicted %s" % (case["name"], predicted))
    assert not problems, "\n".join(problems)
    assert len(side["cases"]) == 21


def test_the_escape_is_real_and_refused(side):
    for case in side["cases"]:
        if case["name"].startswith("escape"):
            assert case["preflight"] == "refuse" and case["login_rc"] == 0, case
            assert any(f["rule"] == "resolution" and f["component"] == "/home/probe-w" for f in case["findings"])
            # after the swap sshd still "chroots" probe, to the real /
            assert case["after_swap"]["rc"] == 0 and "ssh_host_ed25519_key" in case["after_swap"]["stdout"], case


def test_the_role_refuses_a_group_writable_component_and_changes_nothing(side):
    message = side["refused_group_writable"]
    assert 'bad ownership or modes for chroot directory component "/srv/sftp/"' in message, message
    assert "nothing was changed" in message
    fred = side["fred_bad_parent"]  # sshd's own verdict meanwhile
    assert fred["rc"] == 255
    assert 'fatal: bad ownership or modes for chroot directory component "/srv/sftp/"' in \
        [line["message"] for line in fred["log"]]
    assert side["after"] == side["sshd_config_before"]  # same checksum, no newbie, no jail for newbie


def test_the_role_refuses_the_link_escape_naming_the_component(side):
    message = side["refused_escape"]
    assert "through /home/eve, which is owned by uid" in message, message
    assert "/srv/sftp/partners/eve is a symbolic link" in message
    assert side["after"] == side["sshd_config_before"]


def test_check_mode_predicts_and_writes_nothing(side):
    assert side["check_mode_changed"]
    assert any(change.startswith("create account newbie") for change in side["check_mode_changes"])
    assert side["after"] == side["sshd_config_before"]
