#!/usr/bin/env bash
# usage: ee/build.sh TARBALL IMAGE
# Build the execution environment image IMAGE offline (see ee/README.md).
#
#   base    the lab's bookworm image (lab/images.sh), given as EE_BASE_IMAGE
#   wheels  downloaded once on the host into .cache/ee/wheelhouse (keyed by a hash
#           of ee/wheels.txt); the build installs them with --no-index
#   build   ansible-builder with podman build --pull=never --network=none
#           (EE_BUILD_ARGS=--no-cache for a build from scratch)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=$(realpath "$1")
image=$2
cache=$root/.cache/ee
export PATH=$root/.venv-release/bin:$PATH

start=$SECONDS
# The lab image by its own hash-tagged name: checkouts with other recipes do not clash.
base=$("$root/lab/images.sh" name bookworm)
podman image exists "$base" || "$root/lab/images.sh" build bookworm

key=$(sha256sum "$root/ee/wheels.txt" | cut -c1-12)
wheels=$cache/wheelhouse-$key
if [ ! -e "$wheels/.complete" ]; then
  rm -rf "$cache"/wheelhouse-*; mkdir -p "$wheels"
  pip download -q --disable-pip-version-check -d "$wheels" --only-binary=:all: \
    --python-version 3.11 --implementation cp --platform manylinux2014_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform linux_x86_64 \
    -r "$root/ee/wheels.txt"
  touch "$wheels/.complete"
fi
echo "ee: wheelhouse $(find "$wheels" -name '*.whl' | wc -l) wheels ($((SECONDS - start)) s)"

definition=$cache/definition
rm -rf "$definition"; mkdir -p "$definition/collections" "$definition/wheelhouse"
cp "$root/ee/execution-environment.yml" "$definition/"
cp "$tarball" "$definition/collections/"
cp "$wheels"/*.whl "$definition/wheelhouse/"
cat >"$definition/requirements.yml" <<YAML
---
collections:
  - name: collections/$(basename "$tarball")
    type: file
YAML

ansible-builder build -v 3 --container-runtime podman -f "$definition/execution-environment.yml" \
  -c "$cache/context" -t "$image" --build-arg EE_BASE_IMAGE="$base" --extra-build-cli-args "--pull=never --network=none ${EE_BUILD_ARGS:-}" \
  > "$cache/build.log" 2>&1 || { tail -40 "$cache/build.log"; echo "ee: build failed, log: $cache/build.log" >&2; exit 1; }
echo "ee: built $image in $((SECONDS - start)) s ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}'))"
