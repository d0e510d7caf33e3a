"""Real ssh logins for the ssh_ca scenario: logins.py '<json list of probes>' -> JSON.

A probe: {"name", "user", "address", "port", "key", "cert", "command", "source", "verbose",
"known_hosts": true (global known_hosts with the @cert-authority lines, StrictHostKeyChecking yes)}.
Each result: rc, stdout, stderr; with "verbose" also the host certificate serial the server presented.
"""
import json
import re
import subprocess
import sys

probes = json.loads(sys.argv[1])
results = {}
for probe in probes:
    argv = ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
            "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=/dev/null",
            "-p", str(probe.get("port", 22))]
    if probe.get("known_hosts", True):
        argv += ["-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/etc/ssh/ssh_known_hosts"]
    else:
        argv += ["-o", "StrictHostKeyChecking=no", "-o", "GlobalKnownHostsFile=/dev/null"]
    argv += ["-v"] if probe.get("verbose") else ["-o", "LogLevel=ERROR"]
    if probe.get("key"):
        argv += ["-i", probe["key"]]
    if probe.get("cert"):
        argv += ["-o", "CertificateFile=" + probe["cert"]]
    if probe.get("source"):
        argv += ["-o", "BindAddress=" + probe["source"]]
    argv += ["%s@%s" % (probe.get("user", "alice"), probe["address"]), probe.get("command", "id -un")]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False)
    entry = {"rc": done.returncode, "stdout": done.stdout.strip(), "stderr": done.stderr[-3000:]}
    serial = re.search(r"Server host certificate: .* serial (\d+) ", done.stderr)
    entry["host_serial"] = int(serial.group(1)) if serial else None
    results[probe["name"]] = entry
print(json.dumps(results))
