"""The structured-data preprocessing layers as the first layers of a functional model, as in
Keras's "structured data classification" tutorials: a string Input feeds StringLookup or
Hashing, an int64 Input IntegerLookup, a float Input Discretization, and CategoryEncoding
encodes ids; the model predicts, trains and evaluates on the raw columns (each batch encoded
as it comes in; nothing before the encodings trains), equal to the model run on the encodings."""

import numpy as np
import pytest

import visualnet as keras
from visualnet import layers

SEX = np.array(["M", "F", "I", "M", "F", "I", "M", "F", "I", "M"])
ROOMS = np.array([[1], [3], [2], [3], [1], [5], [2], [2], [3], [1]])
AREA = np.linspace(0.0, 1.0, 10, dtype=np.float32)[:, None]
Y = np.array([1, 0, 0, 1, 0, 0, 1, 0, 0, 1])


def test_string_lookup_one_hot_front_equals_the_model_on_its_encodings():
    lookup = layers.StringLookup(output_mode="one_hot")
    lookup.adapt(SEX)
    inputs = keras.Input(shape=(1,), dtype="string")
    dense = layers.Dense(1, activation="sigmoid")
    model = keras.Model(inputs, dense(lookup(inputs)))
    assert model.layers[1] is lookup and lookup.output_shape == (None, 4)
    kernel, bias = dense.get_weights()
    expected = 1 / (1 + np.exp(-(lookup(SEX).astype(np.float32) @ kernel + bias)))
    np.testing.assert_allclose(model.predict(SEX, verbose=0), expected, atol=1e-6)
    np.testing.assert_allclose(model.predict(SEX[:, None], verbose=0), expected, atol=1e-6)


def test_a_structured_data_model_trains_on_raw_columns():
    sex = layers.StringLookup()
    sex.adapt(SEX)
    rooms = layers.IntegerLookup(output_mode="one_hot")
    rooms.adapt(ROOMS)
    area = layers.Discretization(num_bins=3)
    area.adapt(AREA)
    s_in = keras.Input(shape=(1,), dtype="string", name="sex")
    r_in = keras.Input(shape=(1,), dtype="int64", name="rooms")
    a_in = keras.Input(shape=(1,), name="area")
    features = layers.concatenate([
        layers.CategoryEncoding(num_tokens=sex.vocabulary_size(), output_mode="one_hot")(sex(s_in)),
        rooms(r_in), layers.CategoryEncoding(num_tokens=3, output_mode="one_hot")(area(a_in)),
        layers.Hashing(num_bins=4, output_mode="one_hot")(s_in)])
    x = layers.Dense(8, activation="relu")(features)
    model = keras.Model([s_in, r_in, a_in], layers.Dense(1, activation="sigmoid")(x))
    assert features.shape == (None, 4 + 5 + 3 + 4)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    data = {"sex": SEX, "rooms": ROOMS, "area": AREA}
    before = model.evaluate(data, Y, verbose=0)
    history = model.fit(data, Y, epochs=30, batch_size=4, verbose=0)
    after = model.evaluate(data, Y, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] and after[0] < before[0]
    assert after[1] == 1.0                        # "M" decides the label: the one-hot column learns it
    assert sex.get_vocabulary() == ["[UNK]", "M", "I", "F"]       # the vocabulary does not train
    assert model.count_params() == (16 * 8 + 8) + (8 + 1)


def test_int_lookup_feeds_category_encoding():
    lookup = layers.IntegerLookup(vocabulary=[1, 2, 3])
    inputs = keras.Input(shape=(1,), dtype="int64")
    encoded = layers.CategoryEncoding(num_tokens=lookup.vocabulary_size(), output_mode="one_hot")(lookup(inputs))
    model = keras.Model(inputs, encoded)
    np.testing.assert_array_equal(model.predict(np.array([[3], [9], [1]]), verbose=0),
                                  [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]])


def test_the_layers_take_the_right_tensors():
    text = keras.Input(shape=(1,), dtype="string", name="text")
    numbers = keras.Input(shape=(1,), name="numbers")
    with pytest.raises(ValueError, match="StringLookup 'string_lookup.*' takes strings: call it on keras.Input"):
        layers.StringLookup(vocabulary=["a"])(numbers)
    with pytest.raises(ValueError, match="IntegerLookup 'integer_lookup.*' takes numbers; 'text' holds strings"):
        layers.IntegerLookup(vocabulary=[1])(text)
    with pytest.raises(ValueError, match="CategoryEncoding 'category_encoding.*' takes numbers; 'text' holds"):
        layers.CategoryEncoding(3)(text)
    with pytest.raises(ValueError, match="invert=True returns strings, which a model cannot carry"):
        layers.StringLookup(vocabulary=["a"], invert=True)(numbers)
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary before calling it"):
        layers.StringLookup(output_mode="one_hot")(text)
    with pytest.raises(ValueError, match="Input 'text' holds text .* feeds 'dense.*' \\(Dense\\)"):
        keras.Model(text, layers.Dense(2)(text))
