"""How long File > Open takes for a project whose run has a long history (issue 27).

    QT_QPA_PLATFORM=offscreen python -m benchmarks.open_long_history [BATCH_POINTS] [EPOCH_POINTS]

Writes a project (the MNIST MLP template and one run of BATCH_POINTS batch rows and
EPOCH_POINTS epoch rows, default 1,000,000 and 20,000) to a temporary folder, then times
`open_project` alone and File > Open in a real window (the Train page drawing the curves).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def history(n_batch: int, n_epoch: int):
    from visualnet.engine.run_history import RunHistory

    rng = np.random.default_rng(0)
    steps = list(range(1, n_batch + 1))
    return RunHistory.from_dict({
        "status": "finished", "settings": {"metrics": ["accuracy"]},
        "batch": {"step": steps, "epoch": [s // 100 for s in steps], "loss": rng.random(n_batch).tolist(),
                  "loss_smoothed": rng.random(n_batch).tolist(), "accuracy": rng.random(n_batch).tolist(),
                  "learning_rate": [1e-3] * n_batch},
        "epoch": {"step": list(range(100, 100 * n_epoch + 1, 100)), "epoch": list(range(n_epoch)),
                  "loss": rng.random(n_epoch).tolist(), "val_loss": rng.random(n_epoch).tolist(),
                  "accuracy": rng.random(n_epoch).tolist()}}, copy=False)


def main(argv: list[str]) -> None:
    from PySide6.QtWidgets import QApplication

    from visualnet.graph.templates import get_template
    from visualnet.gui.app import build_window
    from visualnet.io.project import Project, Run, open_project, save_project

    n_batch, n_epoch = (int(a) for a in (argv + ["1000000", "20000"][len(argv):])[:2])
    path = Path(tempfile.mkdtemp()) / "long.vnet"
    save_project(Project(get_template("mnist_mlp").load(), runs=[Run.from_run_history(history(n_batch, n_epoch))]),
                 path)
    app = QApplication.instance() or QApplication([])
    window = build_window()
    window.show()
    app.processEvents()
    t = time.perf_counter()
    open_project(path)
    print(f"open_project: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    assert window.files.open_path(path)
    app.processEvents()
    print(f"File > Open ({n_batch:,} batch and {n_epoch:,} epoch points, {path.stat().st_size / 1e6:.1f} MB): "
          f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
