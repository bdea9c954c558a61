"""Keras-compatible constraints namespace."""

from .engine.constraints import *  # noqa: F401,F403
