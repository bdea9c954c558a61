# keras.io API docs of keras.utils.PyDataset (its CIFAR10PyDataset example) and the guide "Training
# & evaluation with the built-in methods", section "Using a keras.utils.PyDataset object", verbatim
# but for the imports and the data (the shipped MNIST digits, in memory, 2,000 / 500).
import math

import numpy as np
import visualnet as keras
from visualnet import layers


class ExamplePyDataset(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x = x
        self.y = y
        self.batch_size = batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        batch_x = self.x[idx * self.batch_size : (idx + 1) * self.batch_size]
        batch_y = self.y[idx * self.batch_size : (idx + 1) * self.batch_size]
        return batch_x, batch_y


class EpochCountingPyDataset(ExamplePyDataset):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.epochs_ended = 0

    def on_epoch_end(self):
        self.epochs_ended += 1


(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train[:2000].reshape(-1, 784).astype("float32") / 255
y_train = y_train[:2000]
x_val = x_test[:500].reshape(-1, 784).astype("float32") / 255
y_val = y_test[:500]

train_py_dataset = EpochCountingPyDataset(x_train, y_train, batch_size=64)
val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=64)
print("Batches per epoch:", len(train_py_dataset))

model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
model.compile(
    optimizer="rmsprop",
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["sparse_categorical_accuracy"],
)
history = model.fit(train_py_dataset, validation_data=val_py_dataset, epochs=2)
print("History keys:", sorted(history.history))
print("on_epoch_end calls:", train_py_dataset.epochs_ended)
print("Validation accuracy:", model.evaluate(val_py_dataset, verbose=0)[1])
print("Predictions shape:", model.predict(val_py_dataset, verbose=0).shape)
# a PyDataset yielding only inputs is what predict takes
class InputsOnly(keras.utils.PyDataset):
    def __len__(self):
        return 3

    def __getitem__(self, idx):
        return x_val[idx * 10 : (idx + 1) * 10]


print("Inputs-only predictions shape:", model.predict(InputsOnly(), verbose=0).shape)
