# keras.io example "Text classification from scratch" (M. Reda, F. Chollet), verbatim in its Keras
# parts but for the imports; the aclImdb folder is built in a temporary directory from the shipped
# movie-review polarity archive (2,000 reviews, pos/neg), and sizes are shortened (20,000 -> 5,000
# tokens, 500 -> 200 words, 128 -> 32 filters and units). No tf.data: the dataset
# is batched by Keras's own utility and TextVectorization is applied before the model.
import os
import sys
import tarfile
import tempfile

import numpy as np
import visualnet as keras
from visualnet import layers

# Build aclImdb/train/{pos,neg} and aclImdb/test/{pos,neg} from the archive
root = tempfile.mkdtemp()
with tarfile.open(sys.argv[1]) as tar:
    members = sorted((m for m in tar.getmembers() if m.name.endswith(".txt")), key=lambda m: m.name)
    for i, member in enumerate(members):
        label = "pos" if "/pos/" in member.name else "neg"
        split = "test" if i % 5 == 0 else "train"
        os.makedirs(os.path.join(root, "aclImdb", split, label), exist_ok=True)
        with open(os.path.join(root, "aclImdb", split, label, os.path.basename(member.name)), "wb") as f:
            f.write(tar.extractfile(member).read())

batch_size = 32
raw_train_ds = keras.utils.text_dataset_from_directory(
    os.path.join(root, "aclImdb/train"),
    batch_size=batch_size,
    validation_split=0.2,
    subset="training",
    seed=1337,
)
raw_val_ds = keras.utils.text_dataset_from_directory(
    os.path.join(root, "aclImdb/train"),
    batch_size=batch_size,
    validation_split=0.2,
    subset="validation",
    seed=1337,
)
raw_test_ds = keras.utils.text_dataset_from_directory(
    os.path.join(root, "aclImdb/test"), batch_size=batch_size
)

print(f"Number of batches in raw_train_ds: {len(raw_train_ds)}")
print(f"Number of batches in raw_val_ds: {len(raw_val_ds)}")
print(f"Number of batches in raw_test_ds: {len(raw_test_ds)}")

# It's important to take a look at your raw data to ensure your normalization
# and tokenization will work as expected. We can do that by taking a few
# examples from the training set and looking at them.
for text_batch, label_batch in raw_train_ds:
    for i in range(2):
        print(str(text_batch[i])[:80])
        print(label_batch[i])
    break

# Model constants.
max_features = 5000
embedding_dim = 32
sequence_length = 200

# Now that we have our custom standardization, we can instantiate our text
# vectorization layer. We are using this layer to only consider the top `max_features`
# words, and to make the output an integer index per word.
vectorize_layer = keras.layers.TextVectorization(
    max_tokens=max_features,
    output_mode="int",
    output_sequence_length=sequence_length,
)

# Now that the vectorize_layer has been created, call `adapt` on a text-only
# dataset to create the vocabulary. You don't have to batch, but for very large
# datasets this means you're not keeping spare copies of the dataset in memory.

# Let's make a text-only dataset (no labels):
text_ds = raw_train_ds.map(lambda x, y: x)
# Let's call `adapt`:
vectorize_layer.adapt(text_ds)
print("Vocabulary size:", len(vectorize_layer.get_vocabulary()))


def vectorize_text(text, label):
    return vectorize_layer(text), label


# Vectorize the data.
train_ds = raw_train_ds.map(vectorize_text)
val_ds = raw_val_ds.map(vectorize_text)
test_ds = raw_test_ds.map(vectorize_text)

# A integer input for vocab indices.
inputs = keras.Input(shape=(None,), dtype="int64")

# Next, we add a layer to map those vocab indices into a space of dimensionality
# 'embedding_dim'.
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.5)(x)

# Conv1D + global max pooling
x = layers.Conv1D(32, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.Conv1D(32, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.GlobalMaxPooling1D()(x)

# We add a vanilla hidden layer:
x = layers.Dense(32, activation="relu")(x)
x = layers.Dropout(0.5)(x)

# We project onto a single unit output layer, and squash it with a sigmoid:
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)

# Compile the model with binary crossentropy loss and an adam optimizer.
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

epochs = 3

# Fit the model using the train and test datasets.
model.fit(train_ds, validation_data=val_ds, epochs=epochs)

loss, accuracy = model.evaluate(test_ds)
print("Test accuracy:", accuracy)

# A string input
inputs = keras.Input(shape=(1,), dtype="string")
# Turn strings into vocab indices
indices = vectorize_layer(inputs)
# Turn vocab indices into predictions
outputs = model(indices)

# Our end to end model
end_to_end_model = keras.Model(inputs, outputs)
end_to_end_model.compile(
    loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"]
)

# Test it with `raw_test_ds`, which yields strings
print("End-to-end accuracy:", end_to_end_model.evaluate(raw_test_ds)[1])
