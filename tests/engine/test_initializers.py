import json
import math
import os

import numpy as np
import pytest

from visualnet.engine import initializers as I
from visualnet.engine import rng

os.environ.setdefault("KERAS_BACKEND", "torch")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SHAPES = [(), (5,), (4, 6), (3, 3, 16, 32), (5, 7, 8), (2, 3, 3, 4, 6)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fan_rules(shape):
    fan_in, fan_out = I.compute_fans(shape)
    if len(shape) >= 3:
        receptive = int(np.prod(shape[:-2]))
        assert (fan_in, fan_out) == (shape[-2] * receptive, shape[-1] * receptive)
    assert I.compute_fans((3, 3, 16, 32)) == (144, 288)


@pytest.mark.oracle
@pytest.mark.parametrize("shape", SHAPES)
def test_fans_match_keras(shape):
    pytest.importorskip("keras")
    from keras.src.initializers.random_initializers import compute_fans
    assert I.compute_fans(shape) == compute_fans(shape)
    assert I.compute_fans((2, 3, 4), [0, 1], [2]) == compute_fans((2, 3, 4), [0, 1], [2])


def _uniform_limit(scale, fan):
    return math.sqrt(3.0 * scale / fan)


# (initializer, shape, "uniform" limit or "normal" stddev, expected value)
CASES = [
    (I.GlorotUniform(), (300, 500), "uniform", _uniform_limit(1.0, 400)),
    (I.HeUniform(), (3, 3, 64, 128), "uniform", _uniform_limit(2.0, 576)),
    (I.LecunUniform(), (1000, 200), "uniform", _uniform_limit(1.0, 1000)),
    (I.GlorotNormal(), (300, 500), "normal", math.sqrt(1.0 / 400)),
    (I.HeNormal(), (3, 3, 64, 128), "normal", math.sqrt(2.0 / 576)),
    (I.LecunNormal(), (1000, 200), "normal", math.sqrt(1.0 / 1000)),
    (I.VarianceScaling(2.0, "fan_out", "untruncated_normal"), (100, 2000), "normal",
     math.sqrt(2.0 / 2000)),
    (I.RandomNormal(mean=1.0, stddev=0.5), (500, 400), "normal", 0.5),
    (I.RandomUniform(-0.3, 0.7), (500, 400), "uniform", None),
    (I.TruncatedNormal(stddev=0.2), (500, 400), "truncated", 0.2),
]


@pytest.mark.parametrize("init, shape, kind, value", CASES)
def test_statistics(init, shape, kind, value):
    x = init(shape)
    assert x.dtype == np.float32 and x.shape == shape
    if kind == "uniform" and value is not None:
        assert np.abs(x).max() <= value
        assert np.abs(x).max() > 0.99 * value
        assert x.mean() == pytest.approx(0.0, abs=0.01 * value)
        assert x.std() == pytest.approx(value / math.sqrt(3), rel=0.02)
    elif kind == "uniform":
        assert x.min() >= -0.3 and x.max() < 0.7
        assert x.mean() == pytest.approx(0.2, abs=0.005)
    elif kind == "normal":
        mean = getattr(init, "mean", 0.0)
        assert x.mean() == pytest.approx(mean, abs=0.02 * value)
        assert x.std() == pytest.approx(value, rel=0.02)
        if isinstance(init, I.VarianceScaling) and init.distribution == "truncated_normal":
            # Keras scales by 1/.8796 so the truncated draw keeps the target stddev.
            assert np.abs(x).max() <= 2 * value / .87962566103423978 * (1 + 1e-6)
    else:
        assert np.abs(x).max() <= 2 * value * (1 + 1e-6)
        assert x.std() == pytest.approx(value * .87962566103423978, rel=0.02)


def test_constants():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(I.get("ones")(4), np.ones(4))
    np.testing.assert_array_equal(I.Constant(0.5)([2, 2]), np.full((2, 2), 0.5))


def test_seeds():
    init = I.GlorotUniform(seed=3)
    np.testing.assert_array_equal(init((5, 5)), init((5, 5)))
    np.testing.assert_array_equal(init((5, 5)), I.GlorotUniform(seed=3)((5, 5)))
    assert not np.array_equal(I.GlorotUniform()((5, 5)), I.GlorotUniform()((5, 5)))
    rng.set_seed(11)
    a = I.HeNormal()((4, 4))
    rng.set_seed(11)
    np.testing.assert_array_equal(a, I.HeNormal()((4, 4)))


def test_get_config_and_errors():
    for name in ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
                 "lecun_normal", "lecun_uniform", "zeros", "ones", "random_normal",
                 "random_uniform", "truncated_normal", "GlorotUniform", "normal"]:
        init = I.get(name)
        again = I.deserialize(json.loads(json.dumps(I.serialize(init))))
        assert type(again) is type(init) and again.get_config() == init.get_config()
    assert isinstance(I.get("he_normal"), I.HeNormal)
    assert I.get(I.HeNormal).get_config()["seed"] is None
    init = I.Constant(2.0)
    assert I.get(init) is init and I.get(None) is None
    assert I.get({"class_name": "RandomNormal", "config": {"stddev": 2.0}}).stddev == 2.0
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier: "
                                         r"'glorot'\. Known: .*glorot_uniform"):
        I.get("glorot")
    with pytest.raises(ValueError, match="Received: dtype='float64'"):
        I.Zeros()((2,), dtype="float64")
    with pytest.raises(ValueError, match="Invalid `mode` argument: 'fan'"):
        I.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="seed=1.5"):
        I.RandomNormal(seed=1.5)


@pytest.mark.oracle
def test_config_keys_match_keras():
    keras = pytest.importorskip("keras")
    for name, cls in I._CLASSES.items():
        ours = cls().get_config()
        ref = getattr(keras.initializers, name)().get_config()
        if name == "Identity":   # Keras's Identity.get_config() drops gain (so a saved gain is lost); ours keeps it
            ref = {**ref, "gain": 1.0}
        assert set(ours) == set(ref), name
        assert type(I.get({"class_name": name, "config": ref})) is cls
