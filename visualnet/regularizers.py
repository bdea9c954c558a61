"""Keras-compatible regularizers namespace."""

from .engine.regularizers import *  # noqa: F401,F403
