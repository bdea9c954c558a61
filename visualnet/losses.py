"""Keras-compatible losses namespace."""

from .engine.losses import *  # noqa: F401,F403
