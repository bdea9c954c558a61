# "How to Develop ... Models for Time Series Forecasting" pattern (J. Brownlee) written with
# keras.utils.timeseries_dataset_from_array as in the keras.io docs: the next day's minimum
# temperature in Melbourne from the previous 14 days, a Conv1D model, 5 epochs.
import csv
import sys

import numpy as np
import visualnet as keras
from visualnet import layers

with open(sys.argv[1]) as f:
    series = np.array([float(r[1]) for r in list(csv.reader(f))[1:]], dtype="float32")
mean, std = series[:2900].mean(), series[:2900].std()
series = (series - mean) / std

window = 14
data = series[:, None]
train = keras.utils.timeseries_dataset_from_array(
    data[:-1], series[window:], sequence_length=window, batch_size=64, end_index=2900)
test = keras.utils.timeseries_dataset_from_array(
    data[:-1], series[window:], sequence_length=window, batch_size=64, start_index=2900)

for x, y in train:
    print("Window batch:", tuple(x.shape), tuple(y.shape))
    break

model = keras.Sequential([
    keras.Input(shape=(window, 1)),
    layers.Conv1D(32, 3, activation="relu"),
    layers.MaxPooling1D(2),
    layers.Flatten(),
    layers.Dense(32, activation="relu"),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.fit(train, epochs=5, validation_data=test, verbose=2)
loss, mae = model.evaluate(test, verbose=0)
naive = float(np.mean(np.abs(series[2900 + window - 1:-1] - series[2900 + window:])))
print("Test MAE (deg C):", mae * std)
print("Persistence MAE (deg C):", naive * std)
