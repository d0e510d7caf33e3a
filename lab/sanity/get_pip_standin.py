"""Offline-friendly stand-in for the get-pip.py script that ansible-test downloads.

ansible-test creates each sanity virtual environment without pip, then runs
``python get-pip.py [pip options] pip==X [--no-setuptools] [--no-wheel]`` with a
script it fetches from a CI file host that is unreachable here. It first looks
for that script in ``~/.ansible/test/cache/get_pip_X_Y.py``; lab/sanity/run.sh
puts this file there. It does what get-pip.py does with the tools every
CPython has: pip from the interpreter's own bundled wheel (ensurepip), then the
requested packages (the pinned pip) from the package index pip is configured for.
"""

import subprocess
import sys

GET_PIP_ONLY = ('--no-setuptools', '--no-wheel', '--no-pip')


def main():
    """Bootstrap pip, then install what ansible-test asked get-pip.py for."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.run([sys.executable, '-m', 'ensurepip', '--default-pip'], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet'] + args, check=True)


if __name__ == '__main__':
    main()
