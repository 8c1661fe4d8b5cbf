"""Where the randomness of initialisation, dropout and the datasets comes from.

Every random choice in ``nn`` draws from a ``random.Random`` of its own, made from a seed, so
that a seed reproduces a run exactly. Without a seed the generator is seeded from Python's
module-level one, so that ``random.seed(1337)`` makes a run reproducible, as in the minimal
engines.
"""

from __future__ import annotations

import random

#: A seed: an int, a generator to draw from (shared by the caller), or None (see above).
Seed = int | random.Random | None


def make_rng(seed: Seed) -> random.Random:
    """A generator for ``seed``: the generator itself, a new one seeded with the int, or for
    ``None`` a new one seeded from the module-level generator."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(random.getrandbits(64))
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, not {type(seed).__name__}")
