"""Intersection-over-union metrics as Keras 3 computes them (IoU, MeanIoU, BinaryIoU, OneHotIoU,
OneHotMeanIoU): a (weighted) confusion matrix cumulated over the epoch, then
`TP / (TP + FP + FN)` per class, averaged over the target classes present.

Keras counts in integers by default (float sample weights are truncated, with a warning);
these count in floating point, so fractional weights count as given."""

import numpy as np

from visualnet.engine.loss_base import EPSILON
from visualnet.engine.metric_base import Metric

_F = np.float32


class IoU(Metric):
    """IoU of the classes `target_class_ids`, averaged over those present. Labels and
    predictions are class ids, or scores/one-hot along `axis` with `sparse_y_true=False` /
    `sparse_y_pred=False` (their arg-max is taken); `ignore_class` is left out."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        if dtype not in (None, "int", "int32", "int64", "float32"):
            raise ValueError(f"IoU metrics count in float32 or integers. Received: dtype={dtype!r}")
        self.num_classes = int(num_classes)
        ids = list(target_class_ids)
        if not ids or max(ids) >= self.num_classes:
            raise ValueError(f"Target class id {max(ids) if ids else None} is out of range, which is "
                             f"[0, {self.num_classes}).")
        self.target_class_ids = ids
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        super().__init__(name)

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def _classes(self, y_true, y_pred):
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        return y_true, y_pred

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = self._classes(np.asarray(y_true), np.asarray(y_pred))
        t = np.asarray(y_true).reshape(-1).astype(np.int64)
        p = np.asarray(y_pred).reshape(-1).astype(np.int64)
        w = np.ones(t.shape) if sample_weight is None else \
            np.broadcast_to(np.asarray(sample_weight, np.float64).reshape(-1), t.shape)
        n = self.num_classes
        keep = (t >= 0) & (t < n) & (p >= 0) & (p < n)
        if self.ignore_class is not None:
            keep &= t != self.ignore_class
        self.total_cm += np.bincount(t[keep] * n + p[keep], w[keep], n * n).reshape(n, n)

    def result(self):
        cm = self.total_cm
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids].astype(_F)
        tp = tp[self.target_class_ids].astype(_F)
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + _F(EPSILON)), _F(0))
        return float(np.sum(iou) / (np.sum(valid, dtype=_F) + _F(EPSILON)))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of class 0 and/or 1 (`target_class_ids`) where a prediction >= `threshold` is class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name, dtype)
        self.threshold = threshold

    def _classes(self, y_true, y_pred):
        return y_true, (np.asarray(y_pred, _F) >= _F(self.threshold)).astype(np.int64)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes present."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name, dtype, ignore_class, sparse_y_true,
                         sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU of `target_class_ids` for one-hot labels (and scores unless `sparse_y_pred`)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU for one-hot labels (and scores unless `sparse_y_pred`)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
