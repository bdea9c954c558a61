# keras.io example "Bidirectional LSTM on IMDB" (F. Chollet), verbatim in its Keras parts but for
# the imports; IMDB is not available offline, so the reviews are the shipped movie-review polarity
# archive turned into word indices by TextVectorization, padded by keras.utils.pad_sequences as
# the example pads IMDB's; sizes shortened (20,000 -> 2,000 words, 200 -> 80 words per review,
# 128 -> 16 dims, 64 -> 8 units, 1,600 / 400 reviews, 2 epochs).
import sys
import tarfile

import numpy as np
import visualnet as keras
from visualnet import layers

max_features = 2000  # Only consider the top 20k words
maxlen = 80  # Only consider the first 200 words of each movie review

with tarfile.open(sys.argv[1]) as tar:
    members = sorted((m for m in tar.getmembers() if m.name.endswith(".txt")), key=lambda m: m.name)
    texts = [tar.extractfile(m).read().decode("utf-8") for m in members]
    labels = np.array([1 if "/pos/" in m.name else 0 for m in members])
order = np.random.default_rng(1337).permutation(len(texts))
texts = np.array(texts)[order]
labels = labels[order]

vectorizer = layers.TextVectorization(max_tokens=max_features, output_mode="int")
vectorizer.adapt(texts[:1600])
sequences = [[int(t) for t in row if t != 0] for row in np.array(vectorizer(texts))]

x_train, y_train = sequences[:1600], labels[:1600]
x_val, y_val = sequences[1600:], labels[1600:]
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# Use pad_sequence to standardize sequence length:
# this will truncate sequences longer than 200 words and zero-pad sequences shorter than 200 words.
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)
print("x_train shape:", x_train.shape)

# Input for variable-length sequences of integers
inputs = keras.Input(shape=(None,), dtype="int32")
# Embed each integer in a 128-dimensional vector
x = layers.Embedding(max_features, 16)(inputs)
# Add 2 bidirectional LSTMs
x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(8))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val))
print("Validation accuracy:", model.evaluate(x_val, y_val, verbose=0)[1])
