#!/usr/bin/env bash
# usage: lab/sanity/run.sh [ansible-test sanity ARG...]
# `ansible-test sanity` on this checkout, for Python 3.11, as `make test` runs it.
#
# ansible-test wants to run from a directory whose path ends in
# ansible_collections/NAMESPACE/NAME and resolves symlinks (os.getcwd()), so the
# link in .collections does not do: the files git knows (tracked, plus new ones
# not ignored) are copied to .cache/sanity/ansible_collections/sshsuite/openssh
# and the tests run there (a scratch git repository, see below). Nothing is left out: every file of the repository,
# shipped or not, gets the same checks, and there is no ignore file.
#
# ansible-test builds one virtual environment per test and bootstraps pip into
# it with a get-pip.py that it downloads from a CI host that is unreachable
# here. It first looks in ~/.ansible/test/cache/; lab/sanity/get_pip_standin.py
# is put there (unless a real get-pip.py already is) and does the same job with
# ensurepip and the package index.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${SANITY_PYTHON:-3.11}
# ansible-test of the project's venv (make puts it first on PATH; so does this)
export PATH=$root/.venv/bin:$PATH

pip_version=$(python3 - <<'PY'
from ansible_test._internal.python_requirements import get_venv_packages
class Python:  # the only attribute get_venv_packages reads
    version = '3.11'
print(get_venv_packages(Python())['pip'])
PY
)
cache=${HOME}/.ansible/test/cache
getpip=$cache/get_pip_${pip_version//./_}.py
mkdir -p "$cache"
if [ ! -e "$getpip" ] || grep -q 'Offline-friendly stand-in for the get-pip.py' "$getpip"; then
  cp "$here/get_pip_standin.py" "$getpip"
fi

tree=$root/.cache/sanity/ansible_collections/sshsuite/openssh
rm -rf "$tree"; mkdir -p "$tree"
# (a tracked file deleted in the work tree is left out)
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
   | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
   | tar --null -T - -cf -) | tar -C "$tree" -xf -

# A repository of its own: the copy sits inside this checkout's ignored .cache,
# and ansible-test asks git which files belong to the collection.
cd "$tree"
git init -q . && git add -A
exec ansible-test sanity --python "$python" --color no "$@"
