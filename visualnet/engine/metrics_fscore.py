"""F-scores over classes as Keras 3 computes them (FBetaScore, F1Score)."""

import numpy as np

from visualnet.engine.metric_base import Metric

_F = np.float32
_EPSILON = 1e-7


class FBetaScore(Metric):
    """F-beta score over classes of one-hot / multi-label 2D targets.

    `average`: None (one score per class), 'micro', 'macro' or 'weighted'.
    `threshold`: None marks each row's highest score as predicted.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score"):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             "{None, 'micro', 'macro', 'weighted'}. "
                             f"Received: average={average!r}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float "
                             f"> 0. Received: beta={beta!r}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python "
                             f"float with 0 < threshold <= 1. Received: threshold={threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        super().__init__(name)

    def reset_state(self):
        self.true_positives = self.false_positives = None
        self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = np.asarray(y_true, _F), np.asarray(y_pred, _F)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape="
                             f"{y_pred.shape} and y_true.shape={y_true.shape}.")
        if self.threshold is None:
            top = y_pred.max(axis=-1, keepdims=True)
            pred = ((y_pred >= top) & (np.abs(y_pred) > 1e-9)).astype(_F)
        else:
            pred = (y_pred > self.threshold).astype(_F)
        w = 1.0 if sample_weight is None else np.asarray(sample_weight, _F)[:, None]
        axis = None if self.average == "micro" else 0
        sums = [np.sum(v * w, axis=axis, dtype=np.float64) for v in
                (pred * y_true, pred * (1 - y_true), (1 - pred) * y_true, y_true)]
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, \
                self.intermediate_weights = sums
        else:
            self.true_positives = self.true_positives + sums[0]
            self.false_positives = self.false_positives + sums[1]
            self.false_negatives = self.false_negatives + sums[2]
            self.intermediate_weights = self.intermediate_weights + sums[3]

    def result(self):
        if self.true_positives is None:
            return 0.0
        tp, b2 = self.true_positives, self.beta ** 2
        precision = tp / (tp + self.false_positives + _EPSILON)
        recall = tp / (tp + self.false_negatives + _EPSILON)
        score = precision * recall / (b2 * precision + recall + _EPSILON) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights
            return float(np.sum(score * weights / (np.sum(weights) + _EPSILON)))
        if self.average is not None:
            return float(np.mean(score))
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (FBetaScore with beta=1)."""

    def __init__(self, average=None, threshold=None, name="f1_score"):
        super().__init__(average, 1.0, threshold, name)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
