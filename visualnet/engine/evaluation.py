"""What the GUI shows about a model, computed here (no Qt): per-layer activations for one
sample, weight histograms, gradient norms, the decision boundary of a 2-D classifier,
the confusion matrix with per-class precision/recall/F1, the misclassified samples,
regression residuals. The GUI only draws what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data_adapter import as_inputs
from .prediction import forward_predict, parallel_layers, prediction_chunk


# ---------------------------------------------------------------------- inside the model
def gradient_norms(model) -> dict[str, float]:
    """L2 norm of each layer's trainable-weight gradients (after the last backward pass;
    after clipping when the optimizer clips)."""
    sums: dict[str, float] = {}
    for layer, w, trainable in model._store.entries:
        if trainable:
            g = layer.grads[w.name].reshape(-1)
            sums[layer.name] = sums.get(layer.name, 0.0) + float(np.dot(g, g))
    return {k: float(np.sqrt(v)) for k, v in sums.items()}


@dataclass
class Histogram:
    layer: str
    weight: str
    counts: np.ndarray     # int64 (bins,)
    edges: np.ndarray      # float64 (bins + 1,)


def weight_histograms(model, bins: int = 30) -> list[Histogram]:
    """A histogram of every weight array (kernel, bias, gamma, ...), in Keras's order."""
    out = []
    for layer, w, _ in model._store.entries:
        values = np.asarray(layer.values[w.name], dtype=np.float64).reshape(-1)
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            finite = np.zeros(1)
        lo, hi = float(finite.min()), float(finite.max())
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(finite, bins=bins, range=(lo, hi))
        out.append(Histogram(layer.name, w.name, counts.astype(np.int64), edges))
    return out


@dataclass
class LayerActivation:
    name: str
    layer_type: str
    values: np.ndarray     # the output for the one sample, without the batch axis (float32)

    @property
    def is_image(self) -> bool:
        return self.values.ndim == 3


def _one_sample(shape, sample_shape) -> bool:
    """Whether `shape` is one sample's (None in `sample_shape`: a length that varies)."""
    return len(shape) == len(sample_shape) and all(d is None or d == k for d, k in zip(sample_shape, shape))


def layer_activations(model, x) -> list[LayerActivation]:
    """Every layer's output (Input layers excepted) for one sample `x` (shaped like one
    sample, or a batch of one), in the model's layer order; inference mode."""
    arrays = x if isinstance(x, (list, tuple)) else [x]
    shapes = [model._layers_by_id[n].output_shape[1:] for n in model._input_ids]
    arrays = [np.asarray(a)[np.newaxis] if _one_sample(np.asarray(a).shape, s) else np.asarray(a)
              for a, s in zip(arrays, shapes)]
    xs = as_inputs(model, arrays)
    ex = model._executor
    ex.forward([a[:1] for a in xs], training=False)
    out = []
    for nid in model._order:
        layer = model._layers_by_id[nid]
        if nid in model._input_ids or nid not in ex.outputs:
            continue
        out.append(LayerActivation(layer.name, layer.layer_type, np.array(ex.outputs[nid][0], dtype=np.float32)))
    return out


def feature_maps(values: np.ndarray, max_maps: int = 16) -> np.ndarray:
    """The first channels of a (h, w, c) activation as uint8 images (k, h, w), each
    scaled to its own range (a constant map is mid-grey)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2:
        values = values[:, :, np.newaxis]
    maps = np.moveaxis(values[:, :, :max_maps], -1, 0)
    lo = maps.min(axis=(1, 2), keepdims=True)
    hi = maps.max(axis=(1, 2), keepdims=True)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    scaled = np.where(hi - lo > 1e-12, (maps - lo) / span, 0.5)
    scaled = np.nan_to_num(scaled, nan=0.0)
    return np.ascontiguousarray((scaled * 255).round().astype(np.uint8))


def sequence_heatmap(values: np.ndarray, max_features: int = 64) -> np.ndarray:
    """A (time, features) activation (a recurrent layer's sequence, a Conv1D's output) as a
    uint8 image (features, time): time runs left to right, each of the first `max_features`
    features is a row, all scaled to the activation's range (a constant one is mid-grey)."""
    rows = np.asarray(values, dtype=np.float64)[:, :max_features].T
    finite = rows[np.isfinite(rows)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    scaled = (rows - lo) / (hi - lo) if hi - lo > 1e-12 else np.full_like(rows, 0.5)
    return np.ascontiguousarray((np.nan_to_num(scaled, nan=0.0) * 255).round().astype(np.uint8))


# ---------------------------------------------------------------------- decision boundary
@dataclass
class DecisionGrid:
    x_range: tuple          # (min, max) of the first feature
    y_range: tuple          # (min, max) of the second feature
    values: np.ndarray      # (resolution, resolution): [row = y, column = x]; p(class 1) for
                            # binary models, the predicted class for multi-class ones
    classes: int


def decision_grid(model, x: np.ndarray, resolution: int = 60, margin: float = 0.1) -> DecisionGrid:
    """The model's prediction on a grid over the bounding box of 2-D points `x` (plus
    `margin` of its size), for drawing the decision boundary behind the points."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2-D points; received shape {x.shape}")
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = (hi - lo) * margin + 1e-6
    lo, hi = lo - pad, hi + pad
    gx = np.linspace(lo[0], hi[0], resolution)
    gy = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
    xs = as_inputs(model, points)
    with parallel_layers(model, predicting=True):   # as predict: chunks, split over the cores
        pred = forward_predict(model, xs, 0, len(points), prediction_chunk(model))
    pred = np.asarray(pred, dtype=np.float64).reshape(len(points), -1)
    if pred.shape[1] == 1:
        values, classes = pred[:, 0], 2
    else:
        values, classes = np.argmax(pred, axis=1).astype(np.float64), pred.shape[1]
    return DecisionGrid((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])),
                        values.reshape(resolution, resolution), classes)


# ---------------------------------------------------------------------- evaluation
def class_indices(y: np.ndarray) -> np.ndarray:
    """Class indices from targets: integer labels, one-hot rows, or 0/1 values."""
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        return np.argmax(y, axis=-1).astype(np.int64)
    return np.rint(y.reshape(len(y))).astype(np.int64)


def predicted_classes(y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(class index, confidence of that class, probabilities (n, k)) from a model's outputs:
    one sigmoid unit gives two classes, several units an arg-max."""
    p = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
    if p.shape[1] == 1:
        p = np.concatenate([1.0 - p, p], axis=1)
    k = np.argmax(p, axis=1).astype(np.int64)
    return k, p[np.arange(len(p)), k], p


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (k, k): row = true class, column = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    k = int(max(num_classes, (y_true.max() + 1) if y_true.size else 0, (y_pred.max() + 1) if y_pred.size else 0))
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k).astype(np.int64)


@dataclass
class ClassReport:
    precision: float
    recall: float
    f1: float
    support: int


def per_class_report(cm: np.ndarray) -> list[ClassReport]:
    """Precision, recall, F1 and support of every class (0 where undefined, as scikit-learn)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return [ClassReport(float(p), float(r), float(f), int(s)) for p, r, f, s in zip(precision, recall, f1, actual)]


@dataclass
class ClassificationResult:
    y_true: np.ndarray          # int64 (n,)
    y_pred: np.ndarray          # int64 (n,)
    confidence: np.ndarray      # float64 (n,): probability of the predicted class
    probabilities: np.ndarray   # float64 (n, k)
    matrix: np.ndarray          # int64 (k, k)
    report: list = field(default_factory=list)   # ClassReport per class
    accuracy: float = 0.0

    def mistakes(self, true_class: "int | None" = None, pred_class: "int | None" = None,
                 limit: "int | None" = None) -> np.ndarray:
        """Indices of the samples of cell (true_class, pred_class) (any when None; only
        mistakes when both are None), most confident first."""
        mask = np.ones(len(self.y_true), bool) if (true_class is not None and pred_class is not None) else \
            self.y_true != self.y_pred
        if true_class is not None:
            mask &= self.y_true == true_class
        if pred_class is not None:
            mask &= self.y_pred == pred_class
        idx = np.flatnonzero(mask)
        idx = idx[np.argsort(-self.confidence[idx], kind="stable")]
        return idx if limit is None else idx[:limit]


def classify(model, x, y, num_classes: int, batch_size: int = 256) -> ClassificationResult:
    """Predict `x` and compare with the targets `y` (labels or one-hot)."""
    y_pred = model.predict(x, batch_size=batch_size, verbose=0)
    pred, conf, probs = predicted_classes(y_pred)
    true = class_indices(y)
    cm = confusion_matrix(true, pred, num_classes)
    return ClassificationResult(true, pred, conf, probs, cm, per_class_report(cm),
                                float(np.mean(true == pred)) if len(true) else 0.0)


@dataclass
class RegressionResult:
    y_true: np.ndarray
    y_pred: np.ndarray
    residuals: np.ndarray
    mae: float
    rmse: float
    r2: float


def regress(model, x, y, batch_size: int = 256) -> RegressionResult:
    """Predicted vs true values (first output) and residuals."""
    y_pred = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), np.float64).reshape(len(y), -1)[:, 0]
    y_true = np.asarray(y, np.float64).reshape(len(y), -1)[:, 0]
    res = y_pred - y_true
    ss = float(np.sum((y_true - y_true.mean()) ** 2)) if len(y_true) else 0.0
    r2 = 1.0 - float(np.sum(res ** 2)) / ss if ss > 0 else 0.0
    return RegressionResult(y_true, y_pred, res, float(np.mean(np.abs(res))) if len(res) else 0.0,
                            float(np.sqrt(np.mean(res ** 2))) if len(res) else 0.0, r2)


def probabilities(model, x) -> np.ndarray:
    """Class probabilities (n, k) for prepared inputs (one sigmoid unit -> two columns)."""
    return predicted_classes(model.predict(x, verbose=0))[2]


def image_for_display(sample: np.ndarray) -> np.ndarray:
    """A prepared or raw image sample (h, w[, c]) as uint8 for drawing: its range is
    stretched to 0-255 (one channel -> (h, w), three -> (h, w, 3))."""
    a = np.asarray(sample, dtype=np.float64)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[:, :, 0]
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    scaled = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return np.ascontiguousarray((np.nan_to_num(scaled) * 255).round().astype(np.uint8))


def feature_map_grid(values: np.ndarray, max_maps: int = 16, cols: int = 8, gap: int = 1) -> np.ndarray:
    """The first `max_maps` channels of a (h, w, c) activation tiled into one uint8 image,
    `cols` maps per row with `gap` white pixels between them."""
    maps = feature_maps(values, max_maps)
    k, h, w = maps.shape
    cols = min(cols, k)
    rows = -(-k // cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), 255, np.uint8)
    for i in range(k):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = maps[i]
    return out
