# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet bench: site.yml over the ssh connection against 1 ... 64 lab hosts.

For each fleet size N (and each strategy asked for):

  1. one podman pod with --network none; N systemd containers of the lab image
     share its loopback. boot.sh (PID 1 before systemd) gives host i the port
     127.0.0.1:(2200+i) (an sshd_config.d drop-in, so the sshd role's data is
     the same for every host), the deploy user with our key and passwordless
     sudo, and the accounts the authorized_keys role manages. Ports, not one
     address per host: inside a container root may not read the environment of
     the login (no CAP_SYS_PTRACE), so the sshd role's lockout guard cannot learn
     the local address a connection arrived on and assumes 127.0.0.1 (the port
     it gets from the controller);
  2. ansible-playbook site.yml, over the ssh connection plugin with pipelining
     and ControlPersist (Ansible's default ssh_args), as deploy with become. The
     ssh client runs inside the pod's network namespace (ssh-in-pod), so every
     host is one plain TCP connection on the pod's loopback (no relay process,
     no podman exec per connection);
  3. a first run on the fresh hosts, then unchanged runs (--repeat); ControlPersist
     masters are closed between runs, as they are between an operator's runs.

Measured for every run:
  wall          seconds of ansible-playbook;
  executions    remote module executions per host (bench_count callback; tasks
                that stay on the controller are not counted);
  controller    CPU seconds of everything the run started on the controller:
                ansible-playbook, its forks, the ssh clients and their
                ControlPersist masters (a cpuacct cgroup of its own);
  target        CPU seconds of the N containers (their cpuacct cgroups), minus
                what they burn idle (measured before the runs); per execution =
                target / (N x executions per host).

Before each timed run the bench waits until the 1-minute load is below
--max-load (polling every 60 s, at most --load-wait seconds) and prints the
load it started at. Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(ROOT, "bench", "results", "fleet")
POD = "fleet-bench"
CGROUP = "/sys/fs/cgroup/cpuacct/fleet-bench-controller"
SSH_CGROUP = CGROUP + "/ssh"
CPUACCT = "/sys/fs/cgroup/cpuacct"
MITOGEN_VENV = os.path.join(ROOT, ".cache", "mitogen-venv")
# Inventory groups site.yml configures; every bench host is in all of them.
# Hook: add the CA role's group here when site.yml gains its play.
GROUPS = ("sshd_servers", "ssh_clients")
# Tasks that never leave the controller are not module executions on a host.
LOCAL_ACTIONS = {"validate_argument_spec", "validate_argument_specs", "set_fact", "assert", "debug", "include_role",
                 "include_tasks", "import_role", "meta", "fail", "add_host", "group_by"}


def log(message):
    print(message, flush=True)


def run(command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def podman(*args, check=True):
    return subprocess.run(["podman", *args], check=check, capture_output=True, text=True)


# ---------------------------------------------------------------------------
# the lab
# ---------------------------------------------------------------------------

def image_for(suite):
    name = subprocess.run([os.path.join(ROOT, "lab", "images.sh"), "name", suite], check=True,
                          capture_output=True, text=True).stdout.strip()
    if podman("image", "exists", name, check=False).returncode != 0:
        sys.exit("no lab image %s: run make setup (lab/images.sh build)" % name)
    return name


def host_name(index):
    return "fleet-%03d" % index


def pod_down():
    podman("pod", "rm", "--force", "--time", "0", "--ignore", POD, check=False)


def pod_up(count, image, opt_dir):
    pod_down()
    podman("pod", "create", "--name", POD, "--network", "none", "--share", "net", "--label", "owner=bench-fleet")
    started = time.monotonic()
    for index in range(1, count + 1):
        podman("run", "--detach", "--pod", POD, "--name", host_name(index), "--hostname", host_name(index),
               "--systemd", "always", "--label", "owner=bench-fleet", "--env", "FLEET_INDEX=%d" % index,
               "--volume", "%s:/opt/fleet:ro" % opt_dir, image, "/bin/sh", "/opt/fleet/boot.sh")
    infra = podman("pod", "inspect", POD, "--format", "{{.InfraContainerID}}").stdout.strip()
    pid = podman("inspect", "--format", "{{.State.Pid}}", infra).stdout.strip()
    netns = "/proc/%s/ns/net" % pid
    wait_listening(netns, count)
    log("  %d hosts up in %.0f s" % (count, time.monotonic() - started))
    return netns


WAIT_LISTENING = r"""
import socket, sys, time
count = int(sys.argv[1]); deadline = time.monotonic() + float(sys.argv[2])
left = set(range(1, count + 1))
while left and time.monotonic() < deadline:
    for index in sorted(left):
        try:
            with socket.create_connection(("127.0.0.1", 2200 + index), timeout=2) as sock:
                if sock.recv(4).startswith(b"SSH-"):
                    left.discard(index)
        except OSError:
            pass
    if left:
        time.sleep(1)
sys.exit("sshd not answering on host(s) %s" % sorted(left) if left else 0)
"""


def wait_listening(netns, count, timeout=600):
    run(["nsenter", "--net=" + netns, "--", sys.executable, "-c", WAIT_LISTENING, str(count), str(timeout)])


def container_cgroups():
    """cpuacct directories of the bench's containers (the pod's infra container included)."""
    cgroup = podman("pod", "inspect", POD, "--format", "{{.CgroupPath}}").stdout.strip()
    base = CPUACCT + cgroup
    return [os.path.join(base, d) for d in os.listdir(base) if d.startswith("libpod-")]


def cpu_ns(directories):
    total = 0
    for directory in directories:
        with open(os.path.join(directory, "cpuacct.usage")) as handle:
            total += int(handle.read())
    return total


# ---------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------

def load1():
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def wait_for_load(limit, max_wait):
    waited = 0
    while load1() >= limit and waited < max_wait:
        if waited == 0:
            log("  waiting for the 1-minute load (%.2f) to drop below %.1f ..." % (load1(), limit))
        time.sleep(60)
        waited += 60
    load = load1()
    if load >= limit:
        log("  load still %.2f after %d s: measuring anyway (figures marked noisy)" % (load, waited))
    return load


# ---------------------------------------------------------------------------
# one measured run
# ---------------------------------------------------------------------------

def write_inventory(path, count, keys_dir, extra_vars, via="netns", login="deploy"):
    lines = ["all:", "  vars:"]
    host_vars = {
        "ansible_connection": "ssh",
        "ansible_user": login,
        "ansible_become": login != "root",
        "ansible_python_interpreter": "/usr/bin/python3",
        "ansible_ssh_private_key_file": os.path.join(keys_dir, "deploy"),
        "ansible_ssh_executable": os.path.join(HERE, "ssh-in-pod"),
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                                   "-o IdentitiesOnly=yes -o LogLevel=ERROR",
        "fleet_keys_dir": keys_dir,
    }
    if via == "relay":
        # the lead's way for single containers (molecule/_shared/over_ssh.yml): ssh's ProxyCommand is
        # podman exec of a Python relay inside the host, which joins the pipe to its sshd
        pass
    host_vars.update(extra_vars)
    for key, value in host_vars.items():
        lines.append("    %s: %s" % (key, json.dumps(value)))
    lines.append("  children:")
    for group in GROUPS:
        lines.append("    %s:" % group)
        lines.append("      hosts:")
        for index in range(1, count + 1):
            own = {"ansible_host": "127.0.0.1", "ansible_port": 2200 + index}
            if via == "relay":
                own["ansible_ssh_common_args"] = (
                    host_vars["ansible_ssh_common_args"] + " -o ProxyCommand=\"podman exec -i %s python3 "
                    "/opt/fleet/relay.py %d\"" % (host_name(index), 2200 + index))
            lines.append("        %s: %s" % (host_name(index), json.dumps(own)))
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def cgroup_pids():
    pids = []
    for directory in (CGROUP, SSH_CGROUP):
        try:
            with open(os.path.join(directory, "cgroup.procs")) as handle:
                pids += [int(line) for line in handle if line.strip()]
        except FileNotFoundError:
            pass
    return pids


def end_cgroup_processes():
    """Stop what the run left in its cgroup (ControlPersist masters, mitogen helpers), by pid."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = cgroup_pids()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        for _unused in range(50):
            if not cgroup_pids():
                return
            time.sleep(0.1)


def remove_cgroup():
    for directory in (SSH_CGROUP, CGROUP):
        if os.path.isdir(directory):
            os.rmdir(directory)


def make_cgroup():
    end_cgroup_processes()
    remove_cgroup()
    os.mkdir(CGROUP)
    os.mkdir(SSH_CGROUP)


def controller_cpu():
    """CPU seconds of the whole run, and of its ssh clients (ControlPersist masters included) alone."""
    values = {}
    for name in ("usage", "usage_user", "usage_sys"):
        with open(os.path.join(CGROUP, "cpuacct." + name)) as handle:
            values[name] = int(handle.read()) / 1e9
    with open(os.path.join(SSH_CGROUP, "cpuacct.usage")) as handle:
        values["ssh"] = int(handle.read()) / 1e9
    return values


def playbook_env(strategy, count_file, ssh_args, netns, via, extra=()):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, ".collections"),
        "ANSIBLE_CALLBACK_PLUGINS": os.path.join(ROOT, "bench", "authorized_keys", "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "bench_count",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_DISPLAY_OK_HOSTS": "false",
        "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "false",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": os.path.join(RESULTS, "cp"),
        # throwaway hosts with fresh host keys (mitogen would otherwise enforce known_hosts itself)
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "BENCH_COUNT_FILE": count_file,
        "FLEET_NETNS": "relay" if via == "relay" else netns,
        "FLEET_SSH_CGROUP": SSH_CGROUP,
    })
    if ssh_args is not None:
        env["ANSIBLE_SSH_ARGS"] = ssh_args
    for item in extra:
        name, _unused, value = item.partition("=")
        env[name] = value
    if strategy == "mitogen":
        env["ANSIBLE_STRATEGY_PLUGINS"] = mitogen_strategy_dir()
        env["ANSIBLE_STRATEGY"] = "mitogen_linear"
    return env


def mitogen_strategy_dir():
    found = [os.path.join(root, "ansible_mitogen", "plugins", "strategy")
             for root, dirs, _files in os.walk(os.path.join(MITOGEN_VENV, "lib")) if "ansible_mitogen" in dirs]
    if not found:
        sys.exit("mitogen is not installed: python3 -m venv %s && %s/bin/pip install mitogen"
                 % (MITOGEN_VENV, MITOGEN_VENV))
    return found[0]


def executions(count_file):
    with open(count_file) as handle:
        tasks = json.load(handle)
    per_host, per_action, failed = {}, {}, []
    for task in tasks:
        action = task["action"].split(".")[-1]
        if task.get("failed"):
            failed.append("%s: %s" % (task["host"], task["task"]))
        if action in LOCAL_ACTIONS:
            continue
        per_host[task["host"]] = per_host.get(task["host"], 0) + task["executions"]
        per_action.setdefault(action, {})
        per_action[action][task["host"]] = per_action[action].get(task["host"], 0) + task["executions"]
    return per_host, per_action, failed


def measure(label, count, strategy, inventory, netns, target_dirs, idle_rate, args):
    load = wait_for_load(args.max_load, args.load_wait)
    count_file = os.path.join(RESULTS, "count-%s.json" % label)
    log_file = os.path.join(RESULTS, "log-%s.txt" % label)
    shutil.rmtree(os.path.join(RESULTS, "cp"), ignore_errors=True)
    make_cgroup()
    command = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", inventory, "-f", str(args.forks),
               playbook_path(args.playbook)]

    def enter_cgroup():
        with open(os.path.join(CGROUP, "cgroup.procs"), "w") as handle:
            handle.write(str(os.getpid()))

    target_before = cpu_ns(target_dirs)
    started = time.monotonic()
    with open(log_file, "w") as output:
        env = playbook_env(strategy, count_file, args.ssh_args, netns, args.via, args.ansible_env)
        code = subprocess.run(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT,
                              preexec_fn=enter_cgroup, check=False).returncode
    wall = time.monotonic() - started
    end_cgroup_processes()
    target_raw = (cpu_ns(target_dirs) - target_before) / 1e9
    controller = controller_cpu()
    remove_cgroup()
    if code != 0 or not os.path.exists(count_file):
        with open(log_file) as handle:
            tail = handle.read()[-3000:]
        sys.exit("%s: ansible-playbook exit %d; end of %s:\n%s" % (label, code, log_file, tail))
    per_host, per_action, failed = executions(count_file)
    if failed:
        sys.exit("%s: failed tasks: %s; see %s" % (label, failed[:5], log_file))
    counts = sorted(set(per_host.values()))
    per_host_executions = counts[0] if len(counts) == 1 else statistics.mean(per_host.values())
    target = max(0.0, target_raw - idle_rate * wall)
    row = {
        "label": label, "strategy": strategy, "hosts": count, "load1": load, "wall": wall,
        "executions_per_host": per_host_executions,
        "executions_by_action": {a: sorted(set(h.values())) for a, h in sorted(per_action.items())},
        "controller_cpu": controller["usage"], "controller_user": controller["usage_user"],
        "controller_sys": controller["usage_sys"], "controller_ssh": controller["ssh"],
        "target_cpu": target, "target_cpu_raw": target_raw,
    }
    total = count * per_host_executions
    row["target_ms_per_execution"] = 1000.0 * target / total if total else 0.0
    row["controller_ms_per_execution"] = 1000.0 * controller["usage"] / total if total else 0.0
    row["wall_ms_per_execution"] = 1000.0 * wall / total if total else 0.0
    log("  %-28s load %5.2f  wall %7.1f s  exec/host %4s  controller %6.1f s  target %6.1f s  "
        "(%4.0f ms/exec target, %4.0f ms/exec controller)" % (
            label, load, wall, per_host_executions, controller["usage"], target,
            row["target_ms_per_execution"], row["controller_ms_per_execution"]))
    return row


def playbook_path(name):
    for candidate in (os.path.join(ROOT, name), os.path.join(HERE, name), name):
        if os.path.exists(candidate):
            return os.path.abspath(candidate)
    sys.exit("no playbook %s" % name)


def idle_cpu_rate(target_dirs, seconds=20):
    before = cpu_ns(target_dirs)
    time.sleep(seconds)
    return (cpu_ns(target_dirs) - before) / 1e9 / seconds


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

def summary(rows):
    """Median of the repeated runs per (strategy, hosts, run)."""
    groups = {}
    for row in rows:
        groups.setdefault((row["strategy"], row["hosts"], row["run"]), []).append(row)
    out = []

    def order(item):
        (strategy, hosts, run_name), _unused = item
        return strategy, run_name != "first", hosts

    for (strategy, hosts, run_name), group in sorted(groups.items(), key=order):
        item = {"strategy": strategy, "hosts": hosts, "run": run_name, "n": len(group),
                "executions_per_host": group[0]["executions_per_host"],
                "executions_by_action": group[0]["executions_by_action"],
                "load1": max(r["load1"] for r in group)}
        for key in ("wall", "controller_cpu", "controller_ssh", "target_cpu", "target_ms_per_execution",
                    "controller_ms_per_execution", "wall_ms_per_execution"):
            item[key] = statistics.median(r[key] for r in group)
        item["spread_wall"] = (min(r["wall"] for r in group), max(r["wall"] for r in group))
        out.append(item)
    return out


def print_table(items, context):
    log("")
    log("fleet bench: site.yml over ssh (%s)" % context)
    log("%-8s %-9s %5s %3s %6s %8s %9s %9s %7s %10s %9s %8s %8s  %s" % (
        "strategy", "run", "hosts", "n", "load1", "wall s", "exec/host", "ctl CPU s", "of ssh", "ctl ms/ex",
        "tgt CPU s", "tgt ms/ex", "wall/hst", "growth vs 8 hosts (wall, ctl CPU, tgt CPU)"))
    base = {(i["strategy"], i["run"]): i for i in items if i["hosts"] == 8}
    for item in items:
        ref = base.get((item["strategy"], item["run"]))
        growth = ""
        if ref and item["hosts"] > 8:
            growth = "x%.1f hosts: wall x%.2f, ctl x%.2f, tgt x%.2f" % (
                item["hosts"] / 8.0, item["wall"] / ref["wall"], item["controller_cpu"] / ref["controller_cpu"],
                item["target_cpu"] / max(ref["target_cpu"], 1e-9))
        log("%-8s %-9s %5d %3d %6.2f %8.1f %9s %9.1f %7.1f %10.0f %9.1f %8.0f %8.2f  %s" % (
            item["strategy"], item["run"], item["hosts"], item["n"], item["load1"], item["wall"],
            item["executions_per_host"], item["controller_cpu"], item["controller_ssh"],
            item["controller_ms_per_execution"],
            item["target_cpu"], item["target_ms_per_execution"], item["wall"] / item["hosts"], growth))
    log("")
    log("executions per host by module (unchanged runs):")
    for item in items:
        if item["run"] == "unchanged":
            log("  %-8s %3d hosts: %s" % (item["strategy"], item["hosts"], ", ".join(
                "%s %s" % (a, "/".join(map(str, c))) for a, c in item["executions_by_action"].items())))
    log("(n: runs, medians shown; load1: highest 1-minute load at the start of those runs; ctl = controller,"
        " 'of ssh' its ssh clients and ControlPersist masters; tgt = the containers; ms/ex = per module execution)")


# ---------------------------------------------------------------------------

def prepare_keys():
    keys_dir = os.path.join(RESULTS, "keys")
    os.makedirs(keys_dir, exist_ok=True)
    for name in ("deploy", "alice", "bob", "carol", "user_ca"):
        path = os.path.join(keys_dir, name)
        if not os.path.exists(path):
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet-bench-" + name, "-f", path])
    opt_dir = os.path.join(RESULTS, "opt")
    os.makedirs(opt_dir, exist_ok=True)
    shutil.copy(os.path.join(HERE, "boot.sh"), opt_dir)
    shutil.copy(os.path.join(keys_dir, "deploy.pub"), opt_dir)
    shutil.copy(os.path.join(ROOT, "molecule", "_shared", "files", "relay.py"), opt_dir)
    return keys_dir, opt_dir


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", default="1,8,32,64", help="fleet sizes, comma-separated")
    parser.add_argument("--suite", default="bookworm", help="lab image of every host")
    parser.add_argument("--strategies", default="linear",
                        help="linear and/or mitogen (mitogen needs %s, see README 'Large fleets')" % MITOGEN_VENV)
    parser.add_argument("--repeat", type=int, default=3, help="unchanged runs per size (median shown)")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--ssh-args", default=None,
                        help="ANSIBLE_SSH_ARGS for the run (default: Ansible's, -C -o ControlMaster=auto "
                             "-o ControlPersist=60s)")
    parser.add_argument("--max-load", type=float, default=3.0)
    parser.add_argument("--load-wait", type=int, default=7200, help="longest wait for the load, seconds")
    parser.add_argument("--playbook", default="site.yml",
                        help="site.yml, or baseline.yml (ansible.builtin.ping, the floor of an execution)")
    parser.add_argument("--via", choices=("netns", "relay"), default="netns",
                        help="netns: ssh runs in the pod's network namespace (default); relay: ProxyCommand "
                             "podman exec ... relay.py, as molecule/_shared/over_ssh.yml does")
    parser.add_argument("--login", choices=("deploy", "root"), default="deploy",
                        help="deploy: log in as deploy and become root with sudo (default); root: log in as root, "
                             "no become (what sudo costs per execution)")
    parser.add_argument("--ansible-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for ansible-playbook, e.g. ANSIBLE_NO_TARGET_SYSLOG=True")
    parser.add_argument("--tag", default="", help="name of this series in results.json")
    args = parser.parse_args()
    sizes = [int(size) for size in args.hosts.split(",") if size]
    strategies = [s for s in args.strategies.split(",") if s]
    os.makedirs(RESULTS, exist_ok=True)
    link = os.path.join(ROOT, ".collections", "ansible_collections", "sshsuite", "openssh")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    image = image_for(args.suite)
    keys_dir, opt_dir = prepare_keys()
    inventory_dir = os.path.join(RESULTS, "inventory")
    shutil.rmtree(inventory_dir, ignore_errors=True)
    os.makedirs(inventory_dir)
    shutil.copytree(os.path.join(HERE, "group_vars"), os.path.join(inventory_dir, "group_vars"))
    inventory = os.path.join(inventory_dir, "hosts.yml")
    with open("/proc/sys/fs/inotify/max_user_instances") as handle:
        inotify = int(handle.read())
    if inotify < 16 * max(sizes):
        log("warning: fs.inotify.max_user_instances = %d; %d systemd containers may hang (make setup raises it)"
            % (inotify, max(sizes)))
    rows = []
    try:
        for strategy in strategies:
            for count in sizes:
                log("%s, %d host(s) of %s" % (strategy, count, image))
                netns = pod_up(count, image, opt_dir)
                write_inventory(inventory, count, keys_dir, {}, args.via, args.login)
                target_dirs = container_cgroups()
                wait_for_load(args.max_load, args.load_wait)
                idle = idle_cpu_rate(target_dirs)
                log("  idle CPU of the %d containers: %.3f CPU s per s (subtracted)" % (count, idle))
                runs = [("first", 0)] + [("unchanged", i + 1) for i in range(args.repeat)]
                for run_name, index in runs:
                    label = "%s-%s-%d-%s%s" % (args.tag or "run", strategy, count, run_name,
                                               "-%d" % index if index else "")
                    row = measure(label, count, strategy, inventory, netns, target_dirs, idle, args)
                    row.update(run=run_name, tag=args.tag, suite=args.suite, forks=args.forks,
                               ssh_args=args.ssh_args, playbook=args.playbook, via=args.via, login=args.login,
                               ansible_env=args.ansible_env)
                    rows.append(row)
                pod_down()
    finally:
        end_cgroup_processes()
        remove_cgroup()
        pod_down()
    version = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible"), "--version"], capture_output=True,
                             text=True, check=False).stdout.splitlines()[0]
    print_table(summary(rows), "%s, %s hosts, %s, forks %d, via %s, login %s, ssh_args %s%s" % (
        os.path.basename(args.playbook), args.suite, version, args.forks, args.via, args.login,
        args.ssh_args or "Ansible's default", "".join(", " + item for item in args.ansible_env)))
    results = os.path.join(RESULTS, "results-%s.json" % (args.tag or "run"))
    with open(results, "w") as handle:
        json.dump(rows, handle, indent=1)
    log("rows: %s" % results)


if __name__ == "__main__":
    main()
