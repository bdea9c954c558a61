"""The area under the ROC or precision-recall curve, as Keras 3's `AUC` computes it: confusion
counts cumulated at `num_thresholds` thresholds over the epoch, then a Riemann sum (or, for PR
with interpolation, Davis & Goadrich's interpolation)."""

import numpy as np

from visualnet.engine.loss_base import EPSILON, _same_rank, _sigmoid
from visualnet.engine.metric_base import Metric

_F = np.float32
_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


def _div(a, b):
    """Keras's divide_no_nan: 0 where the divisor is 0."""
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def _evenly_spaced(thresholds) -> bool:
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n, dtype=_F) / (n - 1), atol=EPSILON)


class AUC(Metric):
    """Area under the ROC curve (`curve="ROC"`) or the precision-recall curve ("PR");
    `multi_label=True` computes one per label column of 2-D data and averages them (weighted
    by `label_weights`); `from_logits` applies a sigmoid first."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES or str(curve) not in (str(curve).lower(), str(curve).upper()):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]')
        if summation_method not in _SUMMATIONS + tuple(s.capitalize() for s in _SUMMATIONS):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            inner = sorted(float(t) for t in thresholds)
            self._evenly = _evenly_spaced(np.array([0.0] + inner + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - EPSILON] + inner + [1.0 + EPSILON])
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = summation_method.lower()
        if not multi_label and num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.multi_label, self.num_labels = bool(multi_label), num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, _F)
        self.from_logits = bool(from_logits)
        super().__init__(name, dtype)

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    def reset_state(self):
        labels = self.num_labels or getattr(self, "_labels_seen", None)
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = None
        if self.multi_label and not labels:   # the labels' count comes with the first batch
            return
        shape = (self.num_thresholds, labels) if self.multi_label else (self.num_thresholds,)
        self.true_positives, self.false_positives = np.zeros(shape), np.zeros(shape)
        self.true_negatives, self.false_negatives = np.zeros(shape), np.zeros(shape)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred, y_true = _same_rank(np.asarray(y_pred, _F), np.asarray(y_true, _F))
        if self.from_logits:
            y_pred = _sigmoid(y_pred)
        if self.multi_label and y_pred.ndim != 2:
            raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                             f"{y_pred.ndim}. Full shape received for `y_pred`: {y_pred.shape}")
        if self.true_positives is None:
            self._labels_seen = y_pred.shape[1]
            self.reset_state()
        w = np.ones(y_pred.shape, _F)
        if sample_weight is not None:
            sw = np.asarray(sample_weight, _F)[..., None]
            _, sw = _same_rank(y_true, sw, expand_rank_1=False)
            w = np.broadcast_to(sw, y_pred.shape).astype(_F)
        if self.label_weights is not None and not self.multi_label:
            w = w * np.broadcast_to(self.label_weights, y_pred.shape)
        pos = y_true.astype(bool).astype(_F)
        if not self.multi_label:
            pos, w, y_pred = pos.reshape(-1, 1), w.reshape(-1, 1), y_pred.reshape(-1, 1)
        true_w, false_w = pos * w, (1 - pos) * w
        if self._evenly:   # Keras's bucketed update: p falls in bucket ceil(p * (n - 1)) - 1 (at least 0)
            p = np.clip(y_pred, _F(0), _F(1))
            buckets = np.maximum(np.ceil(p * _F(self.num_thresholds - 1)) - 1, 0).astype(np.int64)
            tp = np.stack([np.bincount(buckets[:, j], true_w[:, j], self.num_thresholds)
                           for j in range(p.shape[1])], axis=1)[::-1].cumsum(axis=0)[::-1]
            fp = np.stack([np.bincount(buckets[:, j], false_w[:, j], self.num_thresholds)
                           for j in range(p.shape[1])], axis=1)[::-1].cumsum(axis=0)[::-1]
        else:
            above = y_pred[None] > self._thresholds.astype(_F)[:, None, None]
            tp, fp = np.sum(above * true_w, axis=1), np.sum(above * false_w, axis=1)
        tn, fn = false_w.sum(axis=0) - fp, true_w.sum(axis=0) - tp
        if not self.multi_label:
            tp, fp, tn, fn = tp[:, 0], fp[:, 0], tn[:, 0], fn[:, 0]
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.true_negatives = self.true_negatives + tn
        self.false_negatives = self.false_negatives + fn

    def _by_label(self, terms):
        if not self.multi_label:
            return float(np.sum(terms))
        by_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label))
        return float(_div(np.sum(by_label * self.label_weights), np.sum(self.label_weights)))

    def _interpolate_pr_auc(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return self._by_label(_div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)))

    def result(self):
        if self.true_positives is None:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _div(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _div(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _div(tp, tp + fp)
        else:   # PRGAIN
            scale = _div(tp + fn, tn + fp)
            x = np.maximum(np.where(tp == 0, 0.0, 1.0 - scale * _div(fn, tp)), 0.0)
            y = np.where(tp == 0, 1.0, 1.0 - scale * _div(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._by_label((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config
