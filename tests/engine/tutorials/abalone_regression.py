# TensorFlow tutorial "Basic regression: Predict fuel efficiency" (the Boston/auto-mpg style
# regression with Normalization.adapt), verbatim in its Keras parts but for the imports, on the
# UCI abalone table (rings from 8 measurements, the sex one-hot encoded) read with NumPy
# (pandas is not installed), 100 -> 20 epochs.
import sys

import numpy as np
import visualnet as keras
from visualnet import layers

raw = np.loadtxt(sys.argv[1], delimiter=",", dtype=str)
sex = raw[:, 0]
numeric = raw[:, 1:].astype("float32")
one_hot = np.stack([(sex == s).astype("float32") for s in ("M", "F", "I")], axis=1)
dataset = np.concatenate([one_hot, numeric], axis=1)

rng = np.random.default_rng(0)
order = rng.permutation(len(dataset))
train_dataset = dataset[order[: int(0.8 * len(dataset))]]
test_dataset = dataset[order[int(0.8 * len(dataset)):]]

train_features, train_labels = train_dataset[:, :-1], train_dataset[:, -1]
test_features, test_labels = test_dataset[:, :-1], test_dataset[:, -1]

normalizer = layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features))
print("Normalized first example shape:", np.array(normalizer(train_features[:1])).shape)


def build_and_compile_model(norm):
    model = keras.Sequential([
        norm,
        layers.Dense(64, activation='relu'),
        layers.Dense(64, activation='relu'),
        layers.Dense(1)
    ])

    model.compile(loss='mean_absolute_error',
                  optimizer=keras.optimizers.Adam(0.001))
    return model


dnn_model = build_and_compile_model(normalizer)

history = dnn_model.fit(
    train_features,
    train_labels,
    validation_split=0.2,
    verbose=0, epochs=20)
print("History keys:", sorted(history.history))
dnn_model.summary()

test_results = dnn_model.evaluate(test_features, test_labels, verbose=0)
print("Test MAE:", test_results)
baseline = float(np.mean(np.abs(test_labels - np.mean(train_labels))))
print("Baseline MAE:", baseline)
test_predictions = dnn_model.predict(test_features).flatten()
print("Prediction shape:", test_predictions.shape)
