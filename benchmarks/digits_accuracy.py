"""How well and how fast the digits CNN learns: test accuracy and training time of the README's
network, trained with ``compile=True`` on a seeded, shuffled 75/25 split of the UCI digits.

    python -m benchmarks.digits_accuracy            # the README's run: 2,000 steps of 32
    python -m benchmarks.digits_accuracy --steps 500

Prints the held-out accuracy, the wall-clock time of ``nn.fit`` (compile included) and the CPU
time of this process over the same span (the two differ on a machine shared with other work).
Matrix libraries get one thread each (:data:`benchmarks.digits.ONE_THREAD`, set by the caller).
"""

from __future__ import annotations

import argparse
import time


def train(steps: int, batch_size: int, lr: float, seed: int) -> tuple[float, float, float]:
    """(test accuracy, wall seconds, CPU seconds) of one run."""
    import nn
    from nn.metrics import fraction_correct
    from nn.replay import CompiledOutputs

    x, y = nn.datasets.load_digits()
    split = nn.datasets.train_test_split(x, y, 0.25, seed=seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, seed=seed), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, seed=seed + 1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10, seed=seed + 2),
    )  # fmt: skip
    optimizer = nn.Adam(model.parameters(), lr=nn.CosineDecay(lr, steps, lr / 20))
    wall, cpu = time.perf_counter(), time.process_time()
    nn.fit(
        model, split.x_train, split.y_train, optimizer=optimizer, loss="cross_entropy",
        steps=steps, batch_size=batch_size, seed=seed, compile=True,
    )  # fmt: skip
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    accuracy = fraction_correct(CompiledOutputs(model)(split.x_test), split.y_test)
    return accuracy, wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    accuracy, wall, cpu = train(args.steps, args.batch_size, args.lr, args.seed)
    print(
        f"digits CNN, {args.steps} steps of {args.batch_size}, seed {args.seed}: "
        f"test accuracy {accuracy:.2%}, trained in {wall:.1f} s ({cpu:.1f} s of CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
