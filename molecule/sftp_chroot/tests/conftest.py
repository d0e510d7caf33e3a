import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "_shared"))

from testlib import host  # noqa: E402  (podman exec instead of ansible per command)

__all__ = ["host"]  # the fixture pytest collects from this conftest
