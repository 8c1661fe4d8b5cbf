"""Every ``Module`` class by its name, so that a model file can name the class to rebuild.

:class:`nn.Module` registers each subclass here when it is defined; :func:`nn.load` (and a
container rebuilding its children) looks a ``"type"`` up here with :func:`build`.
"""

from __future__ import annotations

import inspect
from typing import Any

from autograd.numbers import shown

#: Class name -> class, for every subclass of ``nn.Module``.
MODULE_TYPES: dict[str, type[Any]] = {}


def register(cls: type[Any]) -> None:
    """Make ``cls`` known by its name. The first class of a name keeps it: a user's own class
    called "MLP" must not change what ``nn.load`` builds from a file that says "MLP"."""
    MODULE_TYPES.setdefault(cls.__name__, cls)


def build(kind: object, config: object) -> Any:
    """A new module of the class named ``kind`` made from its ``config`` (``cls.from_config``)."""
    cls = MODULE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown model type {shown(kind)}")
    if not isinstance(config, dict):
        raise ValueError(f'the "config" of a {kind} must be a JSON object, got {shown(config)}')
    return cls.from_config(config)


def check_settings(cls: type[Any], config: dict[str, Any]) -> None:
    """Refuse settings ``cls`` does not take, and missing required ones, by name."""
    accepted = {
        name: parameter
        for name, parameter in inspect.signature(cls).parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    takes_any = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(cls).parameters.values())
    unknown = [name for name in config if name not in accepted]
    if unknown and not takes_any:
        raise ValueError(
            f"{cls.__name__} has no setting {shown(unknown[0])} "
            f"(its settings: {', '.join(accepted)})"
        )
    missing = [
        name
        for name, parameter in accepted.items()
        if parameter.default is parameter.empty and name not in config
    ]
    if missing:
        raise ValueError(f'"config" lacks {", ".join(missing)}, which {cls.__name__} needs')
