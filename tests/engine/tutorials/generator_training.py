# Keras's fit on a Python generator, as in the keras.io "Training & evaluation" guide and the
# Keras 2 `fit_generator` tutorials (steps_per_epoch, validation_data as a generator with
# validation_steps), verbatim but for the imports; the shipped MNIST digits, 3 epochs.
import numpy as np
import visualnet as keras
from visualnet import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255
x_test = x_test.reshape(-1, 784).astype("float32") / 255


def batch_generator(x, y, batch_size):
    """Yields shuffled batches forever, as Keras 2 tutorials wrote them."""
    while True:
        order = np.random.permutation(len(x))
        for start in range(0, len(x) - batch_size + 1, batch_size):
            idx = order[start : start + batch_size]
            yield x[idx], y[idx]


model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

history = model.fit(
    batch_generator(x_train, y_train, 32),
    steps_per_epoch=50,
    epochs=3,
    validation_data=batch_generator(x_test, y_test, 100),
    validation_steps=5,
)
print("History keys:", sorted(history.history))
print("Epochs:", len(history.history["loss"]))

# evaluate and predict on generators, with steps
print("Generator evaluate accuracy:", model.evaluate(batch_generator(x_test, y_test, 100), steps=20, verbose=0)[1])


def inputs_only(x, batch_size):
    for start in range(0, len(x), batch_size):
        yield (x[start : start + batch_size],)


print("Generator predict shape:", model.predict(inputs_only(x_test[:250], 100), verbose=0).shape)

# A finite generator: one epoch is one pass
def one_pass(x, y, batch_size):
    for start in range(0, len(x), batch_size):
        yield x[start : start + batch_size], y[start : start + batch_size]


print("Finite generator loss:", round(model.evaluate(one_pass(x_test, y_test, 500), verbose=0)[0], 4) > 0)
print("Test accuracy:", model.evaluate(x_test, y_test, verbose=0)[1])
