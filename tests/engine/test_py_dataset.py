"""`visualnet.utils.PyDataset` (alias `Sequence`) against `keras.utils.PyDataset`: the
same batches per epoch, `on_epoch_end` calls, weights (2e-3) and logs (1e-4 relative);
`workers` loads batches on threads in order."""

import warnings

import numpy as np
import pytest

import visualnet as vn

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 4)).astype("float32")
Y = RNG.normal(size=(20, 1)).astype("float32")


def dataset_class(base):
    class Data(base):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.ends = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return X[i * 8:i * 8 + 8], Y[i * 8:i * 8 + 8]

        def on_epoch_end(self):
            self.ends += 1
    return Data


KData, VData = dataset_class(keras.utils.PyDataset), dataset_class(vn.utils.PyDataset)


def _pair():
    k = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    v = vn.Sequential([vn.layers.Input((4,)), vn.layers.Dense(3, activation="relu"), vn.layers.Dense(1)])
    weights = [np.random.default_rng(1).normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    k.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    v.compile(vn.optimizers.Adam(0.01), "mse", metrics=["mae"])
    return k, v


@pytest.mark.parametrize("kwargs", [dict(epochs=2), dict(epochs=3, steps_per_epoch=2)])
@pytest.mark.parametrize("workers", [1, 3])
def test_fit_on_a_py_dataset_like_keras(kwargs, workers):
    k, v = _pair()
    dk, dv = KData(), VData(workers=workers, max_queue_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hk = k.fit(dk, shuffle=False, verbose=0, validation_data=KData(), **kwargs)
        hv = v.fit(dv, shuffle=False, verbose=0, validation_data=VData(), **kwargs)
    assert dv.ends == dk.ends
    assert list(hv.history) == list(hk.history)
    for key in hk.history:
        assert hv.history[key] == pytest.approx(hk.history[key], rel=1e-4)
    for a, b in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)
    assert v.evaluate(VData(), verbose=0) == pytest.approx(k.evaluate(KData(), verbose=0), rel=1e-4)
    np.testing.assert_allclose(v.predict(VData(use_multiprocessing=True), verbose=0),
                               k.predict(KData(), verbose=0), atol=1e-5)


def test_sequence_is_py_dataset_and_shuffle_draws_batch_orders():
    assert vn.utils.Sequence is vn.utils.PyDataset
    _, v = _pair()
    order = []

    class Logged(VData):
        def __getitem__(self, i):
            order.append(i)
            return super().__getitem__(i)

    v.fit(Logged(), epochs=4, verbose=0)            # shuffle=True: each epoch a permutation of the batches
    order = order[1:]                               # fit first reads batch 0 to set up the metrics
    assert sorted(order) == sorted(list(range(3)) * 4) and order != list(range(3)) * 4


def test_missing_super_init_warns_as_keras():
    class Bare(vn.utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return X[:4], Y[:4]

    _, v = _pair()
    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        v.fit(Bare(), verbose=0)
