# keras.io guide "Understanding masking & padding" (S. Fang, F. Chollet): "Supporting masking in
# your custom layers" (a layer that passes the mask on with `supports_masking`, one that changes it
# in `compute_mask`, and one that consumes it in `call(inputs, mask=None)`), on padded integer
# sequences; verbatim but for the imports, the data, weights set from a seeded generator and
# shuffle=False so the Keras twin can be compared number by number.
import numpy as np
import visualnet as keras
from visualnet import layers, ops


class MyActivation(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Signal that the layer is safe for mask propagation
        self.supports_masking = True

    def call(self, inputs):
        return ops.relu(inputs)


class TemporalSplit(keras.layers.Layer):
    """Keeps the first half of the timesteps, and their mask."""

    def call(self, inputs):
        return inputs[:, : ops.shape(inputs)[1] // 2]

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return mask[:, : ops.shape(mask)[1] // 2]


class TemporalSoftmaxPooling(keras.layers.Layer):
    def call(self, inputs, mask=None):
        broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
        inputs_exp = ops.exp(inputs) * broadcast_float_mask
        inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
        return ops.sum(inputs_exp / (inputs_sum + 1e-7), axis=1)


rng = np.random.default_rng(0)
lengths = rng.integers(2, 21, size=256)
x = rng.integers(1, 50, size=(256, 20))
x[np.arange(20)[None, :] >= lengths[:, None]] = 0       # padded with zeros after each sequence
y = (lengths > 10).astype("float32")[:, None]

inputs = keras.Input(shape=(20,), dtype="int32")
h = layers.Embedding(input_dim=50, output_dim=8, mask_zero=True)(inputs)
h = layers.Dense(8)(h)
h = MyActivation()(h)
h = TemporalSplit()(h)
h = TemporalSoftmaxPooling()(h)
outputs = layers.Dense(1, activation="sigmoid")(h)
model = keras.Model(inputs, outputs)
model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])

print("Predictions:", [round(float(v), 5) for v in model.predict(x[:4], verbose=0)[:, 0]])
model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
print("Losses:", [round(v, 5) for v in history.history["loss"]])
print("Trained predictions:", [round(float(v), 5) for v in model.predict(x[:4], verbose=0)[:, 0]])
