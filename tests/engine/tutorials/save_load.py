# keras.io guide "Save, serialize, and export models" (N. Kaur, F. Chollet), verbatim but for the
# imports, a temporary folder, random data sizes and epochs; prints instead of bare asserts
# where the guide shows an output.
import os
import tempfile

import numpy as np
import visualnet as keras
from visualnet import layers

os.chdir(tempfile.mkdtemp())


def get_model():
    # Create a simple model.
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    return model


model = get_model()

# Train the model.
test_input = np.random.random((128, 32))
test_target = np.random.random((128, 1))
model.fit(test_input, test_target, verbose=0)

# Calling `save('my_model.keras')` creates a zip archive `my_model.keras`.
model.save("my_model.keras")

# It can be used to reconstruct the model identically.
reconstructed_model = keras.models.load_model("my_model.keras")

# Let's check:
np.testing.assert_allclose(
    model.predict(test_input), reconstructed_model.predict(test_input)
)
print("Reloaded .keras predictions match")
print("Reloaded optimizer:", type(reconstructed_model.optimizer).__name__)
# The reconstructed model is already compiled and has retained the optimizer state,
# so training can resume:
reconstructed_model.fit(test_input, test_target, verbose=0)

# get_config / from_config
model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
config = model.get_config()
new_model = keras.Sequential.from_config(config)
print("Sequential from_config layers:", [type(l).__name__ for l in new_model.layers])

inputs = keras.Input((32,))
outputs = keras.layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)
config = model.get_config()
new_model = keras.Model.from_config(config)
print("Functional from_config layers:", [type(l).__name__ for l in new_model.layers])

# to_json / model_from_json
json_config = model.to_json()
new_model = keras.models.model_from_json(json_config)
print("model_from_json output shape:", tuple(new_model.output_shape))

# Transferring weights from one model to another, in memory
def create_layer():
    layer = keras.layers.Dense(64, activation="relu", name="dense_2")
    layer.build((None, 784))
    return layer


layer_1 = create_layer()
layer_2 = create_layer()

# Copy weights from layer 1 to layer 2
layer_2.set_weights(layer_1.get_weights())
print("Layer weights copied:", all(np.array_equal(a, b) for a, b in zip(layer_1.get_weights(), layer_2.get_weights())))

# Create a simple functional model
inputs = keras.Input(shape=(784,), name="digits")
x = keras.layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = keras.layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = keras.layers.Dense(10, name="predictions")(x)
functional_model = keras.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")

# Define a subclassed-free copy of the same architecture: a Sequential model
sequential_model = keras.Sequential(
    [
        keras.Input(shape=(784,), name="digits"),
        keras.layers.Dense(64, activation="relu", name="dense_1"),
        keras.layers.Dense(64, activation="relu", name="dense_2"),
        keras.layers.Dense(10, name="predictions"),
    ]
)
sequential_model.set_weights(functional_model.get_weights())
x = np.random.random((4, 784)).astype("float32")
np.testing.assert_allclose(functional_model.predict(x, verbose=0), sequential_model.predict(x, verbose=0), rtol=1e-6)
print("Functional -> Sequential weights transfer matches")

# Saving weights to disk & loading them back
functional_model.save_weights("my_model.weights.h5")
clone = keras.models.clone_model(functional_model)
clone.load_weights("my_model.weights.h5")
np.testing.assert_allclose(functional_model.predict(x, verbose=0), clone.predict(x, verbose=0), rtol=1e-6)
print("Reloaded .weights.h5 predictions match")
print("Files:", sorted(os.listdir(".")))

# The legacy HDF5 format
functional_model.compile(optimizer="rmsprop", loss=keras.losses.MeanSquaredError())
functional_model.save("my_h5_model.h5")
reconstructed = keras.models.load_model("my_h5_model.h5")
np.testing.assert_allclose(functional_model.predict(x, verbose=0), reconstructed.predict(x, verbose=0), rtol=1e-6)
print("Reloaded .h5 predictions match")
