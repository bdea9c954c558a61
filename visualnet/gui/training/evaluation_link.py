"""The Evaluation tab's link to the trained model: `EvaluationLink.evaluate()` runs the
test-set evaluation off the GUI thread (the page shows "Evaluating" meanwhile), and
`predict_raw` predicts drawn pixels or typed rows through the data recipe."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Slot

from visualnet import data

from .. import collector
from .evaluation_view import evaluate_prepared
from .status import BackgroundCall


class EvaluationLink(QObject):
    """A QObject of the GUI thread: the evaluation thread's results are queued to it."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.view = page.evaluation
        self._state_before = "idle"
        self.view.predict_requested.connect(self.predict_raw)

    def evaluate(self) -> None:
        page = self.page
        if page.closed or page.state in ("running", "paused") or page.prepared is None:
            return
        try:
            session = page.view_session()
        except (ValueError, TypeError) as exc:
            page.error(f"Cannot evaluate: {exc}")
            return
        if session is None:
            return
        prepared = page.prepared
        call = BackgroundCall(lambda: evaluate_prepared(session, prepared), page)
        call.call.done.connect(self._evaluated)
        call.call.failed.connect(self._failed)
        call.finished.connect(lambda c=call: page.threads.remove(c) if c in page.threads else None)
        page.threads.append(call)
        self._state_before = page.state
        page.set_state("evaluating")
        collector.start_off_gui_thread(call)

    @Slot(object)
    def _evaluated(self, report) -> None:
        self.view.show_report(report)
        self.page.set_state(self._state_before)
        if report is not None:
            self.page.log_line("Test set: " + " - ".join(f"{k}: {v:.4f}" for k, v in report.logs.items()))
            self.page.workspace.record_test(report.logs)

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.page.error(message)
        self.page.set_state(self._state_before)

    def predict_raw(self, raw) -> None:
        """Predict drawn pixels or typed rows through the recipe's transform_for_prediction."""
        page = self.page
        if page.model is None or page.state in ("running", "paused"):
            return
        recipe = page.prepared.recipe
        try:
            if isinstance(raw, list):
                try:
                    raw = np.array([[float(v) for v in row] for row in raw], np.float64)
                except ValueError:
                    pass
            x = data.transform_for_prediction(recipe, raw)
            with collector.held():
                y = page.model.predict(x, verbose=0)
        except (data.DataError, ValueError) as exc:
            page.error(f"Cannot predict: {exc}")
            return
        if recipe.fitted["task"] == "regression":
            self.view.show_value(float(np.asarray(y).reshape(-1)[0]))
        else:
            from visualnet.engine.evaluation import predicted_classes
            probs = predicted_classes(y)[2][0]
            self.view.show_probabilities(probs, recipe.fitted["class_names"])
