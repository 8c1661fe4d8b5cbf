"""The command line's own error: an expected mistake, reported in one line."""

from __future__ import annotations


class UsageError(Exception):
    """An expected mistake on the command line (a bad number, an unknown name, a missing file).

    The ``chainrule`` command prints its message on one line and exits with code 2, without a
    traceback.
    """
