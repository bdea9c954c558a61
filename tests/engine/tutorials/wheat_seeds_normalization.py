# keras.io / TensorFlow tutorial "Classify structured data" pattern: a Normalization layer
# adapted on the training features inside the model, on the UCI wheat-seeds table (a wine-style
# 3-class problem: 7 numeric measurements, classes 1..3), 60 epochs.
import sys

import numpy as np
import visualnet as keras
from visualnet import layers

data = np.loadtxt(sys.argv[1], delimiter=",")
rng = np.random.default_rng(42)
data = data[rng.permutation(len(data))]
features = data[:, :7].astype("float32")
labels = data[:, 7].astype("int64") - 1
train_x, test_x = features[:160], features[160:]
train_y, test_y = labels[:160], labels[160:]

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(train_x)
print("Normalization mean:", np.round(np.array(normalizer.mean).ravel()[:3], 4).tolist())

model = keras.Sequential([
    keras.Input(shape=(7,)),
    normalizer,
    layers.Dense(16, activation="relu"),
    layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
model.fit(train_x, train_y, epochs=60, batch_size=16, validation_split=0.2, verbose=0)
loss, accuracy = model.evaluate(test_x, test_y, verbose=0)
print("Test accuracy:", accuracy)
