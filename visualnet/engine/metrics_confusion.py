"""Metrics over cumulated confusion counts, as Keras 3 computes them: precision and recall
(with `thresholds`, `top_k`, `class_id`) and the true/false positive/negative counts."""

import numpy as np

from visualnet.engine.loss_base import _same_rank
from visualnet.engine.metric_base import Metric

_F = np.float32
_NEG_INF = -1e10


def check_thresholds(thresholds):
    """Keras's `assert_thresholds_range`: every threshold in [0, 1]."""
    if thresholds is not None:
        listed = thresholds if isinstance(thresholds, (list, tuple)) else [thresholds]
        bad = [t for t in listed if t is None or not 0 <= t <= 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")


def confusion_counts(y_true, y_pred, thresholds, top_k=None, class_id=None, sample_weight=None):
    """Keras's `update_confusion_matrix_variables` for one batch: the (sample-weighted) true
    positives, false positives, true negatives and false negatives at each threshold
    (`y_pred > threshold` is a positive), over every entry of the batch."""
    y_pred, y_true = _same_rank(np.asarray(y_pred, _F), np.asarray(y_true, _F))
    if sample_weight is not None:
        sw = np.asarray(sample_weight, _F)[..., None]
        _, sample_weight = _same_rank(y_true, sw, expand_rank_1=False)
    if top_k is not None:
        top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :top_k]
        keep = np.zeros(y_pred.shape, bool)
        np.put_along_axis(keep, top, True, axis=-1)
        y_pred = np.where(keep, y_pred, _F(_NEG_INF))
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array "
                             "with shape (num_samples, num_classes), found shape: "
                             f"{y_pred.shape}")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    weights = 1.0 if sample_weight is None else \
        np.broadcast_to(sample_weight, y_pred.shape).reshape(1, -1)
    pred_pos = y_pred.reshape(1, -1) > np.asarray(thresholds, _F)[:, None]
    label_pos = y_true.reshape(1, -1).astype(bool)
    count = lambda cells: np.sum(cells * weights, axis=1, dtype=np.float64)  # noqa: E731
    return (count(label_pos & pred_pos), count(~label_pos & pred_pos),
            count(~label_pos & ~pred_pos), count(label_pos & ~pred_pos))


class _Confusion(Metric):
    """Cumulated confusion counts over thresholds (Precision, Recall)."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        check_thresholds(thresholds)
        self.init_thresholds = thresholds
        default = 0.5 if top_k is None else _NEG_INF
        self.thresholds = np.atleast_1d(np.asarray(
            default if thresholds is None else thresholds, dtype=_F))
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name, dtype)

    def reset_state(self):
        n = len(self.thresholds)
        self.true_positives, self.false_positives = np.zeros(n), np.zeros(n)
        self.true_negatives, self.false_negatives = np.zeros(n), np.zeros(n)

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, tn, fn = confusion_counts(y_true, y_pred, self.thresholds, self.top_k, self.class_id,
                                          sample_weight)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _ratio(self, other):
        den = self.true_positives + other
        out = np.divide(self.true_positives, den, out=np.zeros_like(den), where=den != 0)
        return float(out[0]) if len(out) == 1 else out

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_Confusion):
    """TP / (TP + FP), cumulated over the epoch (per threshold if several)."""

    def result(self):
        return self._ratio(self.false_positives)


class Recall(_Confusion):
    """TP / (TP + FN), cumulated over the epoch (per threshold if several)."""

    def result(self):
        return self._ratio(self.false_negatives)


class _Count(Metric):
    """One cumulated confusion count (weighted), at each threshold (default 0.5): a number
    for one threshold, an array for several."""

    _index = 0

    def __init__(self, thresholds=None, name=None, dtype=None):
        check_thresholds(thresholds)
        self.init_thresholds = thresholds
        self.thresholds = np.atleast_1d(np.asarray(0.5 if thresholds is None else thresholds, dtype=_F))
        super().__init__(name, dtype)

    def reset_state(self):
        self.accumulator = np.zeros(len(self.thresholds))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.accumulator += confusion_counts(y_true, y_pred, self.thresholds,
                                             sample_weight=sample_weight)[self._index]

    def result(self):
        return float(self.accumulator[0]) if len(self.accumulator) == 1 else self.accumulator.copy()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_Count):
    """The (weighted) number of true positives: label 1, `y_pred > threshold`."""

    _index = 0


class FalsePositives(_Count):
    """The (weighted) number of false positives: label 0, `y_pred > threshold`."""

    _index = 1


class TrueNegatives(_Count):
    """The (weighted) number of true negatives: label 0, `y_pred <= threshold`."""

    _index = 2


class FalseNegatives(_Count):
    """The (weighted) number of false negatives: label 1, `y_pred <= threshold`."""

    _index = 3
