"""engine.evaluation: the numbers behind the GUI's evaluation and 'inside the model' views."""

import numpy as np
import pytest

from visualnet import layers, models
from visualnet.engine import evaluation as ev
from visualnet.engine.rng import set_seed


def mlp(inputs=2, units=3, activation="softmax"):
    set_seed(0)
    m = models.Sequential([layers.Dense(8, activation="relu", input_shape=(inputs,)),
                           layers.Dense(units, activation=activation)])
    m.compile("adam", "sparse_categorical_crossentropy" if units > 1 else "binary_crossentropy")
    return m


def test_confusion_matrix_and_report_match_hand_counts():
    true = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0, 2])
    cm = ev.confusion_matrix(true, pred, 3)
    assert cm.tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    rep = ev.per_class_report(cm)
    assert rep[1].precision == pytest.approx(2 / 3) and rep[1].recall == pytest.approx(2 / 3)
    assert rep[0].f1 == pytest.approx(0.5) and [r.support for r in rep] == [2, 3, 1]
    empty = ev.per_class_report(ev.confusion_matrix(np.array([0]), np.array([0]), 2))
    assert empty[1].precision == 0.0 and empty[1].support == 0


def test_classify_sums_to_the_sample_count_and_lists_mistakes_by_confidence():
    m = mlp()
    x = np.random.default_rng(0).normal(size=(50, 2)).astype("float32")
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    r = ev.classify(m, x, y, 3)
    assert r.matrix.sum() == 50 and r.matrix.shape == (3, 3)
    assert r.accuracy == pytest.approx(np.trace(r.matrix) / 50)
    wrong = r.mistakes()
    assert len(wrong) == 50 - np.trace(r.matrix)
    assert np.all(np.diff(r.confidence[wrong]) <= 0)
    cell = r.mistakes(1, 2)
    assert len(cell) == r.matrix[1, 2] and np.all(r.y_true[cell] == 1)
    assert len(r.mistakes(0, 0)) == r.matrix[0, 0]


def test_one_sigmoid_unit_gives_two_classes():
    k, conf, p = ev.predicted_classes(np.array([[0.2], [0.9]]))
    assert k.tolist() == [0, 1] and conf == pytest.approx([0.8, 0.9]) and p.shape == (2, 2)
    assert ev.class_indices(np.array([[0, 1, 0], [1, 0, 0]])).tolist() == [1, 0]


def test_decision_grid_covers_the_points():
    m = mlp(units=1, activation="sigmoid")
    x = np.array([[-1, -2], [3, 4]], np.float32)
    g = ev.decision_grid(m, x, resolution=20)
    assert g.values.shape == (20, 20) and g.classes == 2
    assert g.x_range[0] < -1 and g.x_range[1] > 3 and g.y_range[0] < -2
    assert np.all((g.values >= 0) & (g.values <= 1))
    with pytest.raises(ValueError, match="2-D"):
        ev.decision_grid(mlp(inputs=3), np.zeros((4, 3)))


def test_activations_histograms_and_gradient_norms():
    set_seed(0)
    m = models.Sequential([layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)), layers.Flatten(),
                           layers.Dense(2, activation="softmax")])
    m.compile("sgd", "sparse_categorical_crossentropy")
    x = np.random.default_rng(1).normal(size=(8, 8, 1)).astype("float32")
    acts = ev.layer_activations(m, x)
    assert [a.layer_type for a in acts] == ["Conv2D", "Flatten", "Dense"]
    assert acts[0].values.shape == (6, 6, 4) and acts[0].is_image and acts[2].values.sum() == pytest.approx(1)
    maps = ev.feature_maps(acts[0].values, max_maps=3)
    assert maps.shape == (3, 6, 6) and maps.dtype == np.uint8
    hists = ev.weight_histograms(m, bins=10)
    assert [(h.layer, h.weight) for h in hists][:2] == [(m.layers[0].name, "kernel"), (m.layers[0].name, "bias")]
    assert hists[0].counts.sum() == 36
    m.fit(x[None].repeat(4, 0), np.array([0, 1, 0, 1]), verbose=0)
    norms = ev.gradient_norms(m)
    assert set(norms) == {m.layers[0].name, m.layers[2].name} and all(v > 0 for v in norms.values())


def test_regression_summary():
    set_seed(0)
    m = models.Sequential([layers.Dense(1, input_shape=(1,))])
    m.compile("sgd", "mse")
    x = np.linspace(-1, 1, 20, dtype=np.float32)[:, None]
    r = ev.regress(m, x, 2 * x[:, 0])
    assert r.residuals.shape == (20,)
    assert r.rmse == pytest.approx(np.sqrt(np.mean((r.y_pred - 2 * x[:, 0]) ** 2)))


def test_image_for_display_stretches_to_bytes():
    img = ev.image_for_display(np.array([[0.0, 0.5], [1.0, 0.25]])[:, :, None])
    assert img.dtype == np.uint8 and img.shape == (2, 2) and img.max() == 255 and img.min() == 0


def test_feature_map_grid_tiles_the_channels():
    values = np.random.default_rng(0).normal(size=(5, 6, 10))
    grid = ev.feature_map_grid(values, max_maps=10, cols=4)
    assert grid.shape == (3 * 6 - 1, 4 * 7 - 1) and grid.dtype == np.uint8
    assert np.array_equal(grid[:5, 7:13], ev.feature_maps(values)[1])


def test_a_sequence_activation_is_a_heat_map_over_time():
    values = np.zeros((5, 3), np.float32)
    values[:, 0] = np.arange(5)              # feature 0 rises over time
    values[2, 1] = -1.0
    image = ev.sequence_heatmap(values)
    assert image.shape == (3, 5) and image.dtype == np.uint8
    assert list(image[0]) == sorted(image[0]) and image[0, -1] == 255 and image[1, 2] == 0
    assert ev.sequence_heatmap(np.ones((4, 100)), max_features=64).shape == (64, 4)
    assert set(ev.sequence_heatmap(np.ones((4, 2))).ravel()) == {128}     # constant: mid-grey
