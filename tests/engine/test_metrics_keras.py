"""The metrics added for issue 24 against real Keras 3: streaming results over several batches
and two epochs (with and without sample weights, 1e-5), the strings Keras accepts, configs both
ways, and the History of a fit with them."""

import json

import numpy as np
import pytest

from visualnet.engine import metrics as M

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


def _batches(kind, n_batches=4, seed=0):
    """[(y_true, y_pred, sample_weight)] for a target layout."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_batches):
        n = 6 + 3 * i
        if kind == "binary":
            y_true = rng.integers(0, 2, size=(n, 1)).astype(np.float32)
            y_pred = rng.random((n, 1)).astype(np.float32)
        elif kind == "logits":
            y_true = rng.integers(0, 2, size=(n, 1)).astype(np.float32)
            y_pred = rng.normal(0, 2, (n, 1)).astype(np.float32)
        elif kind == "multilabel":
            y_true = rng.integers(0, 2, size=(n, 4)).astype(np.float32)
            y_pred = rng.random((n, 4)).astype(np.float32)
        elif kind == "onehot":
            y_true = np.eye(7, dtype=np.float32)[rng.integers(0, 7, n)]
            y_pred = rng.random((n, 7)).astype(np.float32)
            y_pred /= y_pred.sum(-1, keepdims=True)
        elif kind == "sparse":
            y_true = rng.integers(0, 7, size=n)
            y_pred = rng.random((n, 7)).astype(np.float32)
            y_pred /= y_pred.sum(-1, keepdims=True)
        elif kind == "regression":
            y_true = rng.normal(size=(n, 3)).astype(np.float32)
            y_pred = (y_true + rng.normal(0, 0.7, size=(n, 3))).astype(np.float32)
        elif kind == "positive":
            y_true = rng.uniform(0, 3, size=(n, 3)).astype(np.float32)
            y_pred = rng.uniform(0.1, 3, size=(n, 3)).astype(np.float32)
        elif kind == "signed":
            y_true = rng.choice([-1.0, 1.0], size=(n, 3)).astype(np.float32)
            y_pred = rng.normal(size=(n, 3)).astype(np.float32)
        elif kind == "classes":
            y_true = rng.integers(0, 4, size=(n, 5))
            y_pred = np.where(rng.random((n, 5)) < 0.6, y_true, rng.integers(0, 4, size=(n, 5)))
        weight_shape = y_true.shape if kind == "classes" else (n,)   # the IoUs weigh each entry
        out.append((y_true, y_pred, rng.uniform(0.1, 2.0, size=weight_shape).astype(np.float32)))
    return out


CASES = [
    ("AUC", {}, "binary"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "multilabel"),
    ("AUC", {"summation_method": "minoring", "num_thresholds": 13}, "multilabel"),
    ("AUC", {"curve": "PRGAIN"}, "binary"),
    ("AUC", {"multi_label": True}, "multilabel"),
    ("AUC", {"multi_label": True, "num_labels": 4, "label_weights": [0.1, 0.5, 1.0, 2.0], "curve": "PR"},
     "multilabel"),
    ("AUC", {"label_weights": [0.3, 1.0, 0.2, 2.0]}, "multilabel"),
    ("AUC", {"thresholds": [0.1, 0.25, 0.7, 0.9]}, "binary"),
    ("AUC", {"from_logits": True}, "logits"),
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {"thresholds": [0.2, 0.6]}, "multilabel"),
    ("TrueNegatives", {"thresholds": 0.3}, "binary"),
    ("FalseNegatives", {}, "multilabel"),
    ("Precision", {"top_k": 2, "class_id": 3}, "onehot"),
    ("Precision", {"thresholds": [0.1, 0.4], "class_id": 1}, "multilabel"),
    ("Recall", {"top_k": 3, "thresholds": [0.0, 0.2]}, "onehot"),
    ("TopKCategoricalAccuracy", {}, "onehot"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 1}, "sparse"),
    ("RootMeanSquaredError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"num_regressors": 3}, "regression"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2, "from_logits": True}, "sparse"),
    ("KLDivergence", {}, "onehot"),
    ("Poisson", {}, "positive"),
    ("Hinge", {}, "signed"),
    ("SquaredHinge", {}, "binary"),
    ("CategoricalHinge", {}, "onehot"),
    ("MeanIoU", {"num_classes": 4}, "classes"),
    ("IoU", {"num_classes": 4, "target_class_ids": [1, 3]}, "classes"),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 2], "ignore_class": 2}, "classes"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("OneHotIoU", {"num_classes": 7, "target_class_ids": [0, 2, 5]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 7}, "onehot"),
]
IOU = ("IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU")


@pytest.mark.oracle
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls, kwargs, kind", CASES)
def test_streaming_results_match_keras(cls, kwargs, kind, weighted):
    keras = pytest.importorskip("keras")
    if weighted and kwargs.get("axis") == 0:
        pytest.skip("one value per column: per-sample weights do not apply")
    ours = getattr(M, cls)(**kwargs)
    # Keras's IoUs count in integers unless told otherwise (its float weights would be truncated)
    ref = getattr(keras.metrics, cls)(**kwargs, **({"dtype": "float32"} if cls in IOU else {}))
    assert ref.name.startswith(ours.name)   # Keras uniquifies: auc_1, ...
    for epoch in range(2):
        for y_true, y_pred, sw in _batches(kind, seed=epoch):
            sw = sw if weighted else None
            ours.update_state(y_true, y_pred, sample_weight=sw)
            ref.update_state(y_true, y_pred, sample_weight=sw)
            np.testing.assert_allclose(ours.result(), keras.ops.convert_to_numpy(ref.result()),
                                       rtol=1e-5, atol=1e-6)
        ours.reset_state()
        ref.reset_state()
    assert np.all(np.asarray(ours.result()) == 0)


@pytest.mark.oracle
@pytest.mark.parametrize("cls, kwargs, kind", CASES)
def test_configs_load_both_ways(cls, kwargs, kind):
    keras = pytest.importorskip("keras")
    ours, ref = getattr(M, cls)(**kwargs), getattr(keras.metrics, cls)(**kwargs)
    blob = json.loads(json.dumps(M.serialize(ours)))
    assert blob["class_name"] == cls
    again = getattr(keras.metrics, cls).from_config(blob["config"])   # Keras reads ours
    ours_from_keras = M.deserialize({"class_name": cls, "config": ref.get_config()})  # and we read Keras's
    assert M.deserialize(blob).get_config() == ours.get_config()
    shared = set(again.get_config()) & set(ours.get_config()) - {"name", "dtype"}
    for key in shared:
        assert again.get_config()[key] == pytest.approx(ours.get_config()[key]), key
    assert type(ours_from_keras) is type(ours)


KERAS_STRINGS = [
    ("auc", "binary"), ("AUC", "binary"), ("true_positives", "binary"), ("false_negatives", "binary"),
    ("top_k_categorical_accuracy", "onehot"), ("sparse_top_k_categorical_accuracy", "sparse"),
    ("root_mean_squared_error", "regression"), ("mape", "regression"), ("MSLE", "positive"),
    ("mean_squared_logarithmic_error", "positive"), ("cosine_similarity", "regression"),
    ("log_cosh_error", "regression"), ("r2_score", "regression"), ("binary_crossentropy", "binary"),
    ("bce", "binary"), ("categorical_crossentropy", "onehot"), ("sparse_categorical_crossentropy", "sparse"),
    ("kl_divergence", "onehot"), ("poisson", "positive"), ("hinge", "signed"), ("squared_hinge", "signed"),
    ("categorical_hinge", "onehot"), ("binary_io_u", "binary"), ("RootMeanSquaredError", "regression"),
]


@pytest.mark.oracle
@pytest.mark.parametrize("name, kind", KERAS_STRINGS)
def test_strings_resolve_and_are_named_like_keras_compile(name, kind):
    pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import get_metric
    y_true, y_pred, _ = _batches(kind, 1)[0]
    ours = M.get(name, y_true_shape=y_true.shape, y_pred_shape=y_pred.shape)
    ref = get_metric(name, y_true, y_pred)
    assert type(ours).__name__ == type(ref).__name__ and ours.name == ref.name
    ours.update_state(y_true, y_pred)
    ref.update_state(y_true, y_pred)
    assert ours.result() == pytest.approx(float(ref.result()), rel=1e-5)


@pytest.mark.parametrize("name", ["rmse", "RMSE", "top_k", "logcosh", "iou", "r2"])
def test_strings_keras_refuses_are_refused(name):
    with pytest.raises(ValueError, match=f"Could not interpret metric identifier: '{name}'"):
        M.get(name)


def test_ious_that_need_arguments_say_which():
    with pytest.raises(ValueError, match=r"'mean_io_u' needs arguments \(num_classes\)"):
        M.get("mean_io_u")
    with pytest.raises(ValueError, match="Target class id 5 is out of range"):
        M.IoU(num_classes=3, target_class_ids=[0, 5])


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match='Invalid AUC curve value: "ROCK"'):
        M.AUC(curve="ROCK")
    with pytest.raises(ValueError, match="num_thresholds=1"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="`num_labels` is needed only when `multi_label` is True"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="class_aggregation=median"):
        M.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match=r"Received: \[-0.1\]"):
        M.TruePositives(thresholds=[-0.1, 0.5])
    with pytest.raises(ValueError, match=r"R2Score expects 2D inputs.*y_pred.shape=\(4,\)"):
        M.R2Score().update_state(np.zeros(4), np.zeros(4))


def test_functions_resolve_to_their_metric():
    assert isinstance(M.get(M.top_k_categorical_accuracy), M.TopKCategoricalAccuracy)
    assert isinstance(M.get(M.kl_divergence), M.KLDivergence)
    assert M.get(M.hinge).name == "hinge"
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy([2, 0], [[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]],
                                                                      k=2), [1.0, 0.0])


# ------------------------------------------------------------------ in fit, evaluate and validation

@pytest.mark.oracle
@pytest.mark.parametrize("task", ["binary", "regression"])
def test_history_of_a_fit_matches_keras(task):
    keras = pytest.importorskip("keras")
    import visualnet

    rng = np.random.default_rng(5)
    if task == "binary":
        metrics = ["auc", "precision", "true_positives", "binary_crossentropy",
                   "AUC", {"class_name": "AUC", "config": {"curve": "PR", "name": "pr_auc"}}]
        y = rng.integers(0, 2, (60, 1)).astype(np.float32)
        loss, units, act = "binary_crossentropy", 1, "sigmoid"
    else:
        metrics = ["root_mean_squared_error", "r2_score", "mape", "cosine_similarity", "log_cosh_error"]
        y = rng.normal(size=(60, 2)).astype(np.float32)
        loss, units, act = "huber", 2, "linear"
    x = rng.normal(size=(60, 5)).astype(np.float32)

    def build(lib):
        return lib.models.Sequential([lib.layers.Input((5,)), lib.layers.Dense(6, activation="tanh"),
                                      lib.layers.Dense(units, activation=act)])

    k, v = build(keras), build(visualnet)
    weights = [rng.normal(0, 0.5, w.shape).astype(np.float32) for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    as_keras = [keras.metrics.deserialize(m) if isinstance(m, dict) else m for m in metrics]
    k.compile(keras.optimizers.SGD(learning_rate=0.05), loss, metrics=as_keras)
    v.compile(visualnet.optimizers.SGD(learning_rate=0.05), loss, metrics=metrics)
    kw = dict(epochs=2, batch_size=16, shuffle=False, verbose=0, validation_data=(x[:20], y[:20]))
    hk, hv = k.fit(x[20:], y[20:], **kw), v.fit(x[20:], y[20:], **kw)
    assert set(hv.history) == set(hk.history)
    # Keras's History shows val_true_positives under true_positives too: its result() is a view of the
    # count that validation resets and refills (a Keras quirk not copied); ours keeps the training count
    hk.history.pop("true_positives", None)
    for key, values in hk.history.items():
        np.testing.assert_allclose(hv.history[key], values, rtol=2e-4, atol=1e-5, err_msg=key)
    np.testing.assert_allclose(v.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0), rtol=2e-4, atol=1e-5)
