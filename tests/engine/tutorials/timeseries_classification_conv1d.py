# keras.io example "Timeseries classification from scratch" (H. Ismail Fawaz), verbatim in its
# Keras parts but for the imports; FordA is not available offline, so the series are the shipped
# UCI indoor-movement RSS sequences (4 channels, padded in front to the longest), read from the
# zip with NumPy; sizes shortened (64 -> 32 filters, 500 -> 20 epochs, patience 50 -> 5).
import io
import os
import sys
import tempfile
import zipfile

import numpy as np
import visualnet as keras

with zipfile.ZipFile(sys.argv[1]) as z:
    target = np.loadtxt(io.TextIOWrapper(z.open("dataset/MovementAAL_target.csv")), delimiter=",", skiprows=1)
    series = [np.loadtxt(io.TextIOWrapper(z.open(f"dataset/MovementAAL_RSS_{int(i)}.csv")), delimiter=",",
                         skiprows=1, ndmin=2) for i in target[:, 0]]
longest = max(len(s) for s in series)
x = np.zeros((len(series), longest, 4), dtype="float32")
for i, s in enumerate(series):
    x[i, longest - len(s):] = s
y = (target[:, 1] > 0).astype(int)
order = np.random.default_rng(0).permutation(len(x))
x, y = x[order], y[order]
x_train, y_train, x_test, y_test = x[:250], y[:250], x[250:], y[250:]

num_classes = len(np.unique(y_train))
print("Classes:", num_classes, "x_train:", x_train.shape)


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=32, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=32, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=32, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])
model.summary()

epochs = 20
batch_size = 32
best = os.path.join(tempfile.mkdtemp(), "best_model.keras")

callbacks = [
    keras.callbacks.ModelCheckpoint(
        best, save_best_only=True, monitor="val_loss"
    ),
    keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=3, min_lr=0.0001
    ),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, verbose=1),
]
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)
history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    callbacks=callbacks,
    validation_split=0.2,
    verbose=1,
)

model = keras.models.load_model(best)

test_loss, test_acc = model.evaluate(x_test, y_test)

print("Test accuracy", test_acc)
print("Test loss", test_loss)
print("Majority class share", max(np.mean(y_test), 1 - np.mean(y_test)))
