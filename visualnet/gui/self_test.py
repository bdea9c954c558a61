"""`visualnet --self-test`: proves an installation (a source checkout or a bundle) works,
without a screen and without touching the user's projects, settings or recent files.

It opens the main window offscreen (with its training page), loads a template, trains it for
one epoch on the built-in MNIST sample on the training page (its worker thread, as a click on
Train does), saves the project through the File menu's code (on its worker thread), closes it,
reopens it and checks that the graph, the weights, the optimizer state, the runs and the
predictions came back on the training page; it also checks the resources, the Numba cache folder and the
log folder. Each check prints one line; the exit code is 0 only if every check passed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = "mnist_mlp"
DATASET = "mnist"


class Checks:
    def __init__(self, out):
        self.out = out
        self.passed = 0
        self.failed = 0

    def ok(self, text: str) -> None:
        self.passed += 1
        print(f"  ok    {text}", file=self.out, flush=True)

    def fail(self, text: str) -> None:
        self.failed += 1
        print(f"  FAIL  {text}", file=self.out, flush=True)

    def check(self, condition: bool, text: str, why: str = "") -> bool:
        (self.ok if condition else self.fail)(text if condition or not why else f"{text}: {why}")
        return bool(condition)


def prepare_environment(workdir: Path) -> None:
    """Before Qt is imported: offscreen unless told otherwise; settings and recovery files
    in a throw-away folder (the user's own stay untouched)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["VISUALNET_SETTINGS_FILE"] = str(workdir / "settings.ini")
    os.environ["VISUALNET_RECOVERY_DIR"] = str(workdir / "recovery")


def run_self_test(out=None, workdir: Path | None = None) -> int:
    out = out or sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(errors="replace")   # a console that cannot show a character gets '?', not an error
    own_dir = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="visualnet-self-test-"))
    prepare_environment(workdir)
    checks = Checks(out)
    started = time.perf_counter()
    frozen = bool(getattr(sys, "frozen", False))
    print(f"VisualNet self-test ({'bundle' if frozen else 'Python'}: {sys.executable})", file=out, flush=True)
    try:
        _run(checks, workdir)
    except Exception as exc:  # noqa: BLE001 - a self-test reports, never crashes
        import traceback

        checks.fail(f"unexpected {type(exc).__name__}: {exc}")
        traceback.print_exc(file=out)
    finally:
        if own_dir:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    total = time.perf_counter() - started
    verdict = "PASSED" if checks.failed == 0 else "FAILED"
    print(f"self-test {verdict}: {checks.passed} passed, {checks.failed} failed in {total:.1f} s", file=out,
          flush=True)
    return 0 if checks.failed == 0 else 1


def _run(checks: Checks, workdir: Path) -> None:
    from visualnet.logs import setup_logging
    from visualnet.resources import resource_dir

    from .dialogs import versions

    v = versions()
    checks.ok("versions: " + ", ".join(f"{k} {v[k]}" for k in ("VisualNet", "Python", "NumPy", "Numba", "Qt")))
    res = resource_dir()
    templates = sorted(p.stem for p in (res / "templates").glob("*.json"))
    mnist = res / "datasets" / "mnist" / "t10k-images-idx3-ubyte.gz"
    checks.check(TEMPLATE in templates and mnist.exists(), f"resources in {res}: {len(templates)} templates, "
                 f"MNIST sample", "missing templates or the MNIST sample")
    log_file = setup_logging()
    checks.check(log_file is not None and log_file.exists(), f"log file writable: {log_file}",
                 "the log folder cannot be written")

    from visualnet.engine import _jit  # noqa: F401  (sets NUMBA_CACHE_DIR)

    cache = Path(os.environ["NUMBA_CACHE_DIR"])
    try:
        cache.mkdir(parents=True, exist_ok=True)
        probe = cache / f".probe-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
        checks.ok(f"Numba cache folder writable: {cache}")
    except OSError as exc:
        checks.fail(f"Numba cache folder {cache} is not writable: {exc}")

    # ---------------------------------------------------------------- window
    t0 = time.perf_counter()
    from PySide6.QtWidgets import QApplication

    from .app import build_window, create_app

    app = create_app(theme_mode="light")
    window = build_window()
    window.ask_before_discarding = False
    window.files.quiet = True
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    checks.check(window.isVisible() and window.windowTitle().endswith("VisualNet"),
                 f"main window shown ({QApplication.platformName()}) in {time.perf_counter() - t0:.2f} s")
    page = getattr(window, "training_page", None)
    tabs = [window.pages.tabText(i) for i in range(window.pages.count())]
    checks.check(page is not None and "Train" in tabs, f"pages: {', '.join(tabs)}", "no training page")
    if page is not None:
        _train_save_reopen(checks, app, window, page, workdir)
    cached = sorted(cache.rglob("*.nbi"))
    checks.check(bool(cached), f"Numba kernels cached on disk: {len(cached)} index files under {cache}",
                 "no cache index written (kernels recompile at every start)")
    window.close()      # deferred while a thread of the page runs: wait for it as the event loop would
    deadline = time.monotonic() + 120
    while window.isVisible() or (page is not None and any(
            t is not None and t.isRunning() for t in [page.thread, *page.threads])):
        if time.monotonic() > deadline:
            checks.fail("the window did not close: a thread of the Train page still runs")
            break
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()


def _train_save_reopen(checks: Checks, app, window, page, workdir: Path) -> None:
    import numpy as np

    from . import collector

    window.load_template(TEMPLATE)
    app.processEvents()
    errors = [p for p in window.document.problems if p.severity == "error"]
    checks.check(len(window.graph.nodes) == 5 and not errors,
                 f"template '{TEMPLATE}' loaded: {len(window.graph.nodes)} layers, "
                 f"{sum(i.params for i in window.document.info.values()):,} parameters, valid",
                 f"{len(window.graph.nodes)} layers, problems: {[p.message for p in errors]}")

    # ---------------------------------------------------------------- training (the page's worker thread)
    def settle(timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while page.state in ("running", "paused", "evaluating") and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)

    t0 = time.perf_counter()
    page.select_dataset(DATASET)
    page.settings.batch_size.setValue(128)
    page.settings.epochs.setValue(1)
    started = page.train()
    settle()
    final = page.runs[-1]["history"].get("final", {}) if page.runs else {}
    loss, acc = final.get("loss", float("nan")), final.get("accuracy", 0.0)
    n_train = len(page.prepared.train) if page.prepared is not None else 0
    trained = started and page.state == "finished" and np.isfinite(loss) and acc > 0.5
    checks.check(trained, f"trained 1 epoch on the built-in MNIST sample ({n_train:,} digits) on the training page: "
                 f"loss {loss:.3f}, accuracy {acc:.3f} in {time.perf_counter() - t0:.1f} s",
                 f"state {page.state}, {page.log.toPlainText().splitlines()[-3:]}")
    if not trained:
        return
    checks.check(window.isWindowModified(), "the trained weights are unsaved changes", "the title shows no change")
    x_check = page.prepared.test.x[:64]
    with collector.held():
        expected = page.model.predict(x_check, verbose=0)
    iterations = page.session.optimizer.iterations
    ids = set(window.graph.nodes)

    # ---------------------------------------------------------------- save and reopen
    files = window.files
    path = workdir / "self-test.vnet"
    files.background_bytes = 0          # through the worker thread, as a large project would go
    t0 = time.perf_counter()
    saved = files.save_to(path, wait=True)
    checks.check(saved and path.exists() and not window.isWindowModified() and window.windowTitle().startswith(
        path.name), f"project saved on the worker thread: {path.name}, {path.stat().st_size / 1e6:.1f} MB in "
        f"{time.perf_counter() - t0:.2f} s" if path.exists() else "project saved", str(files.last_error))

    files.close_project()
    checks.check(not window.graph.nodes and not page.runs and page.model is None, "project closed")
    reopened = files.open_path(path)
    same_graph = reopened and set(window.graph.nodes) == ids and set(files.parts.weights) < ids
    checks.check(same_graph, f"project reopened: {window.windowTitle()}", str(files.last_error))
    diff = float("inf")
    if page.model is not None:
        with collector.held():
            diff = float(np.max(np.abs(page.model.predict(x_check, verbose=0) - expected)))
    optimizer = files.parts.optimizer
    came_back = (diff <= 1e-6 and len(page.runs) == 1 and page.prepared is not None and optimizer is not None
                 and int(optimizer.arrays["iterations"]) == iterations)
    checks.check(came_back, f"weights, optimizer state, data recipe and run history came back on the training page; "
                 f"predictions differ by {diff:.1e}",
                 f"max diff {diff}, runs {len(page.runs)}, optimizer {optimizer is not None}")

