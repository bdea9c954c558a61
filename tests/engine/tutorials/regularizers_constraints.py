# keras.io API docs "Layer weight regularizers" and "Layer weight constraints", and "How to Use
# Weight Decay to Reduce Overfitting" (J. Brownlee), verbatim but for the imports; deterministic
# (weights set from a seeded NumPy generator, shuffle=False) so the losses compare with Keras.
import numpy as np
import visualnet as keras
from visualnet import layers
from visualnet import regularizers
from visualnet import constraints

layer = layers.Dense(
    units=64,
    kernel_regularizer=regularizers.L1L2(l1=1e-5, l2=1e-4),
    bias_regularizer=regularizers.L2(1e-4),
    activity_regularizer=regularizers.L2(1e-5)
)
tensor = np.ones(shape=(5, 5), dtype="float32") * 2.0
out = layer(tensor)
# The kernel regularization term is 0.25
# The activity regularization term (after dividing by the batch size) is 5
print("Layer losses:", len(layer.losses))

rng = np.random.default_rng(7)
x = rng.standard_normal((200, 10)).astype("float32")
y = (x[:, 0] > 0).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(10,)),
    layers.Dense(32, activation="relu", kernel_regularizer=keras.regularizers.l2(0.01)),
    layers.Dense(16, activation="relu", kernel_regularizer="l1", kernel_constraint=constraints.MaxNorm(2.0)),
    layers.Dense(1, activation="sigmoid", bias_constraint=keras.constraints.NonNeg()),
])
model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(0.05), loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=50, epochs=3, shuffle=False, verbose=0)
print("Regularized losses:", " ".join(f"{v:.6f}" for v in history.history["loss"]))
print("Max kernel norm:", f"{float(np.max(np.sqrt(np.sum(model.layers[1].get_weights()[0] ** 2, axis=0)))):.6f}")
print("Config regularizer:", model.layers[0].get_config()["kernel_regularizer"]["class_name"])
