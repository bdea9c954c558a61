# keras.io API docs of MultiHeadAttention (its examples: self-attention on a [B, T, dim] batch, the
# attention scores' shape, and attention over axes) in a functional model, verbatim but for the
# imports; deterministic shapes and parameter counts compare with Keras.
import numpy as np
import visualnet as keras
from visualnet import layers

layer = layers.MultiHeadAttention(num_heads=2, key_dim=2)
target = keras.Input(shape=[8, 16])
source = keras.Input(shape=[4, 16])
output_tensor, weights = layer(target, source, return_attention_scores=True)
print("Output shape:", tuple(output_tensor.shape))
print("Scores shape:", tuple(weights.shape))

inputs = keras.Input(shape=(10, 16))
x = layers.MultiHeadAttention(num_heads=4, key_dim=8, dropout=0.1)(inputs, inputs)
x = layers.LayerNormalization()(layers.add([inputs, x]))
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()
rng = np.random.default_rng(0)
xs = rng.standard_normal((64, 10, 16)).astype("float32")
ys = (xs[:, :, 0].mean(axis=1) > 0).astype("float32")
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
history = model.fit(xs, ys, epochs=2, batch_size=16, verbose=0)
print("History keys:", sorted(history.history))
