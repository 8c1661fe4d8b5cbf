"""``chainrule draw`` and ``chainrule check``: an expression typed on the command line, drawn with
its gradients or its derivatives checked against finite differences.

    chainrule draw "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 -o neuron.svg
    chainrule check "x*y + sin(x)" x=0.5 y=2 --order 2

The expression is parsed by :mod:`chainrule.expression` (a whitelist, never ``eval``); every
expected mistake is a ``UsageError`` or ``ValueError`` with a one-line message, which the
``chainrule`` command reports with exit code 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograd.gradcheck import derivative_checks
from autograd.numbers import NumberError, number_from_text, short_repr
from chainrule.arguments import number, whole_number
from chainrule.errors import UsageError
from chainrule.expression import ALLOWED, finite_arithmetic, parse_expression

#: Output formats by file extension; .html is the explorer page (autograd.explore).
FORMATS = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": "dot",
    ".gv": "dot",
    ".html": "html",
}

EXIT_OK, EXIT_DISAGREE = 0, 1

#: The largest --max-nodes: an expression (at most 2000 characters) makes fewer nodes anyway.
MAX_NODES_ALLOWED = 10_000

_BINDINGS_HELP = (
    "the value of each variable, a finite number, e.g. x=0.5 (each name used in the expression, "
    "once)"
)
_EXPRESSION_HELP = f"{ALLOWED}; quote it, and start it with a space if it starts with -: ' -x*y'"


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``draw`` and ``check`` sub-commands."""
    draw_command = commands.add_parser(
        "draw",
        help="draw an expression's graph with its gradients",
        description="Evaluate the expression, backpropagate from its value and draw the graph: "
        "each value with its data and grad, each operation between its inputs and its output. "
        "The format comes from the extension of --output: .svg, .png, .pdf, .dot, or .html for "
        "the explorer, a page that steps through backprop, explains the chain rule at each node "
        "and recomputes everything when a variable's value changes.",
    )
    draw_command.add_argument("expression", help=_EXPRESSION_HELP)
    draw_command.add_argument("bindings", nargs="*", metavar="NAME=VALUE", help=_BINDINGS_HELP)
    draw_command.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    draw_command.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR")
    draw_command.add_argument(
        "--local", action="store_true", help="label each edge with the local derivative ∂out/∂in"
    )
    draw_command.add_argument(
        "--no-grad", action="store_true", help="draw the values only, no backprop"
    )
    draw_command.add_argument("--title", help="the caption (default: the expression)")
    draw_command.add_argument(
        "--max-nodes",
        type=whole_number(1, MAX_NODES_ALLOWED),
        metavar="N",
        help=f"refuse more nodes (default 500, at most {MAX_NODES_ALLOWED:,})",
    )
    draw_command.add_argument(
        "--exercise",
        action="store_true",
        help="with -o page.html: hide the gradients; the learner gives each one, step by step",
    )
    draw_command.set_defaults(run=run_draw)

    check_command = commands.add_parser(
        "check",
        help="compare an expression's derivatives with finite differences",
        description="Print, for each variable, the derivative autograd computes, the central "
        "finite difference (f(x + ε) − f(x − ε)) / 2ε and their difference. Exit code 1 when "
        "one of them differs by more than atol + rtol·|finite difference|.",
    )
    check_command.add_argument("expression", help=_EXPRESSION_HELP)
    check_command.add_argument("bindings", nargs="*", metavar="NAME=VALUE", help=_BINDINGS_HELP)
    check_command.add_argument("--order", type=whole_number(1, 2), default=1, help="2: second too")
    check_command.add_argument(
        "--eps", type=number(above=0), default=1e-6, help="the step ε (default 1e-6)"
    )
    check_command.add_argument("--atol", type=number(at_least=0), default=1e-5, help="default 1e-5")
    check_command.add_argument("--rtol", type=number(at_least=0), default=1e-3, help="default 1e-3")
    check_command.set_defaults(run=run_check)


def parse_bindings(items: Sequence[str]) -> dict[str, float]:
    """``["x=0.5", "y=2"]`` → ``{"x": 0.5, "y": 2.0}``, refusing anything else with a message:
    each value must be a finite number (read by :func:`autograd.numbers.number_from_text`)."""
    values: dict[str, float] = {}
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals:
            raise UsageError(f"{short_repr(item)} is not NAME=VALUE, e.g. x=0.5")
        if not name.isidentifier():
            raise UsageError(f"{short_repr(name)} in {short_repr(item)} is not a variable name")
        if name in values:
            raise UsageError(f"{name} is given a value twice")
        try:
            values[name] = number_from_text(text, name)
        except NumberError as error:
            raise UsageError(str(error)) from None
    return values


def run_draw(args: argparse.Namespace) -> int:
    """``chainrule draw``: evaluate, backpropagate, render and write the picture atomically."""
    # Graphviz is imported here, only when something is drawn.
    from autograd.atomic import write_atomically
    from autograd.draw import draw_graph, explore, render

    output: Path = args.output
    format = FORMATS.get(output.suffix.lower())
    if format is None:
        raise UsageError(
            f"cannot tell the format of {str(output)!r}: end it in {', '.join(FORMATS)}"
        )
    if not output.parent.is_dir():
        raise UsageError(f"no folder {str(output.parent)!r} to write {output.name!r} in")
    if format == "html" and args.no_grad:
        raise UsageError("--no-grad draws no gradients, but a .html page steps through them")
    if format != "html" and args.exercise:
        raise UsageError(f"--exercise makes an explorer page: write to a .html file, not {format}")
    expression = parse_expression(args.expression)
    values = parse_bindings(args.bindings)
    options: dict[str, Any] = {"rankdir": args.rankdir, "show_local": args.local}
    if args.max_nodes is not None:
        options["max_nodes"] = args.max_nodes
    title = expression.text if args.title is None else args.title
    with finite_arithmetic():
        root = expression.evaluate(values, label=True)
        if format == "html":
            data = explore(root, title=title, exercise=args.exercise, **options).html.encode()
        else:
            if not args.no_grad:
                root.backward()
            graph = draw_graph(root, show_grad=not args.no_grad, title=title, **options)
            data = render(graph, format)
    write_atomically(output, data)
    print(f"wrote {output}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """``chainrule check``: a table of derivatives; exit code 1 when one disagrees.

    A derivative whose finite difference means nothing at this point (x ± ε rounds to x,
    overflows or leaves the domain, or rounding in f outweighs the tolerance) is not a
    disagreement: the check is refused in one line saying why, as a usage error.
    """
    eps, atol, rtol = args.eps, args.atol, args.rtol  # checked by their argument types
    expression = parse_expression(args.expression)
    values = parse_bindings(args.bindings)
    if not expression.names:
        raise UsageError(f"{expression.text!r} has no variables: there is nothing to check")
    expression.evaluate(values)  # names every unbound or unused variable before any work
    point = [values[name] for name in expression.names]
    shown_point = ", ".join(f"{name}={values[name]:g}" for name in expression.names)
    with finite_arithmetic():
        checks = list(
            derivative_checks(
                expression,
                point,
                eps=eps,
                order=args.order,
                names=expression.names,
                atol=atol,
                rtol=rtol,
            )
        )
    for check in checks:
        reason = check.undecided(atol, rtol)
        if reason is not None:
            raise UsageError(f"{check.name} cannot be checked at {shown_point}: {reason}")

    print(f"f = {expression.text}   at {shown_point}")
    width = max(len(check.name) for check in checks)
    print(f"{'':{width}}  {'autograd':>22}  {'finite difference':>22}  {'difference':>10}")
    disagreements = 0
    for check in checks:
        ok = check.agrees(atol, rtol)
        disagreements += not ok
        print(
            f"{check.name:{width}}  {check.analytic:>22.15g}  {check.numeric:>22.15g}  "
            f"{check.difference:>10.2e}  {'ok' if ok else 'DIFFERENT'}"
        )
    tolerance = f"|difference| ≤ {atol:g} + {rtol:g}·|finite difference|"
    if disagreements:
        print(f"{disagreements} of {len(checks)} derivatives disagree ({tolerance} fails)")
        return EXIT_DISAGREE
    print(f"all {len(checks)} derivatives agree ({tolerance})")
    return EXIT_OK
