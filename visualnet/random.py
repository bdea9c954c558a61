"""Keras-compatible random namespace (`keras.random`): draws from VisualNet's global
generator (`keras.utils.set_random_seed` seeds it) unless a seed is given: an integer (the
same numbers every call) or a `SeedGenerator` (new numbers each call, reproducibly)."""

from .engine.random_ops import categorical, dropout, randint, shuffle, truncated_normal  # noqa: F401
from .engine.seed_generator import SeedGenerator  # noqa: F401
from .engine.tensor_ops import random_normal as normal, random_uniform as uniform  # noqa: F401
