"""The commands import no Qt (they run on servers without a display); `visualnet` without a
command, or with a file or template, still opens the app."""

import subprocess
import sys

import numpy as np

from visualnet import data

SCRIPT = """
import sys
from visualnet.__main__ import main
project, folder = sys.argv[1:]
commands = [["train", project, "--json"], ["info", project], ["evaluate", project],
            ["predict", project, "--input", folder + "/x.npy", "-o", folder + "/y.csv"],
            ["export", project, "--format", "torch-script", "-o", folder + "/t.py"]]
codes = [main(c) for c in commands]
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"))
print("RESULT", codes, qt)
"""


def test_every_command_runs_without_importing_qt(iris_project, tmp_path):
    np.save(tmp_path / "x.npy", data.load_builtin("iris").x[:4])
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(iris_project), str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "RESULT [0, 0, 0, 0, 0] []"


def test_version():
    done = subprocess.run([sys.executable, "-m", "visualnet", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"visualnet {__import__('visualnet').__version__}"


def test_no_command_or_a_file_or_template_opens_the_app(monkeypatch):
    import visualnet.gui.app
    from visualnet.__main__ import main

    opened = []
    monkeypatch.setattr(visualnet.gui.app, "run", lambda *args: opened.append(args) or 0)
    assert main([]) == 0 and main(["mnist_cnn", "--screenshot", "s.png"]) == 0 and main(["train.vnet"]) == 0
    assert [a[:2] for a in opened] == [(None, None), ("mnist_cnn", "s.png"), ("train.vnet", None)]
