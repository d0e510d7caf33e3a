#!/bin/sh
# Dead-peer drop time of the default policy (dead_peer_timeout 5m), by hand,
# in a throwaway --network none lab container (not part of the scenario):
#   podman run --rm --network none -v $PWD/molecule/sshd_idle_timeout/files:/f:ro IMAGE /f/dead_peer_default.sh INTERVAL
# INTERVAL: what idle_policy writes for the release (75 on 8.4 and 10.0, 37 on 9.2).
# sshd on 127.0.0.1:2222 with ClientAliveCountMax 3 and TCPKeepAlive no; a
# client is frozen right after login; prints the seconds until sshd drops it.
set -e
INTERVAL=$1
ssh-keygen -A >/dev/null; mkdir -p /run/sshd
useradd -m -s /bin/bash alice 2>/dev/null || true
ssh-keygen -q -t ed25519 -N '' -f /root/k
install -d -o alice -m 700 /home/alice/.ssh; install -o alice -m 600 /root/k.pub /home/alice/.ssh/authorized_keys
/usr/sbin/sshd -p 2222 -o ListenAddress=127.0.0.1 -o ClientAliveInterval="$INTERVAL" -o ClientAliveCountMax=3 -o TCPKeepAlive=no -o LogLevel=VERBOSE -E /root/sshd.log
sleep 1
python3 - <<'PY'
import subprocess, time, os, signal, re
p = subprocess.Popen(["ssh","-tt","-p","2222","-i","/root/k","-o","BatchMode=yes","-o","StrictHostKeyChecking=no","-o","UserKnownHostsFile=/dev/null","alice@127.0.0.1","echo READY; exec sleep 100000"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
buf=b""
while b"READY" not in buf: buf += os.read(p.stdout.fileno(), 4096)
out = subprocess.run(["ss","-Htnp"],capture_output=True,text=True).stdout
port = [int(re.split(r"\s+",l.strip())[3].rsplit(":",1)[1]) for l in out.splitlines() if "pid=%d,"%p.pid in l][0]
os.kill(p.pid, signal.SIGSTOP); t0=time.monotonic()
while subprocess.run(["ss","-Htn","state","established","( sport = :2222 and dport = :%d )"%port],capture_output=True,text=True).stdout.strip():
    time.sleep(0.5)
    if time.monotonic()-t0 > 700: print("NOT DROPPED"); break
print("dropped after %.1f s" % (time.monotonic()-t0))
PY
grep -i "timeout" /root/sshd.log | tail -1
