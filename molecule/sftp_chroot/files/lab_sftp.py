"""Lab helper inside each container: real sftp/ssh logins over loopback, with what sshd logged about them.

    lab_sftp.py login USER [SOURCE] < batch      one sftp -b session; JSON on stdout
    lab_sftp.py run < spec.json                  many sessions, stat of files, journal lines; JSON

Every session uses the lab's SFTP key (/root/.ssh/sftp_ed25519) and batch
mode; SOURCE is the client address (127.0.0.1 by default, 127.0.0.2+ for the
logins that must be refused). The log lines of a session are read from the
journal after a cursor taken just before it, by syslog identifier
(internal-sftp, sshd on 8.4/9.2, sshd-session on 10.0).
"""
import grp
import json
import os
import pwd
import stat
import subprocess
import sys
import time

KEY = "/root/.ssh/sftp_ed25519"
COMMON = ["-i", KEY, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
          "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]
IDENTIFIERS = ("internal-sftp", "sshd", "sshd-session")


def cursor():
    out = subprocess.run(["journalctl", "-n", "1", "-o", "json", "--no-pager"], capture_output=True, text=True, check=False).stdout
    line = out.strip().splitlines()[-1] if out.strip() else "{}"
    return json.loads(line).get("__CURSOR")


def journal_since(mark, settle=0.6):
    time.sleep(settle)
    argv = ["journalctl", "-o", "json", "--no-pager"]
    if mark:
        argv += ["--after-cursor", mark]
    lines = []
    for raw in subprocess.run(argv, capture_output=True, text=True, check=False).stdout.splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        ident = entry.get("SYSLOG_IDENTIFIER")
        if ident in IDENTIFIERS:
            message = entry.get("MESSAGE")
            if isinstance(message, list):
                message = bytes(message).decode("utf-8", "replace")
            lines.append({"id": ident, "facility": entry.get("SYSLOG_FACILITY"), "pid": entry.get("_PID"),
                          "message": message})
    return lines


def session(user, batch=None, command=None, source="127.0.0.1", options=(), ssh=False, log=True):
    """sftp -b with ``batch``, or ssh (with ``command`` if given) when ``ssh`` or ``command``."""
    mark = cursor() if log else None
    if not ssh and command is None:
        argv = ["sftp", "-b", "-"] + COMMON + ["-o", "BindAddress=%s" % source] + list(options) + ["%s@127.0.0.1" % user]
        stdin = batch or ""
    else:
        argv = ["ssh"] + COMMON + ["-o", "BindAddress=%s" % source] + list(options) + ["%s@127.0.0.1" % user]
        argv += [command] if command is not None else []
        stdin = ""
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, check=False)
    result = {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    if log:
        result["log"] = journal_since(mark)
    return result


def describe(path):
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    entry = {"mode": stat.S_IMODE(info.st_mode), "uid": info.st_uid,
             "user": pwd.getpwuid(info.st_uid).pw_name, "group": grp.getgrgid(info.st_gid).gr_name,
             "dir": stat.S_ISDIR(info.st_mode), "socket": stat.S_ISSOCK(info.st_mode),
             "link": stat.S_ISLNK(info.st_mode)}
    if stat.S_ISREG(info.st_mode) and info.st_size < 4096:
        with open(path, "rb") as handle:
            entry["text"] = handle.read().decode("utf-8", "replace")
    return entry


def run(spec):
    for script in spec.get("before", []):
        subprocess.run(["/bin/sh", "-c", script], check=True)
    for name, (mode, content) in spec.get("local_files", {}).items():
        os.makedirs(os.path.dirname(name), exist_ok=True)
        with open(name, "w") as handle:
            handle.write(content)
        os.chmod(name, int(mode, 8))
    mark = cursor()
    out = {"sessions": {}, "files": {}, "commands": {}}
    for name, item in spec.get("sessions", {}).items():
        out["sessions"][name] = session(item["user"], item.get("batch"), item.get("command"),
                                        item.get("source", "127.0.0.1"), item.get("options", ()),
                                        ssh=item.get("ssh", False), log=False)
    out["journal"] = journal_since(mark, settle=1.0)
    for path in spec.get("files", []):
        out["files"][path] = describe(path)
    for name, argv in spec.get("commands", {}).items():
        done = subprocess.run(argv, capture_output=True, text=True, shell=isinstance(argv, str), check=False)
        out["commands"][name] = {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    return out


def main():
    if sys.argv[1] == "login":
        source = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
        print(json.dumps(session(sys.argv[2], sys.stdin.read(), source=source)))
    elif sys.argv[1] == "run":
        print(json.dumps(run(json.load(sys.stdin))))
    else:
        sys.exit("usage: lab_sftp.py login USER [SOURCE] | run")


if __name__ == "__main__":
    main()
