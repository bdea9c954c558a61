import numpy as np
import pytest

from visualnet.data import BUILTINS, builtin_info, builtin_names, load_builtin
from visualnet.data import synthetic

EXPECTED = {  # name: (n, input_shape, task, classes)
    "mnist": (10000, (28, 28, 1), "multiclass", 10), "pima": (768, (8,), "binary", 2),
    "iris": (150, (4,), "multiclass", 3), "sonar": (208, (60,), "binary", 2), "banknote": (1372, (4,), "binary", 2),
    "wheat_seeds": (210, (7,), "multiclass", 3), "abalone": (4177, (10,), "regression", 0),
    "circles": (500, (2,), "binary", 2), "moons": (500, (2,), "binary", 2), "xor": (500, (2,), "binary", 2),
    "spirals": (500, (2,), "binary", 2), "blobs": (500, (2,), "binary", 2),
    "regression_curve": (200, (1,), "regression", 0),
    "movie_reviews": (2000, (200,), "binary", 2),
    "movie_reviews_text": (2000, (1,), "binary", 2), "daily_temperatures": (3620, (30, 1), "regression", 0),
}


def test_registry_lists_every_dataset():
    series = ["sunspots", "airline_passengers", "beijing_pm25", "indoor_movement"]  # test_series_builtins.py
    assert builtin_names() == list(EXPECTED) + series


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_builtin_loads_with_its_metadata(name):
    n, shape, task, k = EXPECTED[name]
    info, ds = builtin_info(name), load_builtin(name)
    assert (len(ds), ds.input_shape, ds.task, ds.num_classes) == (n, shape, task, k)
    assert (info.n_samples, info.input_shape, info.task, info.kind) == (n, shape, task, ds.kind)
    assert ds.feature_names or ds.kind in ("image", "text")
    assert len(ds.feature_names) in (0, shape[0])
    head = ds.suggest_head()
    assert head.input_shape == shape
    assert (head.units, head.activation) == {"binary": (1, "sigmoid"), "multiclass": (k, "softmax"),
                                             "regression": (1, "linear")}[task]
    if not info.synthetic:
        assert info.citation


def test_class_names_of_real_tables():
    assert load_builtin("pima").class_names == ["tested negative", "tested positive"]
    assert load_builtin("sonar").class_names == ["M (mine)", "R (rock)"]
    assert load_builtin("wheat_seeds").class_names == ["Kama", "Rosa", "Canadian"]
    assert load_builtin("pima").feature_names[1] == "glucose"
    assert load_builtin("abalone").feature_names[:3] == ["sex=F", "sex=I", "sex=M"]


def test_heads_for_losses():
    iris = load_builtin("iris")
    assert iris.suggest_head().loss == "sparse_categorical_crossentropy"
    assert iris.suggest_head(one_hot=True).loss == "categorical_crossentropy"
    assert load_builtin("pima").suggest_head().loss == "binary_crossentropy"
    assert load_builtin("abalone").suggest_head().loss == "mean_squared_error"
    assert load_builtin("mnist").suggest_head(input_shape=(784,)).input_shape == (784,)


FIRST = {  # seed=3, n_samples=100: first point and first labels, the same on every machine
    "circles": ([2.623366144447357, -3.8762726523350195], [1, 1, 1, 0, 0, 1, 1, 0]),
    "moons": ([1.0060869664528151, -0.4836797527767342], [1, 1, 1, 0, 0, 1, 1, 0]),
    "xor": ([3.1703271378877105, -1.2469215787606747], [1, 0, 1, 0, 1, 1, 0, 0]),
    "spirals": ([-0.7858298005829509, 0.14990505166858012], [1, 0, 1, 0, 1, 0, 0, 0]),
    "blobs": ([-1.3079675609684958, -1.2083402085561072], [1, 1, 1, 0, 0, 1, 1, 0]),
    "regression_curve": ([-2.991059498946983], [1.0606110712577101, 1.5930259446807278]),
}


@pytest.mark.parametrize("name", list(FIRST))
def test_synthetic_sets_are_reproducible(name):
    a = load_builtin(name, n_samples=100, seed=3)
    point, labels = FIRST[name]
    np.testing.assert_allclose(a.x[0], point, rtol=1e-12)
    np.testing.assert_allclose(a.y[:len(labels)], labels, rtol=1e-12)
    b = load_builtin(name, n_samples=100, seed=3)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, load_builtin(name, n_samples=100, seed=4).x)


def test_noise_free_sets_follow_their_rules():
    c = synthetic.circles(400, 0.0, 1)
    r = np.hypot(c.x[:, 0], c.x[:, 1])
    assert np.all((r < 2.5) == (c.y == 0)) and not np.any((r > 2.5) & (r < 3.5))
    x = synthetic.xor(400, 0.0, 1)
    assert np.all((x.x[:, 0] * x.x[:, 1] < 0) == (x.y == 1)) and np.abs(x.x).min() >= 0.3
    curve = synthetic.regression_curve(50, 0.0, 1)
    np.testing.assert_allclose(curve.y, np.sin(2 * curve.x[:, 0]) + 0.1 * curve.x[:, 0] ** 2)


def test_blobs_centres_and_classes():
    b = load_builtin("blobs", centers=4, n_samples=401, noise=0.0)
    assert b.task == "multiclass" and b.num_classes == 4 and np.bincount(b.y).tolist() == [101, 100, 100, 100]
    np.testing.assert_allclose(b.x[b.y == 0].mean(axis=0), [2, 2], atol=0.25)


def test_parameters_are_checked():
    with pytest.raises(ValueError, match=r"noise must be in \[0.0, 1.0\]; received: noise=5"):
        load_builtin("circles", noise=5)
    with pytest.raises(TypeError, match="circles takes n_samples, noise, seed; received: centers"):
        load_builtin("circles", centers=3)
    with pytest.raises(TypeError, match="iris takes no parameters"):
        load_builtin("iris", seed=1)
    with pytest.raises(KeyError, match="no built-in dataset 'cifar10'"):
        load_builtin("cifar10")
    assert BUILTINS["blobs"].defaults() == {"n_samples": 500, "noise": 0.0, "seed": 0, "centers": 2}
