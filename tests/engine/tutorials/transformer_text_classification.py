# keras.io example "Text classification with Transformer" (Apoorv Nandan), verbatim in its Keras
# parts but for the imports; IMDB is not available offline, so the reviews are the shipped
# movie-review polarity archive turned into word indices by TextVectorization; sizes shortened
# (20,000 -> 2,000 words, 200 -> 80 words, 2 epochs).
import sys
import tarfile

import numpy as np
import visualnet as keras
from visualnet import layers, ops


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim),]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


vocab_size = 2000  # Only consider the top 20k words
maxlen = 80  # Only consider the first 200 words of each movie review
with tarfile.open(sys.argv[1]) as tar:
    members = sorted((m for m in tar.getmembers() if m.name.endswith(".txt")), key=lambda m: m.name)
    texts = np.array([tar.extractfile(m).read().decode("utf-8") for m in members])
    labels = np.array([1 if "/pos/" in m.name else 0 for m in members])
order = np.random.default_rng(1337).permutation(len(texts))
texts, labels = texts[order], labels[order]
vectorizer = layers.TextVectorization(max_tokens=vocab_size, output_sequence_length=maxlen)
vectorizer.adapt(texts[:1600])
x_train, y_train = np.array(vectorizer(texts[:1600])), labels[:1600]
x_val, y_val = np.array(vectorizer(texts[1600:])), labels[1600:]

embed_dim = 32  # Embedding size for each token
num_heads = 2  # Number of attention heads
ff_dim = 32  # Hidden layer size in feed forward network inside transformer

inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(
    optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
)
history = model.fit(
    x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val)
)
print("Validation accuracy:", model.evaluate(x_val, y_val, verbose=0)[1])
