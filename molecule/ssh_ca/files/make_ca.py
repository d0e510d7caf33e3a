"""Create a CA key for the lab: make_ca.py PATH [--vault VAULT PASSWORD_FILE].

With --vault the key is encrypted with the lab passphrase, which reaches
ssh-keygen through SSH_ASKPASS (never argv), as the collection does it.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

path = sys.argv[1]
if os.path.exists(path):
    sys.exit(0)
env = {"PATH": os.environ["PATH"], "LC_ALL": "C"}
argv = ["ssh-keygen", "-q", "-t", "ed25519", "-C", os.path.basename(path), "-f", path]
workdir = tempfile.mkdtemp()
try:
    if "--vault" in sys.argv:
        import lab_secret
        index = sys.argv.index("--vault")
        env["LAB_SECRET"] = lab_secret.passphrase(sys.argv[index + 1], sys.argv[index + 2])
        askpass = os.path.join(workdir, "askpass")
        with open(askpass, "w") as handle:
            handle.write('#!/bin/sh\nprintf "%s\\n" "$LAB_SECRET"\n')
        os.chmod(askpass, 0o700)
        env.update(SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force")
    else:
        argv += ["-N", ""]
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, check=True, start_new_session=True)
finally:
    shutil.rmtree(workdir, ignore_errors=True)
