"""Keras-compatible random namespace (`keras.random`): draws from VisualNet's global
generator (`keras.utils.set_random_seed` seeds it) unless a seed is given."""

from .engine.tensor_ops import random_normal as normal, random_uniform as uniform  # noqa: F401
