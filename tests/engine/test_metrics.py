import json
import os

import numpy as np
import pytest

from visualnet.engine import metrics as M

os.environ.setdefault("KERAS_BACKEND", "torch")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _batches(kind, n_batches=4, seed=0):
    """[(y_true, y_pred, sample_weight)] for a target layout."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_batches):
        n = 5 + 3 * i
        if kind == "binary":
            y_true = rng.integers(0, 2, size=(n, 1)).astype(np.float32)
            y_pred = rng.random((n, 1)).astype(np.float32)
        elif kind == "multilabel":
            y_true = rng.integers(0, 2, size=(n, 4)).astype(np.float32)
            y_pred = rng.random((n, 4)).astype(np.float32)
        elif kind == "onehot":
            y_true = np.eye(5, dtype=np.float32)[rng.integers(0, 5, n)]
            y_pred = rng.random((n, 5)).astype(np.float32)
        elif kind == "sparse":
            y_true = rng.integers(0, 5, size=n)
            y_pred = rng.random((n, 5)).astype(np.float32)
        elif kind == "sparse_col":
            y_true = rng.integers(0, 5, size=(n, 1)).astype(np.float32)
            y_pred = rng.random((n, 5)).astype(np.float32)
        elif kind == "regression":
            y_true = rng.normal(size=(n, 3)).astype(np.float32)
            y_pred = rng.normal(size=(n, 3)).astype(np.float32)
        elif kind == "sequence":
            y_true = rng.normal(size=(n, 4, 2)).astype(np.float32)
            y_pred = rng.normal(size=(n, 4, 2)).astype(np.float32)
        elif kind == "exact":
            y_true = rng.integers(0, 3, size=(n,)).astype(np.float32)
            y_pred = rng.integers(0, 3, size=(n, 1)).astype(np.float32)
        out.append((y_true, y_pred, rng.uniform(0.1, 2.0, size=n).astype(np.float32)))
    return out


CASES = [
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "multilabel"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("Accuracy", {}, "exact"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanSquaredError", {}, "sequence"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.3, 0.5, 0.8]}, "multilabel"),
    ("Precision", {"class_id": 2}, "onehot"),
    ("Precision", {"top_k": 2}, "multilabel"),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "multilabel"),
    ("Recall", {}, "multilabel"),
    ("Recall", {"thresholds": 0.3}, "binary"),
    ("Recall", {"class_id": 1, "thresholds": [0.2, 0.6]}, "onehot"),
    ("F1Score", {}, "onehot"),
    ("F1Score", {"average": "micro"}, "multilabel"),
    ("F1Score", {"average": "macro", "threshold": 0.5}, "multilabel"),
    ("F1Score", {"average": "weighted"}, "onehot"),
    ("FBetaScore", {"beta": 2.0, "average": "macro"}, "onehot"),
]


@pytest.mark.oracle
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls, kwargs, kind", CASES)
def test_streaming_results_match_keras(cls, kwargs, kind, weighted):
    keras = pytest.importorskip("keras")
    ours, ref = getattr(M, cls)(**kwargs), getattr(keras.metrics, cls)(**kwargs)
    assert ref.name.startswith(ours.name)  # Keras uniquifies: precision_1, ...
    for epoch in range(2):
        for y_true, y_pred, sw in _batches(kind, seed=epoch):
            sw = sw if weighted else None
            ours.update_state(y_true, y_pred, sample_weight=sw)
            ref.update_state(y_true, y_pred, sample_weight=sw)
            np.testing.assert_allclose(ours.result(), keras.ops.convert_to_numpy(ref.result()),
                                       rtol=1e-6, atol=1e-7)
        ours.reset_state()
        ref.reset_state()
    assert np.all(np.asarray(ours.result()) == 0)


@pytest.mark.oracle
@pytest.mark.parametrize("name, kind", [
    ("accuracy", "binary"), ("acc", "onehot"), ("accuracy", "sparse"),
    ("accuracy", "sparse_col"), ("mae", "regression"), ("mse", "regression"),
    ("MAE", "regression"), ("precision", "binary"), ("recall", "binary"),
    ("binary_accuracy", "binary"), ("categorical_accuracy", "onehot"),
    ("sparse_categorical_accuracy", "sparse"), ("Precision", "binary"),
    ("mean_squared_error", "regression"), ("mean_absolute_error", "regression")])
def test_get_resolves_and_names_like_keras_compile(name, kind):
    pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import get_metric
    y_true, y_pred, _ = _batches(kind, 1)[0]
    ours = M.get(name, y_true_shape=y_true.shape, y_pred_shape=y_pred.shape)
    ref = get_metric(name, y_true, y_pred)
    assert type(ours).__name__ == type(ref).__name__ and ours.name == ref.name
    ours.update_state(y_true, y_pred)
    ref.update_state(y_true, y_pred)
    assert ours.result() == pytest.approx(float(ref.result()), rel=1e-6)


def test_f1_strings_give_a_macro_scalar():
    y_true, y_pred, _ = _batches("onehot", 1)[0]
    for name in ("f1", "f1_score"):
        m = M.get(name)
        assert isinstance(m, M.F1Score) and m.average == "macro" and m.name == name
        m.update_state(y_true, y_pred)
        assert isinstance(m.result(), float)
    per_class = M.F1Score()
    per_class.update_state(y_true, y_pred)
    assert m.result() == pytest.approx(float(np.mean(per_class.result())))


def test_epoch_mean_is_sample_weighted():
    m = M.BinaryAccuracy()
    m.update_state([[1], [1]], [[0.9], [0.8]])      # 2 right
    m.update_state([[1], [0], [0], [0]], [[0.1], [0.1], [0.9], [0.9]])  # 1 of 4 right
    assert m.result() == pytest.approx(3 / 6)
    m.update_state([[1]], [[0.0]], sample_weight=[3.0])                 # wrong, weight 3
    assert m.result() == pytest.approx(3 / 9)
    p = M.Precision()
    p.update_state([1, 0, 1], [0.9, 0.8, 0.1])      # TP 1, FP 1
    p.update_state([0, 0], [0.2, 0.1])               # nothing predicted positive
    assert p.result() == pytest.approx(0.5)


def test_functions_and_identifiers():
    np.testing.assert_array_equal(M.sparse_categorical_accuracy([1, 2], [[0, 1, 0], [1, 0, 0]]),
                                  [1.0, 0.0])
    np.testing.assert_array_equal(M.categorical_accuracy([[0, 1]], [[0.2, 0.8]]), [1.0])
    np.testing.assert_array_equal(M.binary_accuracy([[1], [0]], [[0.6], [0.6]]), [[1], [0]])
    assert M.get(M.mean_squared_error).name == "mean_squared_error"
    assert isinstance(M.get(M.categorical_accuracy), M.CategoricalAccuracy)
    custom = M.get(lambda t, p: np.abs(np.asarray(t) - p).max(axis=-1))
    custom.update_state([[0.0, 1.0]], [[0.5, 1.0]])
    assert custom.result() == pytest.approx(0.5)
    m = M.Recall(thresholds=[0.2, 0.4], name="r")
    assert M.get(m) is m
    again = M.deserialize(json.loads(json.dumps(M.serialize(m))))
    assert type(again) is M.Recall and again.get_config() == m.get_config()
    with pytest.raises(ValueError, match="needs y_true_shape and y_pred_shape"):
        M.get("accuracy")
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: 'acuracy'"):
        M.get("acuracy")
    with pytest.raises(ValueError, match="Expected metric, received `None`"):
        M.get(None)
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]. Received: "
                                         r"\[1.5\]"):
        M.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="average='mean'"):
        M.F1Score(average="mean")
    with pytest.raises(ValueError, match=r"2D inputs.*y_true.shape=\(3,\)"):
        M.F1Score().update_state([0, 1, 2], np.eye(3))
