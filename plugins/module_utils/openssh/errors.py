# -*- coding: utf-8 -*-
# Copyright: sshsuite.openssh contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception type that every check in module_utils/openssh raises."""

from __future__ import annotations


class OpenSSHConfigError(ValueError):
    """Bad input, with where it was found.

    ``where`` names the place in the user's data, for example
    ``sshd_settings.AllowUsers[1]`` or ``sshd_match[0].criteria.User``, so that
    an error message points at the line of inventory that must change.
    """

    def __init__(self, message: str, where: str = ""):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class Problems(list):
    """Collects several OpenSSHConfigError so a run reports them all at once."""

    def add(self, message: str, where: str = "") -> None:
        self.append(OpenSSHConfigError(message, where))

    def append(self, error: OpenSSHConfigError) -> None:
        """Keep one flat list: an error that itself carries several problems adds each of them."""
        inner = getattr(error, "problems", None)
        if inner:
            self.extend(inner)
        else:
            super().append(error)

    def raise_if_any(self) -> None:
        if self:
            if len(self) == 1:
                raise self[0]
            error = OpenSSHConfigError(
                f"{len(self)} problems:\n" + "\n".join(f"  - {p}" for p in self)
            )
            error.problems = list(self)
            raise error


class ApplyFailed(Exception):
    """A failure after something was attempted on the host; ``result`` says what happened
    (rolled back, serving again ...) and is returned with the failure."""

    def __init__(self, message: str, **result):
        super().__init__(message)
        self.message = message
        self.result = result
