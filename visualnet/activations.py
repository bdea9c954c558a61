"""Keras-compatible activations namespace."""

from .engine.activations import *  # noqa: F401,F403
