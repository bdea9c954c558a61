"""Keras-compatible callbacks namespace."""

from .engine.callbacks import (  # noqa: F401
    Callback, CallbackList, EarlyStopping, History, LambdaCallback, LearningRateScheduler,
    ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau, TerminateOnNaN,
)
from .engine.callbacks_files import BackupAndRestore, CSVLogger  # noqa: F401
