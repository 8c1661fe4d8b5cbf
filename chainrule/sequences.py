"""``chainrule train --dataset adding``: a recurrent network (``--model rnn|lstm|gru``) trained
on the adding problem, its test mean squared error printed beside the 1/6 of always predicting
1.0, and ``model.json`` and ``curves.png`` written (both, or neither when the run fails).

The recipe is the one the adding problem is known by: Adam (``--lr``, default 5e-3),
``--batch-size`` sequences a step (default 32), the gradients' norm clipped at ``--clip``
(default 1), compiled: the loss is traced once and replayed on whole batches (the eager engine
would take about a second a step at length 50).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from chainrule.arguments import number, whole_number
from chainrule.errors import UsageError
from nn.datasets import make_adding_problem
from nn.metrics import mean_squared_error
from nn.model_file import model_bytes
from nn.optim import Adam
from nn.recurrent import FAMILIES, RecurrentRegressor
from nn.replay import CompiledOutputs
from nn.training import fit

#: The mean squared error of always predicting 1.0, the mean of the sum of two uniform values.
BASELINE_MSE = 1 / 6
#: Held-out sequences scored during and at the end of a run.
TEST_SEQUENCES = 500
#: Bounds that keep a run's compiled graph and data within a few hundred MB.
MAX_LENGTH = 1000
MAX_HIDDEN = 64
MAX_SEQUENCES = 20_000


def add_arguments(train: argparse.ArgumentParser) -> None:
    """The settings only the adding problem takes."""
    sequences = train.add_argument_group("sequences (--dataset adding, --model rnn|lstm|gru)")
    sequences.add_argument(
        "--length",
        type=whole_number(2, MAX_LENGTH),
        default=50,
        help=f"steps a sequence (default 50, at most {MAX_LENGTH})",
    )
    sequences.add_argument(
        "--hidden-size",
        type=whole_number(1, MAX_HIDDEN),
        default=8,
        help=f"the recurrent state's size (default 8, at most {MAX_HIDDEN})",
    )
    sequences.add_argument(
        "--sequences",
        type=whole_number(1, MAX_SEQUENCES),
        default=2000,
        help=f"training sequences (default 2,000, at most {MAX_SEQUENCES:,})",
    )
    sequences.add_argument(
        "--clip", type=number(above=0), default=1.0, help="the gradient norm's bound (default 1)"
    )


def run_adding(args: argparse.Namespace, write: Callable[[Path, dict[Path, bytes]], None]) -> int:
    """Train ``--model`` on the adding problem, print the test MSE, write the files; exit 0."""
    if args.model not in FAMILIES:
        raise UsageError(
            f"--dataset adding needs a recurrent --model (rnn, lstm or gru), not {args.model}"
        )
    started = time.perf_counter()
    model = RecurrentRegressor(args.model, 2, args.hidden_size, seed=args.seed)
    x, y = make_adding_problem(args.sequences, args.length, seed=args.seed)
    x_test, y_test = make_adding_problem(TEST_SEQUENCES, args.length, seed=args.seed + 1)
    print(
        f"training {model!r} ({len(model.parameters())} parameters) on {len(x)} adding-problem "
        f"sequences of length {args.length} with Adam, testing on {len(x_test)}",
        flush=True,
    )
    history = fit(
        model,
        x,
        y,
        optimizer=Adam(model.parameters(), lr=args.lr or 5e-3),
        loss="mse",
        steps=args.steps,
        batch_size=args.batch_size,
        test=(x_test, y_test),
        test_every=max(1, args.steps // 20),
        seed=args.seed,
        progress=False,
        compile=True,
        clip_norm=args.clip,
    )
    test_mse = mean_squared_error(CompiledOutputs(model)(x_test), y_test)
    print(
        f"test MSE {test_mse:.4g} (always predicting 1.0: {BASELINE_MSE:.4g}) after "
        f"{args.steps} steps in {time.perf_counter() - started:.1f} s"
    )

    from nn import pictures  # matplotlib is only needed here, and takes a while to import

    files = {
        args.out / "model.json": model_bytes(model),
        args.out / "curves.png": pictures.curves_png(history),
    }
    write(args.out, files)
    print("wrote " + ", ".join(str(f) for f in files))
    return 0
