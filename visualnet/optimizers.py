"""Keras-compatible optimizers namespace."""

from .engine import schedules  # noqa: F401
from .engine.optimizers import *  # noqa: F401,F403
from .engine.optimizers import Adagrad, Adam, Optimizer, RMSprop, SGD, get  # noqa: F401
