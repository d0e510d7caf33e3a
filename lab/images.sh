#!/usr/bin/env bash
# Build (or reuse) the lab images, one per supported Debian release.
#
#   lab/images.sh build [SUITE...]   build what is missing (default: all suites)
#   lab/images.sh name SUITE         print the image reference for SUITE
#   lab/images.sh env                print SSHSUITE_IMAGE_<SUITE>=... lines
#
# Images are tagged localhost/sshsuite-lab:<suite>-<hash of the recipe>, so an
# unchanged recipe is reused and a changed one is rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SUITES=(bullseye bookworm trixie)

recipe_hash() {
  sha256sum "$here/image-recipe.sh" | cut -c1-12
}

name() {
  echo "localhost/sshsuite-lab:$1-$(recipe_hash)"
}

build_one() {
  local suite=$1 ref tmp
  ref=$(name "$suite")
  if podman image exists "$ref"; then
    echo "image $ref: cached"
    return 0
  fi
  tmp=$(mktemp -d /var/tmp/sshsuite-rootfs.XXXXXX)
  trap 'rm -rf "$tmp"' RETURN
  echo "image $ref: building (debootstrap $suite)"
  local start=$SECONDS
  bash "$here/image-recipe.sh" "$suite" "$tmp/rootfs"
  tar -C "$tmp/rootfs" -c . | podman import \
    --change 'CMD ["/lib/systemd/system/systemd"]' \
    --change 'STOPSIGNAL SIGRTMIN+3' - "$ref" >/dev/null
  echo "image $ref: built in $((SECONDS - start)) s"
}

case "${1:-build}" in
  build)
    shift || true
    suites=("$@"); [ ${#suites[@]} -gt 0 ] || suites=("${SUITES[@]}")
    pids=()
    for s in "${suites[@]}"; do build_one "$s" & pids+=($!); done
    rc=0; for p in "${pids[@]}"; do wait "$p" || rc=1; done
    exit $rc ;;
  name) name "$2" ;;
  env)
    for s in "${SUITES[@]}"; do echo "SSHSUITE_IMAGE_${s^^}=$(name "$s")"; done ;;
  *) echo "usage: $0 build [SUITE...] | name SUITE | env" >&2; exit 2 ;;
esac
