"""Model files: a module's class, its constructor arguments and its parameters, as JSON.

A file looks like::

    {"format": "chainrule-model", "version": 1,
     "type": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...},
     "parameters": {"layer1.neuron1.w1": 0.23, ...}}

so :func:`load` can rebuild the model from the file alone: it makes a new module from ``type``
and ``config``, then sets every parameter. Anything wrong with a file (missing, empty, truncated,
not a model, not matching its own architecture) is a :class:`ModelFileError` naming the file.

Reading is bounded, whatever the file holds: only a regular file is read (not a folder, a device
such as ``/dev/zero``, or a pipe), of at most :data:`MAX_FILE_BYTES`; its lists and objects are
counted and their nesting measured before the JSON is parsed (:data:`MAX_CONTAINERS`,
:data:`MAX_NESTING`), so that parsing cannot recurse deeply;
every number in it must be finite; and the size of the model its configuration describes is
checked before any parameter is made (:data:`nn.layers.MAX_PARAMETERS`).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

from autograd.atomic import write_atomically
from autograd.numbers import number_from_text, shown
from nn.module import Module
from nn.registry import build

FORMAT = "chainrule-model"
VERSION = 1

#: The largest model file read: the largest model (:data:`nn.layers.MAX_PARAMETERS`) saves to
#: about 13 MB.
MAX_FILE_BYTES = 32 * 2**20
#: The most lists and objects (``[...]``, ``{...}``) a model file may hold, in all, and how
#: deep they may nest: a file written by :func:`save` has four, two deep.
MAX_CONTAINERS = 100
MAX_NESTING = 10

#: A JSON string, with its escapes (so that brackets inside names are not counted).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_EVERY_NUMBER = "every number in a model file"


class ModelFileError(ValueError):
    """A model file that cannot be read back into a model; the message names the file."""


def save(model: Module, path: str | Path) -> None:
    """Write ``model`` to ``path`` as JSON, atomically: the file is either the old one or the
    complete new one, never half written (:func:`autograd.atomic.write_atomically`). :func:`load`
    rebuilds it."""
    write_atomically(path, model_bytes(model))


def model_bytes(model: Module) -> bytes:
    """The contents of ``model``'s file (what :func:`save` writes)."""
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
    return (json.dumps(document, indent=1, allow_nan=False) + "\n").encode("utf-8")


def load(path: str | Path) -> Module:
    """The model saved in ``path``, rebuilt from the file alone, in evaluation mode."""
    where = repr(str(path))
    try:
        data = _read(Path(path))
    except OSError as error:
        reason = error.strerror or str(error)
        raise ModelFileError(f"cannot read model file {where}: {reason}") from None
    try:
        return _rebuild(data)
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"model file {where}: {error}") from error


def _read(path: Path) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else before reading it."""
    _check_regular(os.stat(path))
    # O_NONBLOCK: opening a pipe swapped in since the stat must not wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as file:
        _check_regular(os.fstat(file.fileno()))
        chunks, size = [], 0
        while chunk := file.read(2**20):  # in pieces: the file may have grown since
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise OSError(
                    f"the file is larger than the {MAX_FILE_BYTES // 2**20} MiB a model file has"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _check_regular(info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise OSError("it is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise OSError("it is not a regular file (a device, a pipe or a socket)")
    if info.st_size > MAX_FILE_BYTES:
        raise OSError(
            f"the file has {info.st_size:,} bytes, more than the "
            f"{MAX_FILE_BYTES // 2**20} MiB a model file has"
        )


def _rebuild(data: bytes) -> Module:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not a model file: it is not UTF-8 text") from None
    if not text.strip():
        raise ValueError("the file is empty")
    _check_structure(text)
    try:
        document = json.loads(
            text,
            parse_float=_finite_float,
            parse_int=_finite_int,
            parse_constant=_finite_float,
        )
    except json.JSONDecodeError as error:
        raise ValueError(
            f"not valid JSON, perhaps truncated (at line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'not a chainrule model (no "format": {FORMAT!r})')
    if document.get("version") != VERSION:
        raise ValueError(
            f"unsupported version {shown(document.get('version'))} (expected {VERSION})"
        )
    config: Any = document.get("config")
    parameters: Any = document.get("parameters")
    if not isinstance(config, dict) or not isinstance(parameters, dict):
        raise ValueError('"config" and "parameters" must both be JSON objects')
    model: Module = build(document.get("type"), config)
    model.load_state_dict(parameters)
    return model.eval()


def _check_structure(text: str) -> None:
    """Refuse too many lists and objects, or too deeply nested ones, before parsing: the parser
    makes every one (memory) and recurses into each nested one (the stack)."""
    bare = _STRING.sub("", text)
    if '"' in bare:
        raise ValueError("not valid JSON, perhaps truncated (a string never ends)")
    depth = 0
    # Looking at the first brackets only: beyond them there are too many anyway.
    for bracket in itertools.islice(_BRACKET.finditer(bare), 2 * MAX_CONTAINERS):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_NESTING:
            raise ValueError(
                f"its lists and objects are nested more than {MAX_NESTING} deep, deeper than a "
                "model file may be"
            )
    count = max(bare.count("[") + bare.count("{"), bare.count("]") + bare.count("}"))
    if count > MAX_CONTAINERS:
        raise ValueError(
            f"it holds {count:,} lists and objects, more than the {MAX_CONTAINERS} a model file "
            "may have"
        )


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or an exponent, or NaN or Infinity (which JSON itself does
    not have, but Python writes): refused unless finite."""
    return number_from_text(text, _EVERY_NUMBER)


def _finite_int(text: str) -> int:
    """A JSON integer, refused when beyond the float range (before Python converts its digits,
    which it refuses to do for more than a few thousand)."""
    number_from_text(text, _EVERY_NUMBER)
    return int(text)
