"""``chainrule train`` and ``chainrule predict``: train an MLP on a toy data set, or an MLP or a
convolutional network on the handwritten digits, from the command line, with pictures, and use
the saved model.

The defaults train ``MLP(2, [16, 16, 1])`` on noisy moons with the hinge loss and plain SGD, as
micrograd's demonstration does, and classify held-out moons at 95% or better. ``--dataset digits``
trains on the 1,797 UCI digits (64 pixels each) with cross-entropy and Adam by default;
``--model cnn`` makes the network :func:`digits_cnn`.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.atomic import write_all_atomically
from chainrule.arguments import number, whole_number, whole_numbers
from chainrule.errors import UsageError
from nn.activations import ACTIVATIONS
from nn.conv import Conv2d
from nn.datasets import DATASETS, MAX_CLASSES, MAX_NOISE, load_digits, make, train_test_split
from nn.init import SCHEMES
from nn.layers import MAX_PARAMETERS, MLP
from nn.linear import Flatten, Linear, ReLU, Sequential, Unflatten
from nn.metrics import evaluating, label_of
from nn.model_file import load, model_bytes
from nn.module import Module
from nn.objectives import OBJECTIVES, outputs_needed
from nn.optim import SGD, Adam, LearningRate, Optimizer, RMSprop
from nn.pooling import MaxPool2d
from nn.replay import CompiledOutputs
from nn.schedules import CosineDecay, ExponentialDecay, LinearDecay, StepDecay
from nn.seeding import make_rng
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


#: What ``--dataset digits`` changes in the defaults: ten classes want cross-entropy, and Adam
#: trains a CNN where plain SGD at the toy sets' rate diverges.
DIGITS_DEFAULTS = {"loss": "cross_entropy", "optimizer": "adam", "lr": 0.01}
TOY_DEFAULTS = {"loss": "hinge", "optimizer": "sgd"}
#: The networks ``--model`` names.
MODELS = ("mlp", "cnn")


def digits_cnn(seed: int) -> Sequential:
    """The digits CNN: 64 pixels as an image [1][8][8] → conv 1→8, 3×3, padding 1 → relu →
    max-pool 2 → conv 8→16, 3×3, padding 1 → relu → max-pool 2 → flatten (16·2·2 = 64) →
    linear 64→10: 1,898 parameters."""
    rng = make_rng(seed)
    return Sequential(
        Unflatten(0, [1, 8, 8]),
        Conv2d(1, 8, 3, padding=1, seed=rng),
        ReLU(),
        MaxPool2d(2),
        Conv2d(8, 16, 3, padding=1, seed=rng),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(64, 10, seed=rng),
    )


#: The most training steps a run may take, and the largest seed.
MAX_STEPS = 1_000_000
MAX_SEED = 2**64 - 1
#: The most points a run may use. A run scores its held-out quarter 50 times: without
#: --compile each score costs a forward pass per point, so 10,000 points take a couple of
#: minutes with the default model (about 10 s with --compile); the data sets themselves go to
#: nn.datasets.MAX_SAMPLES.
MAX_TRAIN_SAMPLES = 10_000
#: How many digits there are.
MAX_DIGITS = 1797


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``train`` and ``predict`` sub-commands."""
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy data set; write the model and pictures",
        description="Train an MLP classifier on a toy data set in the plane, or an MLP or a CNN "
        "on the handwritten digits. Prints progress and "
        "the final train and test accuracy; writes DIR/model.json, DIR/curves.png (loss and "
        "accuracy) and DIR/decision_boundary.png (for digits DIR/kernels.png, the first "
        "layer's kernels, and DIR/confusion.png instead), all or, when the run fails, none. "
        f"Sizes are bounded: at most {MAX_TRAIN_SAMPLES:,} points, {MAX_CLASSES} classes, "
        f"{MAX_PARAMETERS:,} parameters and {MAX_STEPS:,} steps.",
    )
    data = train.add_argument_group("data")
    data.add_argument("--dataset", choices=[*DATASETS, "digits"], default="moons")
    data.add_argument(
        "--samples",
        type=whole_number(2, MAX_TRAIN_SAMPLES),
        help=f"points (default 200, or all 1,797 digits; at most {MAX_TRAIN_SAMPLES:,})",
    )
    data.add_argument(
        "--noise",
        type=number(at_least=0, at_most=MAX_NOISE),
        default=0.1,
        help=f"default 0.1, at most {MAX_NOISE:g}",
    )
    data.add_argument(
        "--classes",
        type=whole_number(2, MAX_CLASSES),
        default=2,
        help=f"for spirals and blobs (default 2, at most {MAX_CLASSES})",
    )
    data.add_argument(
        "--test-fraction",
        type=number(above=0, below=1),
        default=0.25,
        help="share held out (default 0.25)",
    )
    model = train.add_argument_group("model")
    model.add_argument(
        "--model",
        choices=MODELS,
        default="mlp",
        help="mlp, or cnn for the digits: conv 8 → pool → conv 16 → pool → linear (default mlp)",
    )
    model.add_argument(
        "--hidden",
        type=whole_numbers(1, MAX_PARAMETERS),
        default=[16, 16],
        help=f"hidden layer sizes (default 16,16; at most {MAX_PARAMETERS:,} parameters in all)",
    )
    model.add_argument("--activation", choices=list(ACTIVATIONS), default="relu")
    model.add_argument("--init", choices=list(SCHEMES), default="uniform")
    training = train.add_argument_group("training")
    training.add_argument(
        "--loss", choices=list(OBJECTIVES), help="default hinge, or cross_entropy for digits"
    )
    training.add_argument(
        "--optimizer", choices=list(OPTIMIZERS), help="default sgd, or adam for digits"
    )
    training.add_argument(
        "--lr",
        type=number(above=0),
        help="initial learning rate (default: sgd 1.0, rmsprop 0.01, adam 0.05; 0.01 for digits)",
    )
    training.add_argument(
        "--schedule",
        choices=list(SCHEDULES),
        default="linear",
        help="learning-rate decay over the run (default linear, down to lr/10)",
    )
    training.add_argument(
        "--l2", type=number(at_least=0), default=1e-4, help="L2 penalty λ (default 1e-4)"
    )
    training.add_argument(
        "--steps",
        type=whole_number(1, MAX_STEPS),
        default=150,
        help=f"default 150, at most {MAX_STEPS:,}",
    )
    training.add_argument(
        "--batch-size",
        type=whole_number(1, MAX_TRAIN_SAMPLES),
        default=32,
        help="points per step (default 32)",
    )
    training.add_argument(
        "--seed", type=whole_number(0, MAX_SEED), default=0, help="default 0, at most 2**64 - 1"
    )
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
    predict.add_argument("inputs", type=number(), nargs="+", metavar="X", help="the input numbers")
    predict.set_defaults(run=run_predict)


def _watcher(steps: int, *, report: bool) -> Callable[[int, History], None]:
    """After each step: stop a run whose loss overflowed (nothing it does next means anything)
    and, with ``report``, print a line ten times in the run (when no progress bar is shown)."""
    every = max(1, steps // 10)

    def watch(step: int, history: History) -> None:
        loss = history.loss[-1]
        if not math.isfinite(loss):
            raise UsageError(
                f"training diverged: the loss is {loss} at step {step}, so nothing was "
                "written; try a smaller --lr (or --l2)"
            )
        if not report or (step % every and step != steps):
            return
        line = f"step {step:>{len(str(steps))}}/{steps}  loss {loss:.4g}"
        line += f"  batch accuracy {history.accuracy[-1]:6.1%}"
        if history.test_accuracy:
            line += f"  test accuracy {history.test_accuracy[-1]:6.1%}"
        print(line, flush=True)

    return watch


def run_train(args: argparse.Namespace) -> int:
    """Train, report, and write the model and the pictures, all three or none; exit code 0."""
    started = time.perf_counter()
    _check_output_folder(args.out)
    digits = args.dataset == "digits"
    for name, default in (DIGITS_DEFAULTS if digits else TOY_DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if digits:
        args.classes = 10
    elif args.model == "cnn":
        raise UsageError("--model cnn takes images: use it with --dataset digits")
    samples = args.samples or (MAX_DIGITS if digits else 200)
    nout = outputs_needed(args.loss, args.classes)
    if samples < args.classes:
        raise UsageError(
            f"--samples {samples} is fewer than --classes {args.classes}: every class needs "
            "at least one point"
        )
    # Made first: an impossible size is refused at once, before any data is made.
    model = _model(args, nout)
    if digits:
        images, labels = load_digits(flat=True)
        x, y = images[:samples], labels[:samples]
    else:
        x, y = make(args.dataset, samples, args.noise, args.seed, args.classes)
    split = train_test_split(x, y, args.test_fraction, seed=args.seed)
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
        callback=_watcher(args.steps, report=not show_bar),
        compile=args.compile,
    )
    _check_converged(model)
    train_predicted = _predictions(model, split.x_train, compiled=args.compile)
    test_predicted = _predictions(model, split.x_test, compiled=args.compile)
    train_accuracy = _share_equal(train_predicted, split.y_train)
    test_accuracy = _share_equal(test_predicted, split.y_test)
    trained = time.perf_counter() - started
    print(
        f"train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%} "
        f"({args.steps} steps in {trained:.1f} s)"
    )

    from nn import pictures  # matplotlib is only needed here, and takes a while to import

    out: Path = args.out
    try:
        files = {
            out / "model.json": model_bytes(model),
            out / "curves.png": pictures.curves_png(history),
        }
        if digits:
            files[out / "kernels.png"] = pictures.kernels_png(*_first_kernels(model))
            files[out / "confusion.png"] = pictures.confusion_png(
                split.y_test, test_predicted, args.classes
            )
        else:
            files[out / "decision_boundary.png"] = pictures.decision_boundary_png(
                model, split.x_train, split.y_train, x_test=split.x_test, y_test=split.y_test
            )
    except pictures.PictureError as error:
        raise UsageError(f"nothing was written: {error}") from None
    except Exception as error:  # matplotlib's own message would mean nothing here
        raise UsageError(
            f"nothing was written: matplotlib could not draw the pictures ({type(error).__name__})"
        ) from error
    _write_outputs(out, files)
    print("wrote " + ", ".join(str(f) for f in files))
    return 0


def _model(args: argparse.Namespace, nout: int) -> Module:
    """The network ``--model`` names, for the data set's inputs and ``nout`` outputs."""
    if args.model == "cnn":
        return digits_cnn(args.seed)
    inputs = 64 if args.dataset == "digits" else 2
    return MLP(inputs, [*args.hidden, nout], args.activation, init=args.init, seed=args.seed)


def _predictions(model: Module, x: list[Any], *, compiled: bool) -> list[int]:
    """The class ``model`` predicts for each point, by the compiled replay when training was
    compiled (the same numbers, much faster for a CNN)."""
    if compiled:
        return [label_of(output) for output in CompiledOutputs(model)(x)]
    with evaluating(model):
        return [label_of(model(point)) for point in x]


def _share_equal(predicted: list[int], labels: list[int]) -> float:
    return sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)


def _first_kernels(model: Module) -> tuple[list[list[list[float]]], str]:
    """The first layer's kernels as grids of numbers, and a title: a CNN's first convolution's
    kernels, or each first-layer neuron's 64 weights as the 8×8 image they weigh."""
    if isinstance(model, Sequential):
        conv = next(module for module in model if isinstance(module, Conv2d))
        kernels = [[[w.data for w in row] for row in kernel[0]] for kernel in conv.weight]
        return kernels, "First convolution's kernels"
    assert isinstance(model, MLP)
    kernels = [
        [[w.data for w in neuron.w[r : r + 8]] for r in range(0, 64, 8)]
        for neuron in model.layers[0].neurons
    ]
    return kernels, "First layer's weights on the 8×8 pixels"


def _check_converged(model: Module) -> None:
    """Refuse a model whose last step made a parameter overflow: it means nothing."""
    if not all(math.isfinite(p.data) for p in model.parameters()):
        raise UsageError(
            "training diverged: the last step made a parameter infinite or NaN, so nothing was "
            "written; try a smaller --lr"
        )


def _write_outputs(out: Path, files: dict[Path, bytes]) -> None:
    """Write every output into ``out`` (made if needed), all of them or none."""
    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_all_atomically(files)
    except OSError as error:
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()  # only when still empty
        reason = error.strerror or str(error)
        raise UsageError(f"cannot write the outputs into {str(out)!r}: {reason}") from None


def _check_output_folder(out: Path) -> None:
    """Refuse an output folder that cannot be one, before any training."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"cannot use {str(out)!r} as the output folder: it is a file")


def run_predict(args: argparse.Namespace) -> int:
    """Print the model's output(s) for the input and the label they mean; exit code 0."""
    model = load(args.model)
    with evaluating(model):
        output = model(args.inputs)
    values = [output] if isinstance(output, Value) else output
    print("output " + " ".join(f"{v.data:.6g}" for v in values))
    print(f"label {label_of(output)}")
    return 0
