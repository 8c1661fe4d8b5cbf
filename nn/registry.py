"""Every ``Module`` class by its name, so that a model file can name the class to rebuild.

:class:`nn.Module` registers each subclass here when it is defined; :func:`nn.load` looks the
file's ``"type"`` up here.
"""

from __future__ import annotations

from typing import Any

#: Class name -> class, for every subclass of ``nn.Module``.
MODULE_TYPES: dict[str, type[Any]] = {}


def register(cls: type[Any]) -> None:
    """Make ``cls`` known by its name. The first class of a name keeps it: a user's own class
    called "MLP" must not change what ``nn.load`` builds from a file that says "MLP"."""
    MODULE_TYPES.setdefault(cls.__name__, cls)
