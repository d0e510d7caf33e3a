"""The recipe's chroot cases in one process: for each, build the tree, take the preflight's verdict,
then sshd's at a real sftp login (and, for the escapes, swap the jail for / and log in again).

    PYTHONPATH=<dir holding ansible_collections> lab_cases.py < cases.json > results.json

The preflight is sftp_host.preflight_config, the function the module
sshsuite.openssh.sftp_preflight runs (its main() only adds AnsibleModule):
importing it here saves one Ansible task per case (about 10 minutes of the
scenario on this lab). The module itself runs once afterwards, on the
restored tree (side_effect.yml).
"""
import json
import subprocess
import sys

sys.path.insert(0, "/usr/local/bin")
import lab_sftp  # noqa: E402

from ansible_collections.sshsuite.openssh.plugins.module_utils.openssh import sftp_host  # noqa: E402

RESET = """set -e
chmod 0755 /srv
rm -rf /srv/cases /home/probe-w /opt/cases-jail
install -d -m 0755 -o root -g root /srv/cases /srv/cases/c1 /srv/cases/c1/c2 /srv/cases/c1/c2/probe
"""


def run(argv):
    done = subprocess.run(list(argv), capture_output=True, text=True, env={"LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, check=False)
    return done.returncode, done.stdout, done.stderr


def shell(script):
    done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit("setup failed: %s\n%s" % (script, done.stderr))


def main():
    results = []
    for case in json.load(sys.stdin):
        shell(RESET + case.get("setup", ""))
        check = sftp_host.preflight_config({"users": ["probe"], "addresses": ["127.0.0.1"],
                                            "config": "/etc/ssh/sshd_config", "fail_on": "never"}, run)["results"][0]
        login = lab_sftp.session("probe", "pwd\n")
        entry = {"name": case["name"], "expect_preflight": case["preflight"], "expect_sshd": case["sshd"],
                 "preflight": check["verdict"], "preflight_predicts": check["sshd_verdict"],
                 "findings": check["findings"], "login_rc": login["rc"], "login_stdout": login["stdout"],
                 "login_stderr": login["stderr"],
                 "fatal": [line["message"] for line in login["log"] if line["message"].startswith("fatal: ")],
                 "after_swap": None}
        if case.get("swap"):
            shell("runuser -u probe -- sh -c '%s'" % case["swap"])
            entry["after_swap"] = lab_sftp.session("probe", "ls -1 /etc/ssh\n", log=False)
        results.append(entry)
    shell(RESET)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
