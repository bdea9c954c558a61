"""The evaluation report: the test split's metrics, confusion matrix or regression errors,
and what the Evaluation tab shows of the test samples (images, table rows or the start of
each text). Computed off the GUI thread; the numbers come from `visualnet.engine.evaluation`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visualnet.data.preview import raw_text
from visualnet.data.sequence_builtins import decode
from visualnet.engine import evaluation


TEXT_CHARS = 200      # characters of a test text shown with a mistake


@dataclass
class EvaluationReport:
    """What the evaluation view shows (computed off the GUI thread by `evaluate_prepared`)."""
    task: str
    class_names: list
    logs: dict                   # test loss and metrics
    result: object               # evaluation.ClassificationResult or RegressionResult
    images: "np.ndarray | None"  # uint8 test images for the gallery (image data)
    rows: "np.ndarray | None"    # raw test rows (tables)
    feature_names: list
    kind: str = "table"          # the dataset's kind: image, table, text or timeseries
    texts: "list | None" = None  # the start of each test text (text data)


def evaluate_prepared(session, prepared) -> EvaluationReport | None:
    """Evaluate the session's model on the prepared test split (engine and data calls)."""
    if prepared.recipe.mapping is not None:       # several outputs (issue 23): per-output metrics
        from .evaluation_outputs import evaluate_outputs
        return evaluate_outputs(session, prepared)
    test = prepared.test
    if len(test) == 0 or test.y is None:
        return None
    fitted = prepared.recipe.fitted
    logs = session.evaluate(test.x, test.y)
    task = fitted["task"]
    ds = prepared.dataset
    images = rows = texts = None
    if ds.kind == "image":
        images = np.stack([evaluation.image_for_display(ds.x[i]) for i in test.indices])
    elif raw_text(ds):
        texts = [" ".join(str(ds.x[i].reshape(-1)[0])[:2 * TEXT_CHARS].split())[:TEXT_CHARS] for i in test.indices]
    elif ds.kind == "text" and ds.vocabulary:
        texts = [decode(ds.x[i].reshape(-1), ds.vocabulary)[:TEXT_CHARS] for i in test.indices]
    else:
        rows = np.asarray(ds.x[test.indices], dtype=np.float64).reshape(len(test), -1)
    if task == "regression":
        result = evaluation.regress(session.model, test.x, test.y)
    else:
        result = evaluation.classify(session.model, test.x, test.y, max(len(fitted["class_names"]), 2))
    return EvaluationReport(task, list(fitted["class_names"]), logs, result, images, rows,
                            list(fitted.get("feature_names") or []), ds.kind, texts)
