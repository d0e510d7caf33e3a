"""Start four ssh sessions to alice@127.0.0.1 at once and time what happens
to each (seconds from the moment the session was ready), printed as JSON:

  frozen  `sleep 1001`; the client is SIGSTOPped at once; time until sshd
          has dropped the connection (its socket leaves ESTABLISHED)
  idle    `sleep 1002`, client alive but silent; time until the client exits
  active  prints a line every second; must still be open at the end
  shell   interactive login shell left at its prompt (TMOUT fallback)

Usage: idle_sessions.py WINDOW_SECONDS
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

WINDOW = float(sys.argv[1]) if len(sys.argv) > 1 else 35
SSH = ["ssh", "-tt", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
       "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
       "-o", "ServerAliveInterval=0", "-i", "/root/.ssh/id_ed25519", "alice@127.0.0.1"]
COMMANDS = {
    "frozen": "echo READY; exec sleep 1001",
    "idle": "echo READY; exec sleep 1002",
    "active": "echo READY; while :; do echo tick; sleep 1; done",
    "shell": None,  # login shell; READY comes from the command written to it
}


class Session:
    def __init__(self, name, command):
        argv = SSH + ([command] if command else [])
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.ready = threading.Event()
        self.ready_at = None
        self.ended_at = None
        self.output = b""
        threading.Thread(target=self._read, daemon=True).start()
        if command is None:
            self.proc.stdin.write(b"echo RE''ADY\n")
            self.proc.stdin.flush()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") \
                else os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            self.output += chunk
            if not self.ready.is_set() and b"READY" in self.output:
                self.ready_at = time.monotonic()
                self.ready.set()
        self.proc.wait()
        self.ended_at = time.monotonic()


def established(local_port):
    """Is the server side of the client's connection still ESTABLISHED?"""
    out = subprocess.run(["ss", "-Htn", "state", "established",
                          "( sport = :22 and dport = :%d )" % local_port],
                         capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


def client_port(pid):
    out = subprocess.run(["ss", "-Htnp"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if "pid=%d," % pid in line:
            return int(re.split(r"\s+", line.strip())[3].rsplit(":", 1)[1])
    raise RuntimeError("no socket for pid %d:\n%s" % (pid, out))


sessions = {name: Session(name, cmd) for name, cmd in COMMANDS.items()}
for s in sessions.values():
    if not s.ready.wait(20):
        print(json.dumps({"error": "%s never got ready: %r" % (s.name, s.output[-500:])}))
        sys.exit(1)

frozen = sessions["frozen"]
port = client_port(frozen.proc.pid)
os.kill(frozen.proc.pid, signal.SIGSTOP)
frozen_at = time.monotonic()
dropped = None
deadline = frozen_at + WINDOW
while time.monotonic() < deadline:
    if dropped is None and not established(port):
        dropped = time.monotonic() - frozen_at
    time.sleep(0.2)

result = {"window": WINDOW, "frozen": None if dropped is None else round(dropped, 1)}
for name in ("idle", "active", "shell"):
    s = sessions[name]
    result[name] = None if s.ended_at is None else round(s.ended_at - s.ready_at, 1)
result["active_ticks"] = sessions["active"].output.count(b"tick")
for s in sessions.values():
    if s.proc.poll() is None:
        os.kill(s.proc.pid, signal.SIGCONT)
        s.proc.kill()
        s.proc.wait()
print(json.dumps(result))
