""".keras files of models with Keras's structured-data preprocessing layers, in Keras 3's
layout: each layer's config (`keras.layers.StringLookup`, ...), a lookup's vocabulary as the
asset Keras writes (`assets/layers/<name>/vocabulary.txt`), a "tf_idf" lookup's idf weights
in `vars/idf_weights`. VisualNet reads a file real Keras wrote (files/lookups.keras, made by
files/make_lookup_files.py) with Keras's predictions, reads its own back, and real Keras reads
VisualNet's where TensorFlow is installed (Keras's lookups need it)."""

import io
import json
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import visualnet as keras
from visualnet import layers
from visualnet.io.errors import KerasFileError

FILES = Path(__file__).resolve().parent / "files"
sys.path.insert(0, str(FILES))
from make_lookup_files import INTS, LENGTH, SEX  # noqa: E402

SEXES = np.array(SEX)


def front_model(**lookup_kwargs):
    lookup = layers.StringLookup(name="sex_lookup", **lookup_kwargs)
    if "vocabulary" not in lookup_kwargs:
        lookup.adapt(SEXES[:6])
    ints = layers.IntegerLookup(output_mode="tf_idf", name="int_lookup")
    ints.adapt(np.array(INTS[:4]))
    s_in = keras.Input(shape=(1,), dtype="string", name="sex")
    i_in = keras.Input(shape=(2,), dtype="int64", name="ints")
    x = layers.CategoryEncoding(num_tokens=lookup.vocabulary_size(), output_mode="one_hot", name="encode")(lookup(s_in))
    x = layers.concatenate([x, ints(i_in), layers.Hashing(num_bins=3, output_mode="one_hot")(s_in)])
    x = layers.Dense(4, activation="relu", bias_initializer="ones")(x)
    return keras.Model([s_in, i_in], layers.Dense(1, name="out")(x)), lookup


def inputs():
    return [SEXES, np.array(INTS)]


def test_visualnet_reads_the_file_keras_wrote():
    model = keras.models.load_model(FILES / "lookups.keras")
    expected = np.array(json.loads((FILES / "lookups_expected.json").read_text())["predictions"])
    got = model.predict([SEXES, np.array(INTS), np.array(LENGTH, np.float32)], verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    by_name = {l.name: l for l in model.layers}
    assert by_name["sex_lookup"].get_vocabulary() == ["[UNK]", "M", "I", "F"]
    assert by_name["int_lookup"].idf_weights.shape == (5,)
    assert len(by_name["bins"].bin_boundaries) == 2


def test_file_holds_the_vocabulary_as_keras_writes_it(tmp_path):
    model, lookup = front_model()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
        vocab = z.read("assets/layers/string_lookup/vocabulary.txt").decode("utf-8").split("\n")
        int_vocab = z.read("assets/layers/integer_lookup/vocabulary.txt").decode("utf-8").split("\n")
        weights = z.read("model.weights.h5")
    assert vocab == lookup.get_vocabulary() == ["[UNK]", "M", "I", "F"]      # ties: highest token first
    assert int_vocab == ["-1", "9", "5", "1", "3"]       # by count, then the highest first
    with h5py.File(io.BytesIO(weights)) as f:
        idf = f["layers/integer_lookup/vars/idf_weights"][()]
    np.testing.assert_array_equal(idf, model.get_layer("int_lookup").idf_weights)   # the group: Keras's class name
    entries = {e["name"]: e for e in config["config"]["layers"]}
    entry = entries["sex_lookup"]
    assert (entry["module"], entry["class_name"], entry["registered_name"]) == ("keras.layers", "StringLookup", None)
    assert entry["config"]["vocabulary"] is None and entry["config"]["vocabulary_size"] == 4
    assert entries["sex"]["config"]["dtype"] == "string" and entries["ints"]["config"]["dtype"] == "int64"
    assert entries["encode"]["config"]["num_tokens"] == 4


def test_visualnet_reads_its_file_back(tmp_path):
    model, lookup = front_model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(inputs(), np.arange(7.0), epochs=2, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_layer("sex_lookup").get_vocabulary() == lookup.get_vocabulary()
    np.testing.assert_allclose(loaded.predict(inputs(), verbose=0), model.predict(inputs(), verbose=0), atol=1e-6)


def test_a_given_vocabulary_stays_in_the_config(tmp_path):
    model, _ = front_model(vocabulary=["F", "M"])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert "assets/layers/string_lookup/vocabulary.txt" not in z.namelist()
        entries = {e["name"]: e for e in json.loads(z.read("config.json"))["config"]["layers"]}
    assert entries["sex_lookup"]["config"]["vocabulary"] == ["F", "M"]
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(inputs(), verbose=0), model.predict(inputs(), verbose=0), atol=1e-6)


def test_a_file_without_its_vocabulary_is_refused(tmp_path):
    model, _ = front_model()
    path, broken = tmp_path / "m.keras", tmp_path / "broken.keras"
    model.save(path)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():
            if name != "assets/layers/string_lookup/vocabulary.txt":
                dst.writestr(name, src.read(name))
    with pytest.raises(KerasFileError, match="'broken.keras' has no vocabulary for StringLookup 'sex_lookup' "
                                             "\\(expected assets/layers/string_lookup/vocabulary.txt\\)"):
        keras.models.load_model(broken)


@pytest.mark.oracle
def test_real_keras_reads_visualnet_file(tmp_path):
    pytest.importorskip("tensorflow")       # Keras's lookups and Hashing run on TensorFlow only
    import keras as real
    import tensorflow as tf

    model, _ = front_model()
    path = tmp_path / "m.keras"
    model.save(path)
    theirs = real.models.load_model(path)
    got = theirs([tf.constant(SEXES[:, None]), tf.constant(np.array(INTS))])
    np.testing.assert_allclose(np.asarray(got), model.predict(inputs(), verbose=0), atol=1e-5)


def test_model_from_json_needs_no_custom_objects():
    model, lookup = front_model(vocabulary=["F", "M"])
    twin = keras.models.model_from_json(model.to_json())
    assert twin.get_layer("sex_lookup").get_vocabulary() == lookup.get_vocabulary()
    assert [type(l).__name__ for l in twin.layers] == [type(l).__name__ for l in model.layers]
    assert twin.get_layer("int_lookup").vocabulary_size() == 1      # an adapted vocabulary is not in the JSON
