"""The Train page against `fit`, side by side in one process (issue 28's row).

The same model (a template), data (a built-in dataset's training split), batch size, epochs
and optimizer are trained by the app's Train page (the real window, offscreen Qt: the
worker thread, the throttled reports, the curves and the inside view drawn) and by
`model.fit` on the engine, alternating runs; the first run of each is a warm-up (JIT). The
figure is samples per second of wall time from Train to finished (for `fit`: from building
the model from the same graph and compiling it, as the page does, to `fit`'s return), and
the ratio page/fit (of the medians, and the median of each page run's ratio to the fit run
after it, which a machine's drift in speed disturbs less).

    PYTHONPATH=. .venv/bin/python -m benchmarks.train_page [--template mnist_mlp] [--epochs 3] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def page_run(app, page, epochs: int) -> float:
    """Seconds from Train to the run's end (the evaluation that follows is waited for, untimed)."""
    from PySide6.QtCore import QEventLoop, QTimer

    page.settings.epochs.setValue(epochs)
    ended = {}
    loop = QEventLoop()

    def changed(state):
        if state in ("finished", "stopped", "failed", "diverged") and "at" not in ended:
            ended["at"], ended["state"] = time.perf_counter(), state
        if "at" in ended and state != "evaluating":
            loop.quit()

    page.state_changed.connect(changed)
    t0 = time.perf_counter()
    assert page.train(), page.window.statusBar().currentMessage()
    QTimer.singleShot(600_000, loop.quit)
    while page.state in ("running", "paused", "evaluating") or "at" not in ended:
        loop.exec()
    page.state_changed.disconnect(changed)
    assert ended.get("state") == "finished", ended
    return ended["at"] - t0


def fit_run(page, epochs: int) -> float:
    """Seconds to build the model from the canvas's graph, compile it and `fit` it (the
    page's time includes the same building and compiling)."""
    from visualnet.engine.model import Model

    config = page.settings.config(has_validation=False)
    x, y = page.data_panel.training_arrays()
    t0 = time.perf_counter()
    model = Model.from_graph(page.document.graph)
    model.compile(optimizer={"class_name": config.optimizer, "config": dict(config.optimizer_params)},
                  loss=config.loss, metrics=list(config.metrics))
    model.fit(x, y, batch_size=config.batch_size, epochs=epochs, shuffle=True, verbose=0)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--template", default="mnist_mlp")
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from visualnet.gui.app import build_window

    app = QApplication.instance() or QApplication([])
    window = build_window()
    window.resize(1400, 900)
    window.show()
    window.load_template(args.template)
    page = window.training_page
    window.pages.setCurrentWidget(page)
    app.processEvents()
    page.select_dataset(args.dataset)
    n = len(page.data_panel.training_arrays()[1])
    page_run(app, page, 1)
    fit_run(page, 1)
    pages, fits = [], []
    for _ in range(args.runs):
        pages.append(n * args.epochs / page_run(app, page, args.epochs))
        fits.append(n * args.epochs / fit_run(page, args.epochs))
    p, f = statistics.median(pages), statistics.median(fits)
    paired = statistics.median(a / b for a, b in zip(pages, fits))   # each page run against the fit run after it
    print(f"{args.template} on {args.dataset} ({n:,} samples, {args.epochs} epochs, batch "
          f"{page.settings.batch_size.value()}), median of {args.runs}:")
    print(f"  Train page  {p:10,.0f} samples/s   runs: {', '.join(f'{v:,.0f}' for v in pages)}")
    print(f"  fit         {f:10,.0f} samples/s   runs: {', '.join(f'{v:,.0f}' for v in fits)}")
    print(f"  page / fit  {p / f:.2f}x (median of the runs' ratios {paired:.2f}x)", flush=True)
    os._exit(0)     # no "discard the changes?" question from the window on the way out


if __name__ == "__main__":
    raise SystemExit(main())
