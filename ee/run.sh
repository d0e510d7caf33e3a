#!/usr/bin/env bash
# usage: ee/run.sh up | run IMAGE [IDENT] | down | test IMAGE [--keep]
# Run site.yml from inside the execution environment against a lab, the way
# AWX runs a job: the EE image runs ansible-runner as uid 1000 with the job's
# private data directory (project/, inventory/, env/ssh_key) mounted at
# /runner, and runner runs the project's playbook there. See ee/README.md.
#
#   up     the lab: pod sshsuite-ee-<checkout> (no network), one systemd container per
#          Debian release with sshd on 127.0.0.2N, the operator's key for root,
#          and known_hosts read from the servers' own host keys
#   run    one job (ansible-runner run), then its recap from the job events
#   down   remove the pod and its containers
#   test   down, up, run twice (the second run must change nothing), down
#          (--keep leaves the lab up: `make ee`; `make ee-clean` removes it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# One lab per checkout (CI and other worktrees may run on the same machine).
pod=sshsuite-ee-$(printf %s "$root" | sha256sum | cut -c1-8)
data=$root/.cache/ee/job
export PATH=$root/.venv-release/bin:$PATH
declare -A address=([bullseye]=127.0.0.21 [bookworm]=127.0.0.22 [trixie]=127.0.0.23)

up() {
  local start=$SECONDS suite ctr
  podman pod exists "$pod" && { echo "ee: lab $pod exists already (ee/run.sh down removes it)"; return 0; }
  podman pod create --name "$pod" --network none --share net --label project=sshsuite >/dev/null
  for suite in bullseye bookworm trixie; do
    ctr=$pod-$suite
    podman create --name "$ctr" --hostname "ee-$suite" --pod "$pod" --systemd always \
      --label project=sshsuite "$("$root/lab/images.sh" name "$suite")" /lib/systemd/systemd >/dev/null
    # stock sshd binds 0.0.0.0:22, which only one container of the pod could get
    podman cp "$ctr:/etc/ssh/sshd_config" "$data.sshd_config"
    sed -i -e '/^#\?ListenAddress /d' "$data.sshd_config"
    echo "ListenAddress ${address[$suite]}" >>"$data.sshd_config"
    podman cp "$data.sshd_config" "$ctr:/etc/ssh/sshd_config"
  done
  rm -f "$data.sshd_config"
  podman pod start "$pod" >/dev/null

  # The private data directory: what AWX lays out for a job.
  # lab/ holds what an AWX job would get from elsewhere: the operator's public
  # key and the servers' host keys (not in inventory/: every file there is
  # read as an inventory source).
  rm -rf "$data"; mkdir -p "$data/env" "$data/lab"
  cp -r "$root/ee/project" "$root/ee/inventory" "$data/"
  printf '%s\n' '---' 'ANSIBLE_NOCOLOR: "true"' 'ANSIBLE_FORCE_COLOR: "false"' >"$data/env/envvars"
  ssh-keygen -q -t ed25519 -N '' -C "sshsuite-ee operator" -f "$data/env/ssh_key"
  mv "$data/env/ssh_key.pub" "$data/lab/operator.pub"
  : >"$data/lab/known_hosts"
  for suite in bullseye bookworm trixie; do
    ctr=$pod-$suite
    podman exec "$ctr" sh -c 'for i in $(seq 1 120); do
        s=$(systemctl is-system-running 2>/dev/null)
        case "$s" in running|degraded) systemctl is-active -q ssh && exit 0;; esac
        sleep 0.5; done; systemctl --failed; exit 1'
    podman exec -i "$ctr" sh -c 'umask 077; mkdir -p /root/.ssh; cat > /root/.ssh/authorized_keys' \
      <"$data/lab/operator.pub"
    echo "${address[$suite]} $(podman exec "$ctr" cat /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f1,2)" \
      >>"$data/lab/known_hosts"
  done
  # The EE runs as uid 1000 (ansible-builder's default user), as on AWX.
  chown -R 1000:0 "$data"
  echo "ee: lab $pod up in $((SECONDS - start)) s"
}

run() {
  local image=$1 ident=${2:-job} start=$SECONDS rc=0
  rm -rf "$data/artifacts/$ident"
  # As on AWX, ansible-runner itself runs inside the EE container, as the EE's
  # uid 1000, with the private data directory mounted at /runner; the container
  # joins the lab's pod and so has the pod's loopback and no other network.
  podman run --rm --pull=never --pod "$pod" --user 1000 -v "$data:/runner:Z" "$image" \
    ansible-runner run /runner -p site.yml --ident "$ident" >"$data.$ident.log" 2>&1 || rc=$?
  tail -n 8 "$data.$ident.log"
  echo "ee: job $ident: rc=$rc in $((SECONDS - start)) s"
  python3 - "$data/artifacts/$ident" <<'PY'
import glob, json, sys
stats = None
for path in glob.glob(sys.argv[1] + "/job_events/*.json"):
    with open(path) as handle:
        event = json.load(handle)
    if event.get("event") == "playbook_on_stats":
        stats = event["event_data"]
if stats is None:
    sys.exit("ee: no play recap in the job events")
hosts = sorted(set().union(*(stats.get(k) or {} for k in ("ok", "changed", "failures", "dark"))))
for host in hosts:
    print("ee: %-12s ok=%d changed=%d failed=%d unreachable=%d" % (
        host, stats["ok"].get(host, 0), stats["changed"].get(host, 0),
        stats["failures"].get(host, 0), stats["dark"].get(host, 0)))
with open(sys.argv[1] + "/recap.json", "w") as handle:
    json.dump(stats, handle)
PY
  return $rc
}

down() {
  podman pod rm --force --time 0 --ignore "$pod" >/dev/null
}

changed_total() {
  python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["changed"].values()))' "$1/recap.json"
}

case "${1:-}" in
  up) up ;;
  run) run "$2" "${3:-job}" ;;
  down) down ;;
  test)
    image=$2
    down; [ "${3:-}" = --keep ] || trap down EXIT
    up
    run "$image" first
    run "$image" second
    first=$(changed_total "$data/artifacts/first") second=$(changed_total "$data/artifacts/second")
    echo "ee: site.yml in the EE: first run changed $first, second run changed $second"
    [ "$first" -gt 0 ] || { echo "ee: the first run changed nothing: the lab was not fresh?" >&2; exit 1; }
    [ "$second" = 0 ] || { echo "ee: the second run is not idempotent" >&2; exit 1; } ;;
  *) echo "usage: $0 up | run IMAGE [IDENT] | down | test IMAGE [--keep]" >&2; exit 2 ;;
esac
