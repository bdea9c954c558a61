"""Keras-compatible learning-rate schedules namespace (`keras.optimizers.schedules`)."""

from ..engine.schedules import (  # noqa: F401
    CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, LearningRateSchedule,
    PiecewiseConstantDecay, PolynomialDecay, deserialize, serialize,
)
from ..engine.schedules import __all__  # noqa: F401
