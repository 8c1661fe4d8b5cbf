"""Where the randomness of initialisation, dropout and the datasets comes from.

Every random choice in ``nn`` draws from a ``random.Random`` made from a seed, never from the
module-level generator, so a seed reproduces a run exactly and runs do not disturb each other.
"""

from __future__ import annotations

import random

#: A seed: an int, a generator to draw from (shared by the caller), or None for a fresh one.
Seed = int | random.Random | None


def make_rng(seed: Seed) -> random.Random:
    """A generator for ``seed``: the generator itself, a new one seeded with the int, or a new
    one seeded from the operating system for ``None``."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, not {type(seed).__name__}")
