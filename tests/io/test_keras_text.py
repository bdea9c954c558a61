""".keras files of models with a TextVectorization, in Keras 3's layout: the layer's config
(`keras.layers.TextVectorization`), its vocabulary as the asset Keras writes and reads
(`assets/layers/<name>/vocabulary.txt`, and under `_lookup_layer/`), the string Input's
dtype. VisualNet reads its own files back with the same predictions; real Keras (which needs
TensorFlow for this layer) reads them where TensorFlow is installed."""

import io
import json
import zipfile

import h5py
import numpy as np
import pytest

import visualnet as keras
from visualnet import layers

TEXTS = np.array(["a great movie", "a bad movie", "great great fun", "bad and boring", "fun and great"])


def text_model(**kwargs):
    tv = layers.TextVectorization(max_tokens=12, output_sequence_length=6, name="vectorize", **kwargs)
    if "vocabulary" not in kwargs:
        tv.adapt(TEXTS)
    inputs = keras.Input(shape=(1,), dtype="string", name="text")
    x = layers.Embedding(12, 3)(tv(inputs))
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid", name="score")(x)), tv


def test_file_holds_the_vocabulary_as_keras_writes_it(tmp_path):
    model, tv = text_model()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        config = json.loads(z.read("config.json"))
        vocab = z.read("assets/layers/text_vectorization/vocabulary.txt").decode("utf-8").split("\n")
    assert "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt" in names
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        assert "layers/text_vectorization/vars" in f and "layers/text_vectorization/_lookup_layer/vars" in f
    assert vocab == tv.get_vocabulary()
    entries = {e["name"]: e for e in config["config"]["layers"]}
    assert entries["text"]["config"]["dtype"] == "string"
    entry = entries["vectorize"]
    assert (entry["module"], entry["class_name"], entry["registered_name"]) == ("keras.layers", "TextVectorization",
                                                                                 None)
    assert entry["config"]["vocabulary"] is None and entry["config"]["output_sequence_length"] == 6


def test_visualnet_reads_its_file_back(tmp_path):
    model, tv = text_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(TEXTS, np.array([1, 0, 1, 0, 1]), epochs=2, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[1].get_vocabulary() == tv.get_vocabulary()
    new = np.array(["what a great fun movie", "unknown words only"])
    np.testing.assert_allclose(loaded.predict(new, verbose=0), model.predict(new, verbose=0), atol=1e-6)
    loaded.fit(TEXTS, np.array([1, 0, 1, 0, 1]), epochs=1, verbose=0)   # optimizer state restored and usable


def test_a_given_vocabulary_stays_in_the_config(tmp_path):
    model, tv = text_model(vocabulary=["great", "bad", "movie"])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if n.startswith("assets/")]
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(TEXTS, verbose=0), model.predict(TEXTS, verbose=0), atol=1e-6)


def test_a_file_without_its_vocabulary_is_refused(tmp_path):
    model, _ = text_model()
    path, broken = tmp_path / "m.keras", tmp_path / "broken.keras"
    model.save(path)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            if not item.filename.startswith("assets/"):
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(ValueError, match="'broken.keras' has no vocabulary for TextVectorization 'vectorize'"):
        keras.models.load_model(broken)


def test_tf_idf_is_refused_naming_the_layer_and_leaves_no_file(tmp_path):
    tv = layers.TextVectorization(output_mode="tf_idf", name="tfidf")
    tv.adapt(TEXTS)
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, layers.Dense(1)(tv(inputs)))
    with pytest.raises(ValueError, match="TextVectorization 'tfidf' \\(output_mode='tf_idf'\\)"):
        model.save(tmp_path / "m.keras")
    assert not list(tmp_path.iterdir())


def test_two_vectorizers_have_keras_paths(tmp_path):
    inputs = [keras.Input(shape=(1,), dtype="string") for _ in range(2)]
    tvs = [layers.TextVectorization(max_tokens=8, output_sequence_length=3, name=n) for n in ("first", "second")]
    tvs[0].adapt(TEXTS[:2])
    tvs[1].adapt(TEXTS[2:])
    x = layers.Concatenate()([layers.Embedding(8, 2)(tv(i)) for tv, i in zip(tvs, inputs)])
    model = keras.Model(inputs, layers.Dense(1)(layers.Flatten()(x)))
    path = tmp_path / "two.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert z.read("assets/layers/text_vectorization_1/vocabulary.txt").decode().split("\n") == \
            tvs[1].get_vocabulary()
    loaded = keras.models.load_model(path)
    data = [TEXTS, TEXTS[::-1]]
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), atol=1e-6)


@pytest.mark.oracle
def test_real_keras_reads_visualnet_file(tmp_path):
    pytest.importorskip("tensorflow")       # Keras's TextVectorization runs on TensorFlow only
    import keras as real

    model, _ = text_model()
    path = tmp_path / "m.keras"
    model.save(path)
    theirs = real.models.load_model(path)
    np.testing.assert_allclose(np.asarray(theirs.predict(TEXTS[:, None], verbose=0)),
                               model.predict(TEXTS, verbose=0), atol=1e-5)
