#!/usr/bin/env bash
# usage: lab/galaxy-import.sh TARBALL
# Run galaxy-importer (Galaxy's own import checks) on the built collection, as
# Galaxy would on upload, and fail on any ERROR or WARNING it logs: the importer
# itself exits 0 on warnings. Settings: .config/galaxy-importer.cfg (offline).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=$(realpath "$1")
work=$root/.cache/galaxy-import
rm -rf "$work"; mkdir -p "$work"; cd "$work"
export GALAXY_IMPORTER_CONFIG=$root/.config/galaxy-importer.cfg
# A HOME of its own, as on Galaxy: ansible-lint puts ~/.ansible/collections first
# on the collections path, and a copy of this collection left there by another
# tool (an older version) would be linted instead of the tarball's.
export HOME=$work/home
mkdir -p "$HOME"
# ansible-doc and ansible-lint are run by name from the release tools' venv.
export PATH=$root/.venv-release/bin:$PATH
python -m galaxy_importer.main "$tarball" 2>&1 | tee importer.log
if grep -E '^(WARNING|ERROR|CRITICAL)' importer.log >/dev/null \
   || ! grep -q '^Importer processing completed successfully' importer.log; then
  echo "galaxy-import: the importer reported the problems above" >&2
  exit 1
fi
python - <<'PY'
import json
result = json.load(open("importer_result.json"))
kinds = {}
for item in result["contents"]:
    kinds[item["content_type"]] = kinds.get(item["content_type"], 0) + 1
print("galaxy-import: clean; %s; docs for %d plugins and roles" % (
    ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())),
    len(result["docs_blob"]["contents"])))
PY
