"""The Evaluation tab's link to the trained model, both off the GUI thread (through the
page's `EngineCalls`): `EvaluationLink.evaluate()` runs the test-set evaluation (the page
shows "Evaluating" meanwhile), and `predict_raw` predicts drawn pixels, an opened image or
typed rows through the data recipe (a newer prediction supersedes one not yet shown)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject

from visualnet import data
from visualnet.engine.evaluation import predicted_classes

from .evaluation_outputs import first_output
from .evaluation_report import evaluate_prepared


@dataclass
class Prediction:
    """A prediction's outcome, computed off the GUI thread: probabilities (classification),
    a value (regression), or the reason there is none."""
    probabilities: "np.ndarray | None" = None
    class_names: "list | None" = None
    value: "float | None" = None
    error: str = ""


def predict(model, recipe, raw) -> Prediction:
    """Raw samples (drawn pixels, an image, typed rows) through the recipe and the model."""
    try:
        if isinstance(raw, list):
            try:
                raw = np.array([[float(v) for v in row] for row in raw], np.float64)
            except ValueError:
                pass
        x = data.transform_for_prediction(recipe, raw)
        y = first_output(model, recipe, model.predict(x, verbose=0))   # several outputs: the first mapped one's
    except (data.DataError, ValueError) as exc:
        return Prediction(error=str(exc))
    if recipe.fitted["task"] == "regression":
        return Prediction(value=float(np.asarray(y).reshape(-1)[0]))
    return Prediction(probabilities=predicted_classes(y)[2][0], class_names=list(recipe.fitted["class_names"]))


class EvaluationLink(QObject):
    """A QObject of the GUI thread: the engine calls' results are queued to it."""

    def __init__(self, page, calls):
        super().__init__(page)
        self.page = page
        self.calls = calls
        self.view = page.evaluation
        self._state_before = "idle"
        self.view.predict_requested.connect(self.predict_raw)
        # after the page's own slot (which sets the input kind): a table's form offers its categories
        page.data_panel.prepared_changed.connect(self._data_changed)

    def _data_changed(self, prepared) -> None:
        self.view.set_columns(prepared.recipe.fitted.get("columns"))

    def evaluate(self) -> None:
        page = self.page
        if page.closed or page.state in ("running", "paused", "evaluating") or page.prepared is None:
            return
        try:
            session = page.view_session()
        except (ValueError, TypeError) as exc:
            page.error(f"Cannot evaluate: {exc}")
            return
        if session is None:
            return
        prepared = page.prepared
        self._state_before = page.state
        page.set_state("evaluating")
        self.calls.submit("evaluate", lambda: evaluate_prepared(session, prepared),
                          lambda report: self._evaluated(report, session.model, prepared), self._failed)

    def _evaluated(self, report, model, prepared) -> None:
        self._end_evaluating()
        if model is not self.page.model or prepared is not self.page.prepared:
            return                                 # the data or the model changed meanwhile: stale
        self.view.show_report(report)
        if report is not None:
            self.page.log_line("Test set: " + " - ".join(f"{k}: {v:.4f}" for k, v in report.logs.items()))
            self.page.workspace.record_test(report.logs)

    def _failed(self, message: str) -> None:
        self.page.error(message)
        self._end_evaluating()

    def _end_evaluating(self) -> None:
        if self.page.state == "evaluating":      # not a run started meanwhile
            self.page.set_state(self._state_before)

    def predict_raw(self, raw) -> bool:
        """Predict drawn pixels, an image or typed rows through the recipe's
        transform_for_prediction, off the GUI thread; False if no model can."""
        page = self.page
        if page.model is None or page.prepared is None or page.state in ("running", "paused"):
            return False
        model, recipe = page.model, page.prepared.recipe
        self.view.prediction_pending()
        self.calls.submit("predict", lambda: predict(model, recipe, raw),
                          lambda result: self._predicted(result, model), self._predict_failed)
        return True

    def _predicted(self, result: Prediction, model) -> None:
        if model is not self.page.model:          # another run or project since: the result is stale
            self.view.prediction_label.clear()
        elif result.error:
            self._predict_failed(f"Cannot predict: {result.error}")
        elif result.value is not None:
            self.view.show_value(result.value)
        else:
            self.view.show_probabilities(result.probabilities, result.class_names)

    def _predict_failed(self, message: str) -> None:
        self.view.prediction_label.setText(message.replace("Evaluation failed", "Prediction failed"))
        self.page.error(message)
