"""TextVectorization inside a model, as in Keras's "text classification from scratch": a string
Input (`keras.Input(shape=(1,), dtype="string")`) feeds the layer, the model predicts, trains
and evaluates on raw text; the text is turned into ids as each batch comes in (nothing before
it trains). A string Input feeds only a TextVectorization, and the errors say so."""

import numpy as np
import pytest

import visualnet as keras
from visualnet import layers

TEXTS = np.array(["a great movie", "a bad movie", "great great fun", "bad and boring", "fun and great",
                  "boring bad plot"])
LABELS = np.array([1, 0, 1, 0, 1, 0])


def vectorizer(**kwargs):
    tv = layers.TextVectorization(max_tokens=20, output_sequence_length=5, **kwargs)
    tv.adapt(TEXTS)
    return tv


def id_model():
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(20, 4)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def end_to_end(tv, model):
    inputs = keras.Input(shape=(1,), dtype="string")
    return keras.Model(inputs, model(tv(inputs)))


def test_predicts_on_raw_text_as_the_model_on_ids():
    tv, model = vectorizer(), id_model()
    e2e = end_to_end(tv, model)
    expected = model.predict(np.asarray(tv(TEXTS)), verbose=0)
    np.testing.assert_allclose(e2e.predict(TEXTS, verbose=0), expected, atol=1e-6)       # rank 1, as Keras takes
    np.testing.assert_allclose(e2e.predict(TEXTS[:, None], verbose=0), expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(e2e(TEXTS[:2])), expected[:2], atol=1e-6)
    assert e2e.predict(np.array(["a great movie"]), verbose=0).shape == (1, 1)
    assert e2e.layers[1] is tv and e2e.count_params() == model.count_params() == 85


def test_trains_and_evaluates_on_raw_text():
    tv = vectorizer()
    inputs = keras.Input(shape=(1,), dtype="string")
    x = layers.Embedding(20, 4)(tv(inputs))
    x = layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    before = model.evaluate(TEXTS, LABELS, verbose=0)
    history = model.fit(TEXTS, LABELS, epochs=20, batch_size=3, verbose=0)
    after = model.evaluate(TEXTS, LABELS, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert after[0] < before[0] and after[1] == 1.0
    assert tv.get_vocabulary()[:2] == ["", "[UNK]"]           # the vocabulary does not train


def test_multi_hot_mode_in_a_model():
    tv = layers.TextVectorization(output_mode="multi_hot")
    tv.adapt(TEXTS)
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, layers.Dense(2)(tv(inputs)))
    assert model.layers[1].output_shape == (None, tv.vocabulary_size())
    out = model.predict(TEXTS, verbose=0)
    kernel, bias = model.layers[-1].get_weights()
    np.testing.assert_allclose(out, np.asarray(tv(TEXTS), np.float32) @ kernel + bias, atol=1e-5)


def test_a_string_input_feeds_only_text_vectorization():
    inputs = keras.Input(shape=(1,), dtype="string")
    assert inputs.dtype == "string" and inputs.shape == (None, 1)
    with pytest.raises(ValueError, match="Input 'input_layer.*' holds text .* feeds 'dense.*' \\(Dense\\)"):
        keras.Model(inputs, layers.Dense(2)(inputs))


def test_text_vectorization_takes_only_text_tensors():
    tv = vectorizer()
    with pytest.raises(ValueError, match="takes text: call it on keras.Input\\(shape=\\(1,\\), dtype='string'\\)"):
        tv(keras.Input(shape=(3,)))


def test_numbers_for_a_string_input_are_refused():
    e2e = end_to_end(vectorizer(), id_model())
    with pytest.raises(ValueError, match="takes text \\(Input dtype='string'\\); received x of dtype float64"):
        e2e.predict(np.zeros((2, 1)), verbose=0)


def test_eager_calls_unchanged():
    tv = vectorizer()
    ids = tv(["a great movie"])
    assert ids.dtype == np.int64 and ids.shape == (1, 5)
    assert tv.get_config()["output_sequence_length"] == 5
