# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: sshsuite.openssh.authorized_keys against an ansible.posix.authorized_key loop.

On ONE lab container (no network, driven through the podman connection):

  1. create the bench users (/etc/passwd lines and homes, written directly:
     useradd would make setup quadratic);
  2. for each case, start from empty ~/.ssh, run the playbook twice (first
     run, then the unchanged second run), and record the wall time of
     ansible-playbook, the time of the measured task and its number of module
     executions (callback_plugins/bench_count.py). Each playbook first pings
     the host, so that neither side pays for opening the connection in its
     measured task; the ping is not counted;
  3. print a table. Figures only: nothing here asserts a timing.

Transport (--connection):
  ssh     (default) Ansible's ssh connection with pipelining and ControlPersist,
          as against a real fleet. The container has no network: ssh reaches
          an inetd-mode sshd through a pipe (ProxyCommand "podman exec -i
          CONTAINER /usr/sbin/sshd -i"), with a throwaway key in bench/results.
  podman  containers.podman.podman: no pipelining, several podman calls per
          module execution, so every execution costs much more.

Keys are generated here, not with ssh-keygen: random Ed25519 and ECDSA P-256
points and random 3072-bit RSA moduli in the OpenSSH wire format. They parse
like real public keys (type, base64, size), which is all both modules look at.

usage: bench.py [--suite bookworm] [--loop-users 100] [--sizes 100,1000,10000]
                [--keys-per-user 3] [--skip-loop] [--connection ssh|podman]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(ROOT, "bench", "results", "authorized_keys")
CONTAINER = "sshsuite-bench-authorized-keys"
FIRST_UID = 20000

SETUP_USERS = r"""
import os, sys
count = int(sys.argv[1]); first_uid = int(sys.argv[2])
existing = set(line.split(":", 1)[0] for line in open("/etc/passwd"))
with open("/etc/passwd", "a") as passwd, open("/etc/group", "a") as group, open("/etc/shadow", "a") as shadow:
    for index in range(count):
        name = "bench%05d" % index
        if name in existing:
            continue
        uid = first_uid + index
        passwd.write("%s:x:%d:%d::/home/%s:/bin/sh\n" % (name, uid, uid, name))
        group.write("%s:x:%d:\n" % (name, uid))
        shadow.write("%s:!:19000:0:99999:7:::\n" % name)
        home = "/home/" + name
        os.makedirs(home, exist_ok=True)
        os.chown(home, uid, uid)
        os.chmod(home, 0o755)
"""

RESET_HOMES = r"""
import glob, shutil
for path in glob.glob("/home/bench*/.ssh"):
    shutil.rmtree(path)
"""


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def _string(data):
    return struct.pack(">I", len(data)) + data


def _key_line(kind, rng, comment):
    if kind == "ssh-ed25519":
        blob = _string(b"ssh-ed25519") + _string(rng.randbytes(32))
    elif kind == "ecdsa-sha2-nistp256":
        blob = _string(b"ecdsa-sha2-nistp256") + _string(b"nistp256") + _string(b"\x04" + rng.randbytes(64))
    else:
        modulus = bytearray(rng.randbytes(384))
        modulus[0] |= 0x80
        modulus[-1] |= 1
        blob = _string(b"ssh-rsa") + _string(b"\x01\x00\x01") + _string(b"\x00" + bytes(modulus))
    return "%s %s %s" % (kind, base64.b64encode(blob).decode(), comment)


KINDS = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa")


def make_users(count, keys_per_user, seed=6):
    rng = random.Random(seed)
    users = []
    for index in range(count):
        name = "bench%05d" % index
        users.append({
            "name": name,
            "keys": [{"key": _key_line(KINDS[k % len(KINDS)], rng, "%s-key%d" % (name, k))}
                     for k in range(keys_per_user)],
        })
    return users


# ---------------------------------------------------------------------------
# lab
# ---------------------------------------------------------------------------

def run(command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def image_for(suite):
    name = subprocess.run([os.path.join(ROOT, "lab", "images.sh"), "name", suite], check=True,
                          capture_output=True, text=True).stdout.strip()
    if subprocess.run(["podman", "image", "exists", name], check=False).returncode == 0:
        return name
    listed = subprocess.run(["podman", "images", "--format", "{{.Repository}}:{{.Tag}}"],
                            capture_output=True, text=True, check=False).stdout.split()
    candidates = [image for image in listed if image.startswith("localhost/sshsuite-lab:%s-" % suite)]
    if not candidates:
        sys.exit("no lab image for %s: run make setup (lab/images.sh build)" % suite)
    print("note: %s is not built yet; using %s" % (name, candidates[0]))
    return candidates[0]


def start_container(image):
    subprocess.run(["podman", "rm", "--force", "--time", "0", CONTAINER], capture_output=True, check=False)
    run(["podman", "run", "--detach", "--name", CONTAINER, "--network", "none", "--label", "owner=bench",
         image, "sleep", "infinity"], stdout=subprocess.DEVNULL)


def stop_container():
    subprocess.run(["podman", "rm", "--force", "--time", "0", CONTAINER], capture_output=True, check=False)


def in_container(script, *args):
    run(["podman", "exec", "-i", CONTAINER, "python3", "-", *map(str, args)], input=script.encode())


PREPARE_SSHD = r"""
import os, subprocess, sys
subprocess.run(["ssh-keygen", "-A"], check=True, stdout=subprocess.DEVNULL)
os.makedirs("/run/sshd", exist_ok=True)
os.makedirs("/root/.ssh", mode=0o700, exist_ok=True)
with open("/root/.ssh/authorized_keys", "w") as handle:
    handle.write(sys.argv[1] + "\n")
"""


def inventory_line(connection):
    common = "%s ansible_python_interpreter=/usr/bin/python3" % CONTAINER
    if connection == "podman":
        return "%s ansible_connection=containers.podman.podman ansible_host=%s\n" % (common, CONTAINER)
    key = os.path.join(RESULTS, "bench_root_key")
    if not os.path.exists(key):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench-only", "-f", key])
    with open(key + ".pub") as handle:
        in_container(PREPARE_SSHD, handle.read().strip())
    proxy = "podman exec -i %s /usr/sbin/sshd -i" % CONTAINER
    return ("%s ansible_connection=ssh ansible_user=root ansible_ssh_private_key_file=%s "
            "ansible_ssh_common_args='-o ProxyCommand=\"%s\" -o StrictHostKeyChecking=no "
            "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'\n" % (common, key, proxy))


def openssh_version():
    return subprocess.run(["podman", "exec", CONTAINER, "ssh", "-V"], capture_output=True,
                          text=True, check=False).stderr.strip()


# ---------------------------------------------------------------------------
# one measured run
# ---------------------------------------------------------------------------

def playbook(name, vars_file, inventory, label):
    count_file = os.path.join(RESULTS, "count-%s.json" % label)
    log_file = os.path.join(RESULTS, "log-%s.txt" % label)
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, ".collections"),
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "bench_count",
        "BENCH_COUNT_FILE": count_file,
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_DISPLAY_OK_HOSTS": "false",
        "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "false",
    })
    command = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", inventory,
               "-e", "@" + vars_file, os.path.join(HERE, name)]
    started = time.monotonic()
    with open(log_file, "w") as log:
        code = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, check=False).returncode
    wall = time.monotonic() - started
    if code != 0:
        sys.exit("%s failed (exit %d), see %s" % (name, code, log_file))
    with open(count_file) as handle:
        tasks = [task for task in json.load(handle) if task["action"] != "ansible.builtin.ping"]
    return {
        "wall": wall,
        "task": sum(t["seconds"] for t in tasks),
        "executions": sum(t["executions"] for t in tasks),
        "changed": any(t["changed"] for t in tasks),
    }


def measure(case, users, keys_per_user, inventory):
    """First and unchanged run of one case on empty ~/.ssh directories."""
    label = "%s-%d" % (case, len(users))
    vars_file = os.path.join(RESULTS, "vars-%s.json" % label)
    if case == "loop":
        data = {"bench_pairs": [{"user": u["name"], "key": k["key"]} for u in users for k in u["keys"]]}
        name = "loop.yml"
    else:
        data = {"bench_users": users}
        name = "bulk.yml"
    with open(vars_file, "w") as handle:
        json.dump(data, handle)
    in_container(RESET_HOMES)
    rows = []
    for run_name in ("first", "unchanged"):
        result = playbook(name, vars_file, inventory, "%s-%s" % (label, run_name))
        result.update(case=case, users=len(users), keys=len(users) * keys_per_user, run=run_name)
        rows.append(result)
        print("  %-5s %6d users %-9s wall %8.2f s  task %8.2f s  executions %5d  changed %s"
              % (case, len(users), run_name, result["wall"], result["task"], result["executions"],
                 result["changed"]), flush=True)
    os.unlink(vars_file)
    return rows


def print_table(rows, version, image):
    print()
    print("authorized_keys bench on one %s container (%s)" % (image, version))
    print("%-28s %7s %7s %-10s %11s %10s %10s %12s" % (
        "case", "users", "keys", "run", "executions", "wall s", "task s", "task ms/key"))
    for row in rows:
        title = "ansible.posix.authorized_key loop" if row["case"] == "loop" else "sshsuite.openssh.authorized_keys"
        print("%-28s %7d %7d %-10s %11d %10.2f %10.2f %12.3f" % (
            title[:28], row["users"], row["keys"], row["run"], row["executions"], row["wall"], row["task"],
            1000.0 * row["task"] / row["keys"]))
    loop = {r["run"]: r for r in rows if r["case"] == "loop"}
    if loop:
        bulk = {r["run"]: r for r in rows if r["case"] == "bulk" and r["users"] == loop["first"]["users"]}
        print()
        for run_name in ("first", "unchanged"):
            if run_name in bulk:
                print("speed-up at %d users, %s run: %.0fx wall (%.0fx task time)" % (
                    loop[run_name]["users"], run_name,
                    loop[run_name]["wall"] / bulk[run_name]["wall"],
                    loop[run_name]["task"] / max(bulk[run_name]["task"], 1e-6)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--suite", default="bookworm")
    parser.add_argument("--loop-users", type=int, default=100)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--keys-per-user", type=int, default=3)
    parser.add_argument("--skip-loop", action="store_true")
    parser.add_argument("--connection", choices=("ssh", "podman"), default="ssh")
    parser.add_argument("--keep", action="store_true", help="leave the container running")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    os.makedirs(RESULTS, exist_ok=True)
    link = os.path.join(ROOT, ".collections", "ansible_collections", "sshsuite", "openssh")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    inventory = os.path.join(RESULTS, "inventory.ini")
    image = image_for(args.suite)
    largest = max(sizes + [0 if args.skip_loop else args.loop_users])
    all_users = make_users(largest, args.keys_per_user)
    print("starting %s from %s, %d bench users" % (CONTAINER, image, largest), flush=True)
    start_container(image)
    rows = []
    try:
        in_container(SETUP_USERS, largest, FIRST_UID)
        with open(inventory, "w") as handle:
            handle.write("[bench]\n" + inventory_line(args.connection))
        version = openssh_version()
        if not args.skip_loop:
            rows += measure("loop", all_users[:args.loop_users], args.keys_per_user, inventory)
            if args.loop_users not in sizes:
                rows += measure("bulk", all_users[:args.loop_users], args.keys_per_user, inventory)
        for size in sizes:
            rows += measure("bulk", all_users[:size], args.keys_per_user, inventory)
    finally:
        if not args.keep:
            stop_container()
    rows.sort(key=lambda r: (r["case"] != "loop", r["users"], r["run"] != "first"))
    print_table(rows, "%s, connection %s" % (version, args.connection), image)
    with open(os.path.join(RESULTS, "results.json"), "w") as handle:
        json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
