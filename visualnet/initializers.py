"""Keras-compatible initializers namespace."""

from .engine.initializers import *  # noqa: F401,F403
