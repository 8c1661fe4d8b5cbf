"""``chainrule train`` and ``chainrule predict``: train an MLP on a toy data set from the command
line, with pictures, and use the saved model.

The defaults train ``MLP(2, [16, 16, 1])`` on noisy moons with the hinge loss and plain SGD, as
micrograd's demonstration does, and classify held-out moons at 95% or better.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd import Value
from chainrule.errors import UsageError
from nn.activations import ACTIVATIONS
from nn.datasets import DATASETS, make, train_test_split
from nn.init import SCHEMES
from nn.layers import MLP
from nn.metrics import accuracy, evaluating, label_of
from nn.model_file import load, save
from nn.objectives import OBJECTIVES, outputs_needed
from nn.optim import SGD, Adam, LearningRate, Optimizer, RMSprop
from nn.schedules import CosineDecay, ExponentialDecay, LinearDecay, StepDecay
from nn.training import History, fit

#: The optimizers by name, each with the learning rate it starts from by default.
OPTIMIZERS: dict[str, tuple[Callable[..., Optimizer], float]] = {
    "sgd": (SGD, 1.0),
    "rmsprop": (RMSprop, 0.01),
    "adam": (Adam, 0.05),
}

#: The learning-rate schedules by name, each a function of (η₀, steps); all but "step" and
#: "constant" end near η₀/10.
SCHEDULES: dict[str, Callable[[float, int], LearningRate]] = {
    "constant": lambda lr, steps: lr,
    "linear": lambda lr, steps: LinearDecay(lr, lr / 10, steps),
    "exponential": lambda lr, steps: ExponentialDecay(lr, 0.1 ** (1 / steps)),
    "cosine": lambda lr, steps: CosineDecay(lr, steps, lr / 10),
    "step": lambda lr, steps: StepDecay(lr, max(1, steps // 4), 0.5),
}


# -- argument types: each turns one word of the command line into a value, or says why not ---
def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _number_where(test: Callable[[float], bool], wanted: str) -> Callable[[str], float]:
    """An argument type for a finite number that passes ``test``, described by ``wanted``."""

    def parse(text: str) -> float:
        value = _number(text)
        if not test(value):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    return parse


_positive_number = _number_where(lambda value: value > 0, "a number > 0")
_non_negative_number = _number_where(lambda value: value >= 0, "a number ≥ 0")
_fraction = _number_where(lambda value: 0 < value < 1, "a fraction between 0 and 1")


def _whole_number(low: int | None = None) -> Callable[[str], int]:
    """An argument type for a whole number, at least ``low`` when given."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if low is not None and value < low:
            wanted = "a positive whole number" if low == 1 else f"a whole number ≥ {low}"
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    return parse


_positive_int = _whole_number(1)


def _sizes(text: str) -> list[int]:
    words = text.split(",")
    try:
        sizes = [int(word) for word in words]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"layer sizes must be whole numbers separated by commas, like 16,16; got {text!r}"
        ) from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``train`` and ``predict`` sub-commands."""
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy data set; write the model and pictures",
        description="Train an MLP classifier on a toy data set in the plane. Prints progress and "
        "the final train and test accuracy; writes DIR/model.json, DIR/curves.png (loss and "
        "accuracy) and DIR/decision_boundary.png.",
    )
    data = train.add_argument_group("data")
    data.add_argument("--dataset", choices=list(DATASETS), default="moons")
    data.add_argument("--samples", type=_positive_int, default=200, help="points (default 200)")
    data.add_argument("--noise", type=_non_negative_number, default=0.1, help="default 0.1")
    data.add_argument(
        "--classes", type=_whole_number(2), default=2, help="for spirals and blobs (default 2)"
    )
    data.add_argument(
        "--test-fraction", type=_fraction, default=0.25, help="share held out (default 0.25)"
    )
    model = train.add_argument_group("model")
    model.add_argument(
        "--hidden", type=_sizes, default=[16, 16], help="hidden layer sizes (default 16,16)"
    )
    model.add_argument("--activation", choices=list(ACTIVATIONS), default="relu")
    model.add_argument("--init", choices=list(SCHEMES), default="uniform")
    training = train.add_argument_group("training")
    training.add_argument("--loss", choices=list(OBJECTIVES), default="hinge")
    training.add_argument("--optimizer", choices=list(OPTIMIZERS), default="sgd")
    training.add_argument(
        "--lr",
        type=_positive_number,
        help="initial learning rate (default: sgd 1.0, rmsprop 0.01, adam 0.05)",
    )
    training.add_argument(
        "--schedule",
        choices=list(SCHEDULES),
        default="linear",
        help="learning-rate decay over the run (default linear, down to lr/10)",
    )
    training.add_argument(
        "--l2", type=_non_negative_number, default=1e-4, help="L2 penalty λ (default 1e-4)"
    )
    training.add_argument("--steps", type=_positive_int, default=150, help="default 150")
    training.add_argument(
        "--batch-size", type=_positive_int, default=32, help="points per step (default 32)"
    )
    training.add_argument("--seed", type=_whole_number(), default=0, help="default 0")
    training.add_argument(
        "--compile",
        action="store_true",
        help="trace the loss once and replay it on whole batches with NumPy (much faster)",
    )
    train.add_argument(
        "--out",
        type=Path,
        default=Path("chainrule-out"),
        metavar="DIR",
        help="default ./chainrule-out",
    )
    train.set_defaults(run=run_train)

    predict = commands.add_parser(
        "predict",
        help="print a saved model's output for one input",
        description="Print the output of the model in FILE for the input x1 x2 …, and the label "
        "it predicts (for one output: label 1 when the score is positive).",
    )
    predict.add_argument("--model", type=Path, required=True, metavar="FILE")
    predict.add_argument("inputs", type=_number, nargs="+", metavar="X", help="the input numbers")
    predict.set_defaults(run=run_predict)


def _progress_printer(steps: int) -> Callable[[int, History], None]:
    """Print a line ten times in a run (used when no progress bar is shown)."""
    every = max(1, steps // 10)

    def report(step: int, history: History) -> None:
        if step % every and step != steps:
            return
        line = f"step {step:>{len(str(steps))}}/{steps}  loss {history.loss[-1]:.4f}"
        line += f"  batch accuracy {history.accuracy[-1]:6.1%}"
        if history.test_accuracy:
            line += f"  test accuracy {history.test_accuracy[-1]:6.1%}"
        print(line, flush=True)

    return report


def _output_folder(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"cannot use {str(out)!r} as the output folder: {error.strerror}"
        ) from None
    return out


def run_train(args: argparse.Namespace) -> int:
    """Train, report, save the model and draw the pictures; exit code 0."""
    from nn import pictures  # matplotlib is only needed here

    started = time.perf_counter()
    nout = outputs_needed(args.loss, args.classes)
    x, y = make(args.dataset, args.samples, args.noise, args.seed, args.classes)
    split = train_test_split(x, y, args.test_fraction, seed=args.seed)
    out = _output_folder(args.out)
    model = MLP(2, [*args.hidden, nout], args.activation, init=args.init, seed=args.seed)
    optimizer_class, default_lr = OPTIMIZERS[args.optimizer]
    lr = SCHEDULES[args.schedule](args.lr or default_lr, args.steps)
    optimizer = optimizer_class(model.parameters(), lr=lr)
    print(
        f"training {model!r} ({len(model.parameters())} parameters) on {len(split.x_train)} "
        f"{args.dataset} points with {args.loss} loss and {args.optimizer}, "
        f"testing on {len(split.x_test)}",
        flush=True,
    )
    show_bar = sys.stderr.isatty()
    history = fit(
        model,
        split.x_train,
        split.y_train,
        optimizer=optimizer,
        loss=args.loss,
        steps=args.steps,
        batch_size=args.batch_size,
        l2=args.l2,
        test=(split.x_test, split.y_test),
        test_every=max(1, args.steps // 50),
        seed=args.seed,
        progress=show_bar,
        callback=None if show_bar else _progress_printer(args.steps),
        compile=args.compile,
    )
    train_accuracy = accuracy(model, split.x_train, split.y_train)
    test_accuracy = accuracy(model, split.x_test, split.y_test)
    trained = time.perf_counter() - started
    print(
        f"train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%} "
        f"({args.steps} steps in {trained:.1f} s)"
    )

    files = [out / "model.json", out / "curves.png", out / "decision_boundary.png"]
    save(model, files[0])
    pictures.save_curves(history, files[1])
    pictures.save_decision_boundary(
        model, split.x_train, split.y_train, files[2], x_test=split.x_test, y_test=split.y_test
    )
    print("wrote " + ", ".join(str(f) for f in files))
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Print the model's output(s) for the input and the label they mean; exit code 0."""
    model = load(args.model)
    with evaluating(model):
        output = model(args.inputs)
    values = [output] if isinstance(output, Value) else output
    print("output " + " ".join(f"{v.data:.6g}" for v in values))
    print(f"label {label_of(output)}")
    return 0
