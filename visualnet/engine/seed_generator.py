"""Keras 3's `keras.random.SeedGenerator`: a seed with a counter, for the random functions'
`seed=` argument. Each draw takes the generator's state `[seed, counter]` and advances the
counter (Keras's `next()`), so successive calls give new numbers and two generators made
with the same seed give the same sequence. The numbers are NumPy's (a PCG64 generator
seeded with the state), not those of Keras's backends."""

from __future__ import annotations

import numpy as np

from .naming import auto_name
from .rng import global_rng


class SeedGenerator:
    """A stateful seed: `g = SeedGenerator(1337)`; `keras.random.normal((2,), seed=g)`."""

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if isinstance(seed, dict):   # Keras's from_config through the constructor
            name, seed = seed.get("name", name), seed.get("seed")
        if seed is None:
            seed = int(global_rng().integers(0, 2**31 - 1))   # set_random_seed makes it reproducible
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.name = name or auto_name("seed_generator")
        self._initial_seed = int(seed)
        self.state = np.array([int(seed), 0], dtype=np.int64)

    def next(self, ordered: bool = True) -> np.ndarray:
        """The state for one draw; the counter moves on."""
        current = self.state.copy()
        self.state = self.state + np.array([0, 1], dtype=np.int64)
        return current

    def next_rng(self) -> np.random.Generator:
        """A NumPy generator for one draw (from `next()`)."""
        seed, counter = (int(v) for v in self.next())
        return np.random.default_rng([seed % 2**63, counter])

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> "SeedGenerator":
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}, state={self.state.tolist()}>"
