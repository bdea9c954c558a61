"""Keras-compatible callbacks namespace."""

from .engine.callbacks import (  # noqa: F401
    BackupAndRestore, CSVLogger, Callback, CallbackList, EarlyStopping, History, LambdaCallback, LearningRateScheduler,
    ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau, TerminateOnNaN,
)
