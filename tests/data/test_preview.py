import numpy as np

from visualnet.data import load_builtin, preview
from visualnet.data.preview import to_display_image


def test_image_preview():
    p = preview(load_builtin("mnist"), n_samples=6, seed=1)
    assert p.kind == "image" and p.n_samples == 10000 and p.input_shape == (28, 28, 1)
    assert p.class_counts[:2] == [("0", 980), ("1", 1135)] and sum(c for _, c in p.class_counts) == 10000
    assert len(p.feature_stats) == 1 and p.feature_stats[0].name == "pixels" and p.feature_stats[0].maximum == 255
    assert len(p.samples) == 6 and [s.index for s in p.samples] == sorted(s.index for s in p.samples)
    s = p.samples[0]
    assert s.image.shape == (28, 28) and s.image.dtype == np.uint8 and s.row is None
    assert s.label == str(load_builtin("mnist").y[s.index])


def test_table_preview():
    iris = load_builtin("iris")
    p = preview(iris)
    assert p.class_counts == [("Iris-setosa", 50), ("Iris-versicolor", 50), ("Iris-virginica", 50)]
    sepal = p.feature_stats[0]
    assert sepal.name == "sepal_length" and (sepal.minimum, sepal.maximum) == (4.3, 7.9)
    assert round(sepal.mean, 2) == 5.84                                   # as iris.names says
    assert p.samples[0].row == iris.x[p.samples[0].index].tolist()
    assert "150 samples, 3-class classification" in p.description


def test_regression_preview_and_display_scaling():
    p = preview(load_builtin("abalone"), n_samples=3)
    assert p.class_counts == [] and p.target_stats.minimum == 1 and p.target_stats.maximum == 29
    assert isinstance(p.samples[0].label, float)
    img = to_display_image(np.array([[[0.0], [0.5]], [[1.0], [0.25]]]))
    assert img.tolist() == [[0, 128], [255, 64]]
    assert to_display_image(np.zeros((3, 4, 5))).shape == (4, 5, 3)      # channels-first
