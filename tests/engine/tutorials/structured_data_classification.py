# keras.io examples "Structured data classification from scratch" and "Classification with Keras
# preprocessing layers" (structured_data/), verbatim in their Keras parts but for the imports, on
# the UCI abalone table: is an abalone older than 9 rings? The string column `sex` goes through
# StringLookup (output_mode="binary", the first tutorial's way) and through StringLookup +
# CategoryEncoding (the second's), the whole-weight column through Discretization, the integer
# column `shell_bucket` through IntegerLookup, the others through Normalization. NumPy arrays and
# dicts stand in for the tutorials' tf.data pipelines (pandas and tf.data are not installed);
# 50 -> 8 epochs. Keras's StringLookup and IntegerLookup need TensorFlow, so it has no torch twin.
import sys

import numpy as np
import visualnet as keras
from visualnet import layers

raw = np.loadtxt(sys.argv[1], delimiter=",", dtype=str)
columns = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]
features = {"sex": raw[:, 0]}
for i, name in enumerate(columns):
    features[name] = raw[:, i + 1].astype("float32")
features["shell_bucket"] = np.floor(features["shell_weight"] * 10).astype("int64")
target = (raw[:, -1].astype("int64") > 9).astype("float32")

rng = np.random.default_rng(1337)
order = rng.permutation(len(target))
n_val = int(0.2 * len(target))
val = {k: v[order[:n_val], None] for k, v in features.items()}         # columns of shape (n, 1)
train = {k: v[order[n_val:], None] for k, v in features.items()}
y_val, y_train = target[order[:n_val]], target[order[n_val:]]
print(f"Using {len(y_train)} samples for training and {len(y_val)} for validation")


def encode_numerical_feature(feature, name, dataset):
    # Create a Normalization layer for our feature
    normalizer = layers.Normalization()
    # Learn the statistics of the data
    normalizer.adapt(dataset[name])
    # Normalize the input feature
    encoded_feature = normalizer(feature)
    return encoded_feature


def encode_categorical_feature(feature, name, dataset, is_string):
    lookup_class = layers.StringLookup if is_string else layers.IntegerLookup
    # Create a lookup layer which will turn strings into integer indices
    lookup = lookup_class(output_mode="binary")
    # Learn the set of possible string values and assign them a fixed integer index
    lookup.adapt(dataset[name])
    # Turn the string input into integer indices
    encoded_feature = lookup(feature)
    return encoded_feature


def get_category_encoding_layer(name, dataset, dtype, max_tokens=None):
    # Create a layer that turns strings into integer indices.
    if dtype == "string":
        index = layers.StringLookup(max_tokens=max_tokens)
    # Otherwise, create a layer that turns integer values into integer indices.
    else:
        index = layers.IntegerLookup(max_tokens=max_tokens)
    # Learn the set of possible values and assign them a fixed integer index.
    index.adapt(dataset[name])
    # Encode the integer indices.
    encoder = layers.CategoryEncoding(num_tokens=index.vocabulary_size())
    # Apply multi-hot encoding to the indices. The lambda function captures the
    # layer, so you can use them, or include them in the Keras Functional model later.
    return lambda feature: encoder(index(feature))


sex = keras.Input(shape=(1,), name="sex", dtype="string")
shell_bucket = keras.Input(shape=(1,), name="shell_bucket", dtype="int64")
numeric_inputs = {name: keras.Input(shape=(1,), name=name) for name in columns}
all_inputs = [sex, shell_bucket] + list(numeric_inputs.values())

sex_binary = encode_categorical_feature(sex, "sex", train, True)
sex_encoded = get_category_encoding_layer("sex", train, "string")(sex)
bucket_encoded = encode_categorical_feature(shell_bucket, "shell_bucket", train, False)
weight_bins = layers.Discretization(num_bins=4)
weight_bins.adapt(train["whole_weight"])
weight_binned = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(
    weight_bins(numeric_inputs["whole_weight"]))
numeric_encoded = [encode_numerical_feature(numeric_inputs[name], name, train) for name in columns]
print("Encoded widths:", sex_binary.shape[-1], sex_encoded.shape[-1], bucket_encoded.shape[-1], weight_binned.shape[-1])

all_features = layers.concatenate([sex_binary, sex_encoded, bucket_encoded, weight_binned] + numeric_encoded)
x = layers.Dense(32, activation="relu")(all_features)
x = layers.Dropout(0.5)(x)
output = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(all_inputs, output)
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
model.summary()

history = model.fit(train, y_train, epochs=8, batch_size=32, validation_data=(val, y_val), verbose=0)
print("History keys:", sorted(history.history))
loss, accuracy = model.evaluate(val, y_val, verbose=0)
print("Validation accuracy:", round(float(accuracy), 3))
print("Majority baseline:", round(float(max(y_val.mean(), 1 - y_val.mean())), 3))

sample = {"sex": "F", "length": 0.6, "diameter": 0.48, "height": 0.17, "whole_weight": 1.2, "shucked_weight": 0.5,
          "viscera_weight": 0.25, "shell_weight": 0.35, "shell_bucket": 3}
input_dict = {name: np.array([[value]]) for name, value in sample.items()}
predictions = model.predict(input_dict, verbose=0)
print(f"This abalone had a {100 * predictions[0][0]:.1f} percent probability of being older than 9 rings.")
print("Prediction shape:", predictions.shape)
