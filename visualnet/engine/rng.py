"""The engine's global random generator (Keras's `utils.set_random_seed` seeds it)."""

import numpy as np

_rng = np.random.default_rng()


def global_rng() -> np.random.Generator:
    """The generator used by initializers, dropout and shuffling when no seed is given."""
    return _rng


def set_seed(seed: int) -> None:
    """Make every later draw of the engine reproducible."""
    global _rng
    _rng = np.random.default_rng(seed)


def make_rng(seed=None) -> np.random.Generator:
    """A generator of its own when `seed` is given, else the global one; a `SeedGenerator`
    (seed_generator.py) gives one per draw from its advancing state."""
    if seed is None:
        return _rng
    draw = getattr(seed, "next_rng", None)
    if draw is not None:
        return draw()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Argument `seed` must be an integer or a keras.random.SeedGenerator. Received: seed={seed!r}")
    return np.random.default_rng(seed)
