"""Model files: a module's class, its constructor arguments and its parameters, as JSON.

A file looks like::

    {"format": "chainrule-model", "version": 1,
     "type": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...},
     "parameters": {"layer1.neuron1.w1": 0.23, ...}}

so :func:`load` can rebuild the model from the file alone: it makes a new module from ``type``
and ``config``, then sets every parameter. Anything wrong with a file (missing, empty, truncated,
not a model, not matching its own architecture) is a :class:`ModelFileError` naming the file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from autograd.atomic import write_atomically
from nn.module import Module
from nn.registry import MODULE_TYPES

FORMAT = "chainrule-model"
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be read back into a model; the message names the file."""


def save(model: Module, path: str | Path) -> None:
    """Write ``model`` to ``path`` as JSON, atomically: the file is either the old one or the
    complete new one, never half written (:func:`autograd.atomic.write_atomically`). :func:`load`
    rebuilds it."""
    if not isinstance(model, Module):
        raise TypeError(f"only a Module can be saved, not {type(model).__name__}")
    state = model.state_dict()
    for name, value in state.items():
        if not math.isfinite(value):
            raise ValueError(f"cannot save {model!r}: parameter {name} is {value!r}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "type": type(model).__name__,
        "config": model.config(),
        "parameters": state,
    }
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    write_atomically(path, text.encode("utf-8"))


def load(path: str | Path) -> Module:
    """The model saved in ``path``, rebuilt from the file alone, in evaluation mode."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ModelFileError(f"cannot read model file {str(path)!r}: {reason}") from error
    try:
        return _rebuild(text)
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"model file {str(path)!r}: {error}") from error


def _rebuild(text: str) -> Module:
    if not text.strip():
        raise ValueError("the file is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON, perhaps truncated ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'not a chainrule model (no "format": {FORMAT!r})')
    if document.get("version") != VERSION:
        raise ValueError(f"unsupported version {document.get('version')!r} (expected {VERSION})")
    kind = document.get("type")
    cls = MODULE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown model type {kind!r}")
    config: Any = document.get("config")
    parameters: Any = document.get("parameters")
    if not isinstance(config, dict) or not isinstance(parameters, dict):
        raise ValueError('"config" and "parameters" must both be JSON objects')
    model: Module = cls(**config)
    model.load_state_dict(parameters)
    return model.eval()
