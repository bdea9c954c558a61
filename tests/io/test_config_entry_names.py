"""A functional config finds each layer's tensors by the entry's "name", as Keras does: a
custom layer whose get_config() leaves out "name" (the functional API guide's CustomDense)
is rebuilt under a new name and still wired."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def _custom_dense(k):
    class CustomDense(k.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

        def call(self, inputs):
            return k.ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            return {"units": self.units}
    return CustomDense


@pytest.mark.parametrize("k", [keras, visualnet], ids=["keras", "visualnet"])
def test_from_config_of_a_custom_layer_without_name(k):
    CustomDense = _custom_dense(k)
    inputs = k.Input((4,))
    model = k.Model(inputs, k.layers.Dense(2)(CustomDense(10)(inputs)))
    new_model = k.Model.from_config(model.get_config(), custom_objects={"CustomDense": CustomDense})
    assert [type(layer).__name__ for layer in new_model.layers] == ["InputLayer", "CustomDense", "Dense"]
    assert np.asarray(new_model.predict(np.ones((3, 4), "float32"), verbose=0)).shape == (3, 2)
