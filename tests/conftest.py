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


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true",
                     help="also run the tests marked slow (the full tutorial suite, long oracle sweeps, fuzzing); "
                          "the default run keeps a fast sample of each")


def pytest_collection_modifyitems(config, items):
    """Tests marked `slow` run only with --slow (or `-m slow`)."""
    if config.getoption("--slow") or "slow" in (config.getoption("-m") or ""):
        return
    kept = [item for item in items if "slow" not in item.keywords]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if "slow" in item.keywords])
        items[:] = kept
