"""Where the randomness of initialisation, dropout and the datasets comes from.

Every random choice in ``nn`` draws from a ``random.Random``: with a seed, a generator of its
own, so that the seed reproduces a run exactly; without one, Python's module-level generator
(the one behind ``random.uniform``), so that ``random.seed(1337)`` makes a run reproducible and
draws the very numbers micrograd draws after the same call.
"""

from __future__ import annotations

import random

#: A seed: an int, a generator to draw from (shared by the caller), or None (see above).
Seed = int | random.Random | None


#: The generator behind the functions of the ``random`` module, which ``random.seed`` seeds.
MODULE_GENERATOR: random.Random = getattr(random.random, "__self__")  # noqa: B009


def make_rng(seed: Seed) -> random.Random:
    """A generator for ``seed``: the generator itself, a new one seeded with the int, or for
    ``None`` the module-level generator."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return MODULE_GENERATOR
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, not {type(seed).__name__}")
