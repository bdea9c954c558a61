# keras.io API docs of CSVLogger and LearningRateScheduler, their examples verbatim but for the
# imports, a temporary file, data (the shipped MNIST digits, 1,000 of them) and epochs.
import csv
import os
import tempfile

import numpy as np
import visualnet as keras
from visualnet import layers

(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train[:1000].reshape(1000, 784).astype("float32") / 255
y_train = y_train[:1000]


# This function keeps the initial learning rate for the first ten epochs
# and decreases it exponentially after that.
def scheduler(epoch, lr):
    if epoch < 2:
        return lr
    else:
        return lr * np.exp(-0.1)


model = keras.models.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])
model.compile(keras.optimizers.SGD(), loss="mse")
print("Initial learning rate:", round(float(model.optimizer.learning_rate), 5))

callback = keras.callbacks.LearningRateScheduler(scheduler)
history = model.fit(
    x_train, keras.utils.to_categorical(y_train, 10), epochs=5, callbacks=[callback], verbose=0
)
print("Epochs run:", len(history.history["loss"]))
print("Final learning rate:", round(float(model.optimizer.learning_rate), 5))

log_file = os.path.join(tempfile.mkdtemp(), "training.log")
csv_logger = keras.callbacks.CSVLogger(log_file)
model = keras.Sequential(
    [keras.Input(shape=(784,)), layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")]
)
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=3, validation_split=0.2, callbacks=[csv_logger], verbose=0)
with open(log_file) as f:
    rows = list(csv.reader(f))
print("CSV header:", rows[0])
print("CSV epochs:", [r[0] for r in rows[1:]])

# append=True continues the same file
csv_logger = keras.callbacks.CSVLogger(log_file, separator=";", append=True)
model.fit(x_train, y_train, epochs=1, callbacks=[csv_logger], verbose=0)
with open(log_file) as f:
    print("CSV lines after append:", len(f.read().splitlines()))
