"""The ``chainrule`` command: train a model, predict with it, draw an expression, check one.

Each sub-command lives in its own module, which adds its commands here. Expected mistakes raise
:class:`chainrule.errors.UsageError` (or ``ValueError`` from the library with a clear message):
they are reported on one line with exit code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chainrule import draw, train
from chainrule.errors import UsageError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a parse error is a ``UsageError`` like every other expected mistake."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.endswith("expected one argument"):
            # argparse reads a value that starts with '-' as the next option.
            option = message.removeprefix("argument ").partition(":")[0].split("/")[-1]
            message += f" (write a value that starts with '-' after '=': {option}=-x)"
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chainrule",
        description="A scalar autograd engine for learning how neural networks compute gradients.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    train.add_commands(commands)
    draw.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 a failed check, 2 a usage error)."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.run(args)
    except (UsageError, ValueError, OSError) as error:
        print(f"chainrule: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130
    return code
