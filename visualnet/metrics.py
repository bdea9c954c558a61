"""Keras-compatible metrics namespace."""

from .engine.metrics import *  # noqa: F401,F403
