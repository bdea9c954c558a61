# keras.io example "Using pre-trained word embeddings" (F. Chollet), in its Keras 2 form: the
# GloVe matrix given to the Embedding layer as `embeddings_initializer=
# keras.initializers.Constant(embedding_matrix)` with `trainable=False`. No download here:
# the "GloVe" vectors are drawn from a seeded generator, the corpus is a few sentences with a
# plain-Python vocabulary (the example's TextVectorization needs TensorFlow for its Keras twin),
# the model is the example's, shortened, with its other weights set from a seeded NumPy generator
# and shuffle=False so that every number can be compared with Keras. Also compile()'s
# loss_weights on a one-output model, and a scalar Input (shape=()) looked up in the same table.
import numpy as np
import visualnet as keras
from visualnet import layers

samples = ["the cat sat on the mat", "the dog ate my homework", "a bird in the hand",
           "cats and dogs are friends", "my homework is late", "the mat is on the floor"] * 20
labels = np.array([0, 1, 0, 1, 1, 0] * 20)
voc = ["", "[UNK]"] + sorted({w for s in samples for w in s.split()})
word_index = dict(zip(voc, range(len(voc))))
x_train = np.array([[word_index[w] for w in s.split()] + [0] * (6 - len(s.split())) for s in samples])
print("Vocabulary size:", len(voc))

rng = np.random.default_rng(3)
embeddings_index = {w: rng.normal(size=16).astype("float32") for w in voc[2:]}
num_tokens = len(voc) + 2
embedding_dim = 16
hits = 0
misses = 0

# Prepare embedding matrix
embedding_matrix = np.zeros((num_tokens, embedding_dim))
for word, i in word_index.items():
    embedding_vector = embeddings_index.get(word)
    if embedding_vector is not None:
        # Words not found in embedding index will be all-zeros.
        # This includes the representation for "padding" and "OOV"
        embedding_matrix[i] = embedding_vector
        hits += 1
    else:
        misses += 1
print("Converted %d words (%d misses)" % (hits, misses))

embedding_layer = layers.Embedding(
    num_tokens,
    embedding_dim,
    embeddings_initializer=keras.initializers.Constant(embedding_matrix),
    trainable=False,
)
int_sequences_input = keras.Input(shape=(None,), dtype="int64")
embedded_sequences = embedding_layer(int_sequences_input)
x = layers.Conv1D(8, 3, activation="relu", padding="same")(embedded_sequences)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(8, activation="relu")(x)
preds = layers.Dense(2, activation="softmax")(x)
model = keras.Model(int_sequences_input, preds)
print("Embedding weights equal the matrix:", bool(np.allclose(embedding_layer.get_weights()[0], embedding_matrix)))
print("Trainable weights:", len(model.trainable_weights))
model.set_weights([w if i == 0 else rng.normal(scale=0.3, size=w.shape).astype("float32")
                   for i, w in enumerate(model.get_weights())])

model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["acc"], loss_weights=[0.5])
history = model.fit(x_train, labels, batch_size=16, epochs=3, shuffle=False, verbose=0)
print("Losses:", [round(v, 5) for v in history.history["loss"]])
print("Predicted:", np.round(model.predict(x_train[:3], verbose=0), 4).tolist())
print("Embedding unchanged:", bool(np.allclose(embedding_layer.get_weights()[0], embedding_matrix)))

# one word id per sample: a scalar Input, looked up in the same frozen table
word = keras.Input(shape=(), dtype="int64")
vector = embedding_layer(word)
lookup = keras.Model(word, vector)
print("Scalar input shape:", tuple(word.shape), "-> output shape:", tuple(lookup.output.shape))
print("Vector of 'cat' equals the matrix row:",
      bool(np.allclose(lookup.predict(np.array([word_index["cat"]]), verbose=0)[0], embedding_matrix[word_index["cat"]])))
