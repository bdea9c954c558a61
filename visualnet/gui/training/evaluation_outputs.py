"""The evaluation report of a model with several outputs (a recipe that maps table columns
to them): the test loss and every output's loss and metrics by Keras's names, and each
output's confusion matrix (a class output) or errors (a number output); the report shows
one of them (the first class output unless another is chosen: `for_output`). Computed off
the GUI thread."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from visualnet.engine import evaluation
from visualnet.engine.model_structure import output_names

from .evaluation_report import EvaluationReport


@dataclass
class OutputsReport(EvaluationReport):
    """An `EvaluationReport` of output `output`, one of `outputs` (its class outputs first);
    `per_output` holds every output's (task, class names, result)."""
    output: str = ""
    outputs: list = field(default_factory=list)
    per_output: dict = field(default_factory=dict)

    def for_output(self, name: str) -> "OutputsReport":
        """The same report showing output `name`."""
        task, class_names, result = self.per_output[name]
        return dataclasses.replace(self, task=task, class_names=list(class_names), result=result, output=name)


def evaluate_outputs(session, prepared, output: "str | None" = None) -> "OutputsReport | None":
    """Per-output metrics of the test split and the confusion matrix of `output` (a class output)."""
    test = prepared.test
    targets = prepared.recipe.fitted["mapping"]["outputs"]
    if len(test) == 0 or not test.y or not targets:
        return None
    logs = session.evaluate(test.x, test.y)
    model = session.model
    names = output_names(model)
    preds = model.predict(test.x, verbose=0)
    preds = dict(zip(names, preds if isinstance(preds, (list, tuple)) else [preds]))
    order = [n for n in targets if targets[n]["task"] != "regression"] + \
        [n for n in targets if targets[n]["task"] == "regression"]
    per_output = {name: (targets[name]["task"], list(targets[name]["class_names"]),
                         _result(targets[name], test.y[name], preds[name])) for name in order}
    ds = prepared.dataset
    rows = np.asarray(ds.x[test.indices], dtype=np.float64).reshape(len(test), -1)
    first = order[0]
    report = OutputsReport(per_output[first][0], per_output[first][1], logs, per_output[first][2], None, rows,
                           list(ds.feature_names), ds.kind, None, output=first, outputs=order, per_output=per_output)
    return report.for_output(output) if output in per_output else report


def _result(target: dict, y_true, y_pred):
    if target["task"] == "regression":
        return _regression(y_true, y_pred)
    pred, conf, probs = evaluation.predicted_classes(y_pred)
    true = evaluation.class_indices(y_true)
    cm = evaluation.confusion_matrix(true, pred, max(len(target["class_names"]), 2))
    return evaluation.ClassificationResult(true, pred, conf, probs, cm, evaluation.per_class_report(cm),
                                           float(np.mean(true == pred)) if len(true) else 0.0)


def _regression(y_true, y_pred) -> evaluation.RegressionResult:
    y_true = np.asarray(y_true, np.float64).reshape(len(y_true), -1)[:, 0]
    y_pred = np.asarray(y_pred, np.float64).reshape(len(y_pred), -1)[:, 0]
    res = y_pred - y_true
    ss = float(np.sum((y_true - y_true.mean()) ** 2)) if len(y_true) else 0.0
    r2 = 1.0 - float(np.sum(res ** 2)) / ss if ss > 0 else 0.0
    return evaluation.RegressionResult(y_true, y_pred, res, float(np.mean(np.abs(res))) if len(res) else 0.0,
                                       float(np.sqrt(np.mean(res ** 2))) if len(res) else 0.0, r2)


def first_output(model, recipe, y):
    """Of a prediction `y` of several outputs, the array of the recipe's first mapped output
    (whose task and classes the recipe's `fitted` gives); `y` itself for one output."""
    if not isinstance(y, (list, tuple)):
        return y
    mapped = list(((recipe.fitted or {}).get("mapping") or {}).get("outputs") or [])
    names = output_names(model)
    return y[names.index(mapped[0])] if mapped and mapped[0] in names else y[0]
