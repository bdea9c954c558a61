# fit / evaluate / predict made deterministic so that every number can be compared with Keras:
# the weights are set from a seeded NumPy generator (set_weights), shuffle=False, no dropout.
# The models are those of the guides (an MLP with validation_split, a small convnet with
# BatchNormalization, an LSTM), trained a few epochs with each of Keras's optimizers.
import numpy as np
import visualnet as keras
from visualnet import layers

rng = np.random.default_rng(2024)


def report(name, history, model, x, y):
    for key in sorted(history.history):
        print(f"{name} {key}:", " ".join(f"{v:.6f}" for v in history.history[key]))
    print(f"{name} evaluate:", " ".join(f"{v:.6f}" for v in np.atleast_1d(model.evaluate(x, y, verbose=0))))
    print(f"{name} predict:", " ".join(f"{v:.6f}" for v in np.ravel(model.predict(x[:2], verbose=0))[:6]))


x = rng.standard_normal((240, 12)).astype("float32")
y = rng.integers(0, 3, size=(240,))
for opt in ("sgd", "adam", "rmsprop", "adagrad"):
    model = keras.Sequential([keras.Input(shape=(12,)), layers.Dense(16, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()])
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=3, shuffle=False, validation_split=0.25, verbose=0)
    report(f"mlp-{opt}", history, model, x, y)

images = rng.random((64, 8, 8, 1)).astype("float32")
labels = keras.utils.to_categorical(rng.integers(0, 2, size=(64,)), 2)
model = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    layers.Conv2D(4, 3, activation="relu"),
    layers.BatchNormalization(),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(2, activation="softmax"),
])
model.set_weights([
    rng.standard_normal(w.shape).astype("float32") * 0.3 if i not in (3, 5) else
    np.full(w.shape, 1.0 if i == 5 else 0.0, "float32")
    for i, w in enumerate(model.get_weights())
])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(images, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
report("conv-bn", history, model, images, labels)

seq = rng.standard_normal((48, 5, 3)).astype("float32")
target = seq.sum(axis=(1, 2))[:, None].astype("float32")
model = keras.Sequential([keras.Input(shape=(5, 3)), layers.LSTM(6), layers.Dense(1)])
model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="mse", metrics=["mae"])
history = model.fit(seq, target, batch_size=16, epochs=3, shuffle=False, verbose=0)
report("lstm", history, model, seq, target)
