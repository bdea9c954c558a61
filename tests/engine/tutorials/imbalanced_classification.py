# keras.io example "Imbalanced classification: credit card fraud detection" (F. Chollet), as
# written but for the imports, a temporary folder, the data (no creditcard.csv here: 4,000
# made-up transactions of 30 features, 2% of them frauds shifted away from the rest), sizes
# (30 -> 6 epochs) and prints of what the example's logs show.
import os
import tempfile

import numpy as np
import visualnet as keras

os.chdir(tempfile.mkdtemp())
rng = np.random.default_rng(3)

# First, vectorize the CSV data
features = rng.standard_normal((4000, 30)).astype("float32")
targets = (rng.random((4000, 1)) < 0.02).astype("uint8")
features[targets[:, 0] == 1, :5] += 2.0
print("features.shape:", features.shape)
print("targets.shape:", targets.shape)

# Prepare a validation set
num_val_samples = int(len(features) * 0.2)
train_features = features[:-num_val_samples]
train_targets = targets[:-num_val_samples]
val_features = features[-num_val_samples:]
val_targets = targets[-num_val_samples:]

print("Number of training samples:", len(train_features))
print("Number of validation samples:", len(val_features))

# Analyze class imbalance in the targets
counts = np.bincount(train_targets[:, 0])
print(
    "Number of positive samples in training data: {} ({:.2f}% of total)".format(
        counts[1], 100 * float(counts[1]) / len(train_targets)
    )
)

weight_for_0 = 1.0 / counts[0]
weight_for_1 = 1.0 / counts[1]

# Normalize the data using training set statistics
mean = np.mean(train_features, axis=0)
train_features -= mean
val_features -= mean
std = np.std(train_features, axis=0)
train_features /= std
val_features /= std

# Build a binary classification model
model = keras.Sequential(
    [
        keras.Input(shape=train_features.shape[1:]),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.summary()

# Train the model with `class_weight` argument
metrics = [
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
]

model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics)

callbacks = [keras.callbacks.ModelCheckpoint("fraud_model_at_epoch_{epoch}.keras")]
class_weight = {0: weight_for_0, 1: weight_for_1}

history = model.fit(
    train_features,
    train_targets,
    batch_size=2048,
    epochs=6,
    verbose=0,
    callbacks=callbacks,
    validation_data=(val_features, val_targets),
    class_weight=class_weight,
)
print("History keys:", list(history.history))
print("Checkpoints:", sorted(f for f in os.listdir(".") if f.endswith(".keras")))
val = {k: v[-1] for k, v in history.history.items()}
print("Validation frauds:", int(val["val_tp"] + val["val_fn"]), "of", len(val_targets))
print("Validation confusion sums to:", int(val["val_tp"] + val["val_fn"] + val["val_fp"] + val["val_tn"]))
print("Validation recall:", round(val["val_recall"], 3))
reloaded = keras.models.load_model("fraud_model_at_epoch_6.keras")
print("Reloaded metrics:", list(reloaded.evaluate(val_features, val_targets, verbose=0, return_dict=True)))
