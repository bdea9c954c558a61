"""Test-wide set-up: Qt offscreen, and real Keras (the oracle) on the PyTorch backend."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# settings, recovery files and logs of the app under test never touch the user's own
_HOME = tempfile.mkdtemp(prefix="visualnet-tests-")
os.environ.setdefault("VISUALNET_SETTINGS_FILE", os.path.join(_HOME, "settings.ini"))
os.environ.setdefault("VISUALNET_RECOVERY_DIR", os.path.join(_HOME, "recovery"))
os.environ.setdefault("VISUALNET_LOG_DIR", os.path.join(_HOME, "logs"))
os.environ.setdefault("KERAS_BACKEND", "torch")
