"""Keras-compatible optimizers namespace (`keras.optimizers`), with `schedules`
(`keras.optimizers.schedules`)."""

from ..engine.optimizers import (  # noqa: F401
    Adadelta, Adagrad, Adam, Adamax, AdamW, Ftrl, Lion, Nadam, Optimizer, RMSprop, SGD, deserialize, get,
    optimizer_class, serialize,
)
from . import schedules  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Nadam", "Adamax", "Adadelta", "Ftrl", "Lion", "RMSprop",
           "Adagrad", "get", "optimizer_class", "serialize", "deserialize", "schedules"]
