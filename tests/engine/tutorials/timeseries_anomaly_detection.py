# keras.io example "Timeseries anomaly detection using an Autoencoder" (P. Kumar), as written
# but for the imports, the data (no NAB download here: a noisy daily cycle for training and the
# same with a jump in it for testing, 5-minute steps as in NAB's art_daily series), sizes
# (288 -> 48 steps per window, 50 -> 12 epochs) and prints instead of plots.
import numpy as np
import visualnet as keras
from visualnet import layers

rng = np.random.default_rng(9)
steps_per_day = 96
t = np.arange(steps_per_day * 12)
df_small_noise = 20 + 10 * np.sin(2 * np.pi * t / steps_per_day) + rng.normal(0, 0.5, len(t))
df_daily_jumpsup = 20 + 10 * np.sin(2 * np.pi * t / steps_per_day) + rng.normal(0, 0.5, len(t))
df_daily_jumpsup[700:720] += 25.0   # the anomaly

# Prepare training data
training_mean = df_small_noise.mean()
training_std = df_small_noise.std()
df_training_value = ((df_small_noise - training_mean) / training_std)[:, None]
print("Number of training samples:", len(df_training_value))

TIME_STEPS = 48


# Generated training sequences for use in the model.
def create_sequences(values, time_steps=TIME_STEPS):
    output = []
    for i in range(len(values) - time_steps + 1):
        output.append(values[i : (i + time_steps)])
    return np.stack(output)


x_train = create_sequences(df_training_value)
print("Training input shape: ", x_train.shape)

# Build a model
model = keras.Sequential(
    [
        layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
        layers.Conv1D(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Dropout(rate=0.2),
        layers.Conv1D(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Conv1DTranspose(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Dropout(rate=0.2),
        layers.Conv1DTranspose(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
        layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
    ]
)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
model.summary()

# Train the model
history = model.fit(
    x_train,
    x_train,
    epochs=12,
    batch_size=128,
    validation_split=0.1,
    verbose=0,
    callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")],
)
print("History keys:", list(history.history))
print("Loss fell:", history.history["loss"][-1] < history.history["loss"][0])

# Detecting anomalies
# Get train MAE loss.
x_train_pred = model.predict(x_train, verbose=0)
train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)

# Get reconstruction loss threshold.
threshold = np.max(train_mae_loss)
print("Reconstruction error threshold: ", round(float(threshold), 2))

# Prepare test data
df_test_value = ((df_daily_jumpsup - training_mean) / training_std)[:, None]

# Create sequences from test values.
x_test = create_sequences(df_test_value)
print("Test input shape: ", x_test.shape)

# Get test MAE loss.
x_test_pred = model.predict(x_test, verbose=0)
test_mae_loss = np.mean(np.abs(x_test_pred - x_test), axis=1)
test_mae_loss = test_mae_loss.reshape((-1))

# Detect all the samples which are anomalies.
anomalies = test_mae_loss > threshold
print("Number of anomaly samples: ", np.sum(anomalies))

# data i is an anomaly if samples [(i - timesteps + 1) to (i)] are anomalies
anomalous_data_indices = []
for data_idx in range(TIME_STEPS - 1, len(df_test_value) - TIME_STEPS + 1):
    if np.all(anomalies[data_idx - TIME_STEPS + 1 : data_idx]):
        anomalous_data_indices.append(data_idx)
print("Anomalous points:", len(anomalous_data_indices))
print("Anomalies inside the jump:", bool(anomalous_data_indices)
      and all(700 <= i < 720 + TIME_STEPS for i in anomalous_data_indices))
