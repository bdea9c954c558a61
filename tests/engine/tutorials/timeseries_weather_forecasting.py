# keras.io example "Timeseries forecasting for weather prediction" (P. Patel, A. Joshi), verbatim in
# its Keras parts but for the imports; the Jena climate record is not available offline, so the
# weather is the shipped hourly Beijing record (dew point, temperature, pressure, wind speed; the
# PM2.5 column and the categorical wind direction dropped), read with NumPy (no pandas). Sizes
# shortened: the first 6,000 hours, 72-hour past windows, 32 -> 16 LSTM units, 10 -> 3 epochs.
import csv
import gzip
import os
import sys
import tempfile

import numpy as np
import visualnet as keras

with gzip.open(sys.argv[1], "rt") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:6001]
selected = ["DEWP", "TEMP", "PRES", "Iws"]
print("The selected parameters are:", ", ".join(selected))
features = np.array([[float(r[header.index(c)]) for c in selected] for r in rows], dtype="float32")

split_fraction = 0.715
train_split = int(split_fraction * int(features.shape[0]))
step = 1

past = 72
future = 12
learning_rate = 0.001
batch_size = 256
epochs = 3


def normalize(data, train_split):
    data_mean = data[:train_split].mean(axis=0)
    data_std = data[:train_split].std(axis=0)
    return (data - data_mean) / data_std


features = normalize(features, train_split)
train_data = features[0 : train_split - 1]
val_data = features[train_split:]

start = past + future
end = start + train_split

x_train = train_data
y_train = features[start:end][:, [1]]

sequence_length = int(past / step)

dataset_train = keras.utils.timeseries_dataset_from_array(
    x_train,
    y_train,
    sequence_length=sequence_length,
    sampling_rate=step,
    batch_size=batch_size,
)

x_end = len(val_data) - past - future

label_start = train_split + past + future

x_val = val_data[:x_end]
y_val = features[label_start:][:, [1]]

dataset_val = keras.utils.timeseries_dataset_from_array(
    x_val,
    y_val,
    sequence_length=sequence_length,
    sampling_rate=step,
    batch_size=batch_size,
)

for batch in dataset_train:
    inputs, targets = batch
    break
print("Input shape:", tuple(inputs.shape))
print("Target shape:", tuple(targets.shape))

inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(16)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
model.summary()

path_checkpoint = os.path.join(tempfile.mkdtemp(), "model_checkpoint.weights.h5")
es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)

modelckpt_callback = keras.callbacks.ModelCheckpoint(
    monitor="val_loss",
    filepath=path_checkpoint,
    verbose=1,
    save_weights_only=True,
    save_best_only=True,
)

history = model.fit(
    dataset_train,
    epochs=epochs,
    validation_data=dataset_val,
    callbacks=[es_callback, modelckpt_callback],
)
print("History keys:", sorted(history.history))
print("Final val_loss:", history.history["val_loss"][-1])

for x, y in dataset_val:
    prediction = model.predict(x)
    print("Prediction shape:", prediction.shape)
    break
