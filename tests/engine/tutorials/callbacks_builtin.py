# keras.io guide "Training & evaluation with the built-in methods", sections "Using callbacks",
# "Checkpointing models" and "Using learning rate schedules" (EarlyStopping, ModelCheckpoint,
# ReduceLROnPlateau), verbatim but for the imports, the shipped MNIST split (2,000 digits), a
# temporary folder for the checkpoints and epochs (20 -> 6).
import os
import tempfile

import numpy as np
import visualnet as keras
from visualnet import layers


def get_compiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train[:2000].reshape(2000, 784).astype("float32") / 255
y_train = y_train[:2000].astype("float32")

model = get_compiled_model()

callbacks = [
    keras.callbacks.EarlyStopping(
        # Stop training when `val_loss` is no longer improving
        monitor="val_loss",
        # "no longer improving" being defined as "no better than 1e-2 less"
        min_delta=1e-2,
        # "no longer improving" being further defined as "for at least 2 epochs"
        patience=2,
        verbose=1,
    )
]
history = model.fit(
    x_train,
    y_train,
    epochs=6,
    batch_size=64,
    callbacks=callbacks,
    validation_split=0.2,
)
print("EarlyStopping epochs run:", len(history.epoch))

checkpoint_dir = tempfile.mkdtemp()
model = get_compiled_model()
callbacks = [
    keras.callbacks.ModelCheckpoint(
        # Path where to save the model
        # The two parameters below mean that we will overwrite
        # the current checkpoint if and only if
        # the `val_loss` score has improved.
        # The saved model name will include the current epoch.
        filepath=os.path.join(checkpoint_dir, "mymodel_{epoch}.keras"),
        save_best_only=True,  # Only save a model if `val_loss` has improved.
        monitor="val_loss",
        verbose=1,
    )
]
model.fit(
    x_train, y_train, epochs=2, batch_size=64, callbacks=callbacks, validation_split=0.2
)
print("Checkpoints:", sorted(os.listdir(checkpoint_dir)))


def make_or_restore_model():
    # Either restore the latest model, or create a fresh one
    # if there is no checkpoint available.
    checkpoints = [checkpoint_dir + "/" + name for name in os.listdir(checkpoint_dir)]
    if checkpoints:
        latest_checkpoint = max(checkpoints, key=os.path.getctime)
        print("Restoring from", os.path.basename(latest_checkpoint))
        return keras.models.load_model(latest_checkpoint)
    print("Creating a new model")
    return get_compiled_model()


model = make_or_restore_model()
print("Restored accuracy:", model.evaluate(x_train, y_train, verbose=0)[1])

model = get_compiled_model()
callbacks = [
    keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0, verbose=1)
]
history = model.fit(x_train, y_train, epochs=3, batch_size=64, callbacks=callbacks, verbose=0)
print("Learning rates:", [round(v, 6) for v in history.history["learning_rate"]])
