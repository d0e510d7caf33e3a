#!/usr/bin/env bash
# usage: lab/docs-check.sh COMMAND [ARG...]
# Fail when COMMAND (`make docs`) changes any generated file: the role variable
# tables, docs/reference/ and the changelog must already match their sources.
# Compares the files before and after, so uncommitted edits of your own do not
# count, only drift between a source and what is generated from it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
generated() {
  { ls roles/*/README.md 2>/dev/null; find docs/reference -type f 2>/dev/null
    ls CHANGELOG.md CHANGELOG.rst changelogs/changelog.yaml 2>/dev/null; } | sort
}
before=$(mktemp -d); trap 'rm -rf "$before"' EXIT
generated | while read -r f; do mkdir -p "$before/$(dirname "$f")"; cp "$f" "$before/$f"; done
"$@"
changed=0
while read -r f; do
  if [ ! -e "$before/$f" ]; then echo "docs-check: new generated file $f"; changed=1
  elif ! cmp -s "$before/$f" "$f"; then diff -u "$before/$f" "$f" | head -40; changed=1; fi
done < <(generated)
while read -r f; do
  [ -e "$f" ] || { echo "docs-check: generated file $f is gone"; changed=1; }
done < <(cd "$before" && find . -type f | sed 's|^\./||')
if [ $changed = 1 ]; then
  echo "docs-check: generated files were out of date (above); they are regenerated now: review and commit them"
  exit 1
fi
echo "docs-check: role READMEs, docs/reference and the changelog match their sources"
