"""bench/ssh_ca: module executions per host and the time to sign many user certificates.

Run through run.sh (it sets PATH, the collection path, the counting callback and the lab images).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "bench", "results", "ssh_ca")
SUITES = ("bullseye", "bookworm", "trixie")
SECRET = "bench-ca-passphrase"


def make_key(path, passphrase=None):
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C"}
    argv = ["ssh-keygen", "-q", "-t", "ed25519", "-C", os.path.basename(path), "-f", path]
    if passphrase:
        askpass = path + ".askpass"
        with open(askpass, "w") as handle:
            handle.write('#!/bin/sh\nprintf "%s\\n" "$P"\n')
        os.chmod(askpass, 0o700)
        env.update(SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", P=passphrase)
    else:
        argv += ["-N", ""]
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, check=True, start_new_session=True)
    with open(path + ".pub") as handle:
        return handle.read().strip()


def playbook(name, args, extra_env=None):
    count = os.path.join(OUT, name + ".json")
    env = dict(os.environ, BENCH_COUNT_FILE=count, **(extra_env or {}))
    start = time.monotonic()
    done = subprocess.run(["ansible-playbook"] + args, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        sys.exit("%s failed:\n%s\n%s" % (name, done.stdout[-3000:], done.stderr[-3000:]))
    with open(count) as handle:
        return json.load(handle), seconds


LOCAL = {"validate_argument_spec", "set_fact", "assert", "debug", "include_role", "include_tasks", "meta"}


def per_host(tasks):
    hosts = {}
    for task in tasks:
        if task["action"].split(".")[-1] in LOCAL:
            continue
        entry = hosts.setdefault(task["host"], {"executions": 0, "changed": 0})
        entry["executions"] += task["executions"]
        entry["changed"] += task["changed"]
    return hosts


def bench_hosts(work):
    keys = os.path.join(work, "keys")
    os.makedirs(keys)
    make_key(os.path.join(keys, "host_ca"))
    user_ca = make_key(os.path.join(keys, "user_ca"))
    inventory = os.path.join(work, "inventory.yml")
    with open(inventory, "w") as handle:
        handle.write("all:\n  vars: {ansible_connection: containers.podman.podman}\n  hosts:\n")
        for suite in SUITES:
            handle.write("    bench-ssh_ca-%s: {}\n" % suite)
    names = ["bench-ssh_ca-%s" % s for s in SUITES]
    try:
        for suite, name in zip(SUITES, names):
            image = os.environ["SSHSUITE_IMAGE_" + suite.upper()]
            subprocess.run(["podman", "rm", "-f", "--time", "0", "--ignore", name], check=True, capture_output=True)
            subprocess.run(["podman", "run", "-d", "--name", name, "--network", "none", "--systemd=always", image,
                            "/lib/systemd/systemd"], check=True, capture_output=True)
        time.sleep(5)
        extra = ["-e", json.dumps({"bench_keys": keys, "bench_state": os.path.join(work, "state"),
                                   "bench_user_ca": user_ca})]
        print("%-10s %-24s %12s %8s %8s" % ("run", "host", "module runs", "changed", "wall s"))
        for run, more in (("first", []), ("unchanged", []), ("renewal", ["-e", "bench_renew_fraction=0.000001"]),
                          ("unchanged2", [])):
            tasks, seconds = playbook("hosts-" + run, ["-i", inventory, os.path.join(HERE, "play.yml")] + extra + more)
            for host, entry in sorted(per_host(tasks).items()):
                print("%-10s %-24s %12d %8d %8.1f" % (run, host, entry["executions"], entry["changed"], seconds))
        print("(module runs: remote module executions per host of the ssh_ca role; signing happens on the "
              "controller inside the same task; wall s: the play for all three hosts in parallel)")
    finally:
        subprocess.run(["podman", "rm", "-f", "--time", "0", "--ignore"] + names, capture_output=True, check=False)


def bench_signing(work, count):
    keys = os.path.join(work, "users")
    os.makedirs(keys)
    make_key(os.path.join(keys, "user_ca"), SECRET)
    started = time.monotonic()
    certificates = []
    for index in range(count):
        public = make_key(os.path.join(keys, "u%d" % index))
        certificates.append({"name": "user%04d" % index, "public_key": public, "principals": ["user%04d" % index],
                             "validity": "8h"})
    keygen_seconds = time.monotonic() - started
    data = os.path.join(work, "sign-vars.json")
    with open(data, "w") as handle:
        json.dump({"bench_certificates": certificates, "bench_users": keys, "bench_state": os.path.join(work, "state-u"),
                   "bench_passphrase": SECRET}, handle)
    inventory = "localhost,"
    results = []
    for run in ("sign", "unchanged"):
        argv = ["-i", inventory, "-c", "local", os.path.join(HERE, "sign.yml"), "-e", "@" + data]
        seconds = playbook("sign-" + run, argv)[1]
        results.append(seconds)
    with open(os.path.join(work, "state-u", "issued.jsonl")) as handle:
        issued = len(handle.read().splitlines())
    print("user certificates: %d keys made in %.1f s (not part of the figure)" % (count, keygen_seconds))
    print("%-40s %8s" % ("run (one play, localhost)", "wall s"))
    print("%-40s %8.1f" % ("sign %d certificates (encrypted CA)" % count, results[0]))
    print("%-40s %8.1f" % ("unchanged rerun (nothing signed)", results[1]))
    print("issued.jsonl lines: %d; wall s includes ansible-playbook start-up (about 2-3 s)" % issued)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--skip-hosts", action="store_true")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bench-ssh_ca-")
    try:
        if not args.skip_hosts:
            bench_hosts(work)
        bench_signing(work, args.certificates)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
