"""Test-wide set-up: Qt offscreen, and real Keras (the oracle) on the PyTorch backend."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")
