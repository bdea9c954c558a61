"""Wrote lookups.keras and lookups_expected.json beside it with real Keras 3.15.1 on TensorFlow
2.21.0 (its StringLookup and IntegerLookup need TensorFlow):
    KERAS_BACKEND=tensorflow python tests/io/files/make_lookup_files.py
A functional model with a StringLookup + CategoryEncoding front on a string Input, an
IntegerLookup in 'tf_idf' mode on an int64 Input (its idf weights in the weights file), a
Hashing and a Discretization; the expected predictions are Keras's on INPUTS."""
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEX = ["M", "F", "I", "M", "F", "I", "M"]
INTS = [[3, 5], [5, 9], [1, 1], [9, 9], [3, 3], [7, 5], [5, 5]]
LENGTH = [[0.1], [0.5], [0.9], [0.3], [0.7], [0.2], [1.5]]

if __name__ == "__main__":
    import keras
    import tensorflow as tf

    L = keras.layers
    keras.utils.set_random_seed(4)
    lookup = L.StringLookup(name="sex_lookup")
    lookup.adapt(np.array(SEX[:6]))
    ints = L.IntegerLookup(output_mode="tf_idf", name="int_lookup")
    ints.adapt(np.array(INTS[:4]))
    disc = L.Discretization(num_bins=3, name="bins")
    disc.adapt(np.array(LENGTH[:6], dtype="float32"))
    s_in = keras.Input(shape=(1,), dtype="string", name="sex")
    i_in = keras.Input(shape=(2,), dtype="int64", name="ints")
    l_in = keras.Input(shape=(1,), name="length")
    x = L.concatenate([L.CategoryEncoding(num_tokens=lookup.vocabulary_size(), output_mode="one_hot")(lookup(s_in)),
                       L.Hashing(num_bins=3, output_mode="one_hot")(s_in), ints(i_in),
                       L.CategoryEncoding(num_tokens=3, output_mode="one_hot")(disc(l_in))])
    x = L.Dense(4, activation="relu", bias_initializer="ones")(x)
    model = keras.Model([s_in, i_in, l_in], L.Dense(1, name="out")(x))
    model.save(HERE / "lookups.keras")
    pred = model([tf.constant(np.array(SEX)[:, None]), tf.constant(np.array(INTS)),
                  tf.constant(np.array(LENGTH, dtype="float32"))])
    (HERE / "lookups_expected.json").write_text(json.dumps({"predictions": np.asarray(pred).tolist()}))
