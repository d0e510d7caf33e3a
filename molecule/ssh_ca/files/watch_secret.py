"""Watch for the lab CA passphrase while the role signs.

watch_secret.py VAULT PASSWORD_FILE STATE_DIR ROOTS...

Samples `ps -eo args` every 20 ms until STATE_DIR/stop exists, then greps every
file under ROOTS modified since the start for the passphrase. Writes
STATE_DIR/result.json: samples taken, hits in ps, files that hold it.
The passphrase itself comes from the vault in-process, never from argv.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab_secret  # noqa: E402

vault, password_file, state = sys.argv[1:4]
roots = sys.argv[4:]
secret = lab_secret.passphrase(vault, password_file)
needle = secret.encode()
start = time.time()
samples, ps_hits = 0, []
stop = os.path.join(state, "stop")
deadline = start + 3600
while not os.path.exists(stop) and time.time() < deadline:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, check=False).stdout
    samples += 1
    if needle in out:
        ps_hits += [line.decode(errors="replace")[:200] for line in out.splitlines() if needle in line]
    time.sleep(0.02)
files_checked, file_hits = 0, []
for root in roots:
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            try:
                if os.lstat(path).st_mtime < start - 1 or not os.path.isfile(path) or os.path.islink(path):
                    continue
                with open(path, "rb") as handle:
                    data = handle.read(64 * 1024 * 1024)
            except OSError:
                continue
            files_checked += 1
            if needle in data:
                file_hits.append(path)
with open(os.path.join(state, "result.json"), "w") as handle:
    json.dump({"seconds": round(time.time() - start, 1), "samples": samples, "ps_hits": ps_hits,
               "files_checked": files_checked, "file_hits": file_hits}, handle)
