# The Keras 2/3 "train_on_batch" loop (as in the Keras FAQ and the GAN / custom-loop tutorials:
# one call per batch, test_on_batch and predict_on_batch beside it), made deterministic: the
# weights are set from a seeded NumPy generator and the batches are taken in order, so the
# printed losses are the same in Keras.
import numpy as np
import visualnet as keras
from visualnet import layers

rng = np.random.default_rng(1234)
x = rng.standard_normal((256, 20)).astype("float32")
y = (x[:, :3].sum(axis=1) > 0).astype("float32")[:, None]
yc = rng.integers(0, 4, size=(256,))

model = keras.Sequential([
    keras.Input(shape=(20,)),
    layers.Dense(16, activation="tanh"),
    layers.Dense(8, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), loss="binary_crossentropy",
              metrics=["accuracy"])

for epoch in range(3):
    for start in range(0, 256, 64):
        loss, acc = model.train_on_batch(x[start : start + 64], y[start : start + 64])
    print(f"SGD epoch {epoch} last batch loss: {loss:.6f} acc: {acc:.6f}")

print("test_on_batch:", [round(float(v), 5) for v in model.test_on_batch(x[:64], y[:64])])
print("test_on_batch dict:", sorted(model.test_on_batch(x[:64], y[:64], return_dict=True)))
print("predict_on_batch:", np.round(model.predict_on_batch(x[:3]).ravel(), 5).tolist())

model = keras.Sequential([
    keras.Input(shape=(20,)),
    layers.Dense(12, activation="relu"),
    layers.Dense(4, activation="softmax"),
])
model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3 for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
for step in range(6):
    loss = model.train_on_batch(x[step * 32 : (step + 1) * 32], yc[step * 32 : (step + 1) * 32])
    print(f"Adam step {step} loss: {float(loss):.6f}")
weights = np.array(model.predict_on_batch(x[:2]))
print("Adam predict_on_batch:", np.round(weights.ravel(), 5).tolist())

model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01), loss="sparse_categorical_crossentropy")
w = model.train_on_batch(x[:32], yc[:32], sample_weight=np.linspace(0.5, 1.5, 32), return_dict=True)
print("RMSprop weighted loss:", round(float(w["loss"]), 5))
