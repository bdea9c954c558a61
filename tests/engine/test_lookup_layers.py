"""Keras's structured-data preprocessing layers called on arrays: StringLookup, IntegerLookup
and Hashing against real Keras's outputs (stored: Keras runs them on TensorFlow only, see
keras_lookup_reference.py), CategoryEncoding and Discretization against real Keras live; the
vocabulary API, adapt on lists, arrays and batched datasets, configs, and the errors."""

import json

import numpy as np
import pytest

from visualnet import layers, utils

from .keras_lookup_reference import CASES, REFERENCE, as_input, plain

REF = json.loads(REFERENCE.read_text())["cases"]


def make(name):
    cls_name, kwargs, adapt, _ = CASES[name]
    layer = getattr(layers, cls_name)(**kwargs)
    if adapt is not None:
        layer.adapt(as_input(adapt))
    return layer


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_equal_keras(name):
    layer, ref = make(name), REF[name]
    for call, expected, dtype in zip(CASES[name][3], ref["outputs"], ref["dtypes"]):
        out = np.asarray(layer(as_input(call)))
        if dtype == "float32":
            assert out.dtype == np.float32
            np.testing.assert_allclose(out, np.asarray(expected, np.float32), rtol=0, atol=1e-6)
        else:
            assert plain(out) == expected, (call, plain(out), expected)
            assert dtype == "object" or out.dtype == np.dtype(dtype)
    if "vocabulary" in ref:
        assert layer.get_vocabulary() == ref["vocabulary"]
        assert layer.vocabulary_size() == ref["vocabulary_size"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_equals_keras_and_round_trips(name):
    layer, ref = make(name), REF[name]
    config = layer.get_config()
    assert config.pop("name") == layer.name
    assert config == ref["config"]
    twin = type(layer).from_config(layer.get_config())
    if hasattr(layer, "get_vocabulary") and config.get("vocabulary") is None:
        twin.set_vocabulary(layer.get_vocabulary(), idf_weights=layer.idf_weights)
    for call in CASES[name][3]:
        assert plain(twin(as_input(call))) == plain(layer(as_input(call)))


def test_the_tutorial_calls():
    lookup = layers.StringLookup(output_mode="one_hot")
    lookup.adapt(["a", "b", "c", "a"])
    np.testing.assert_array_equal(lookup(np.array(["a", "z"])), [[0, 1, 0, 0], [1, 0, 0, 0]])
    ids = layers.StringLookup(vocabulary=["a", "b"])(np.array([["b"], ["q"]]))
    assert ids.dtype == np.int64 and ids.tolist() == [[2], [0]]
    assert layers.IntegerLookup(vocabulary=[10, 20], invert=True)(np.array([1, 2, 0])).tolist() == [10, 20, -1]


def test_adapt_takes_lists_arrays_generators_and_datasets():
    words = ["b", "a", "b", "c", "b", "a"]
    expected = ["[UNK]", "b", "a", "c"]
    for data in (words, np.array(words), np.array(words)[:, None], (np.array(words[i:i + 2]) for i in range(0, 6, 2)),
                 utils.BatchedDataset(np.array(words), np.zeros(6), batch_size=4).map(lambda x, y: x)):
        lookup = layers.StringLookup()
        lookup.adapt(data)
        assert lookup.get_vocabulary() == expected
    lookup = layers.StringLookup()
    lookup.adapt((np.array(words[i:i + 2]) for i in range(0, 6, 2)), steps=1)
    assert lookup.get_vocabulary() == ["[UNK]", "b", "a"]
    with pytest.raises(TypeError, match="adapt on the inputs alone"):
        layers.StringLookup().adapt(utils.BatchedDataset(np.array(words), np.zeros(6), batch_size=4))


def test_vocabulary_api():
    lookup = layers.StringLookup(mask_token="", num_oov_indices=2)
    lookup.set_vocabulary(["x", "y"])
    assert lookup.get_vocabulary() == ["", "[UNK]", "[UNK]", "x", "y"]
    assert lookup.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    assert lookup.vocabulary_size() == 5
    lookup.set_vocabulary(["", "[UNK]", "[UNK]", "z"])       # the special tokens may lead it
    assert lookup.get_vocabulary() == ["", "[UNK]", "[UNK]", "z"]
    with pytest.raises(ValueError, match="repeated term.*\\['z'\\]"):
        lookup.set_vocabulary(["z", "z"])
    with pytest.raises(ValueError, match="reserved mask token"):
        lookup.set_vocabulary(["x", ""])
    with pytest.raises(ValueError, match="Cannot adapt layer 'string_lookup.*' after setting a static vocabulary"):
        layers.StringLookup(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(ValueError, match="larger than the maximum vocab size.*3; `max_tokens` is 2"):
        layers.StringLookup(max_tokens=2, vocabulary=["a", "b"])


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("cat\ndog\n", encoding="utf-8")
    lookup = layers.StringLookup(vocabulary=str(path))
    assert lookup.get_vocabulary() == ["[UNK]", "cat", "dog"] and lookup.get_config()["vocabulary"] is None
    (tmp_path / "ints.txt").write_text("4\n8\n")
    assert layers.IntegerLookup(vocabulary=tmp_path / "ints.txt")(np.array([8, 5])).tolist() == [2, 0]
    (tmp_path / "bad.txt").write_text("4\nfour\n")
    with pytest.raises(ValueError, match="bad.txt: line 2 \\('four'\\) is not an integer"):
        layers.IntegerLookup(vocabulary=tmp_path / "bad.txt")
    with pytest.raises(ValueError, match="Vocabulary file .*missing.txt does not exist"):
        layers.StringLookup(vocabulary=str(tmp_path / "missing.txt"))


@pytest.mark.parametrize("make_layer, message", [
    (lambda: layers.StringLookup(sparse=True, output_mode="one_hot"), "`sparse=True` can only be used with the Tens"),
    (lambda: layers.IntegerLookup(output_mode="bag"), "`output_mode` argument of layer IntegerLookup .* `bag`"),
    (lambda: layers.StringLookup(invert=True, output_mode="count"), "must be `'int'` when `invert` is true"),
    (lambda: layers.StringLookup(max_tokens=1), "max_tokens=1"),
    (lambda: layers.IntegerLookup(num_oov_indices=-1), "num_oov_indices=-1"),
    (lambda: layers.IntegerLookup(vocabulary_dtype="int32"), "vocabulary_dtype='int64'"),
    (lambda: layers.IntegerLookup(salt=3), "`salt` can only be used when `oov_method='farmhash'`"),
    (lambda: layers.StringLookup(vocabulary=["a"], output_mode="tf_idf"), "the `idf_weights` argument must also"),
    (lambda: layers.StringLookup(idf_weights=[1.0]), "`idf_weights` should only be set if `output_mode` is"),
    (lambda: layers.CategoryEncoding(), "num_tokens must be set"),
    (lambda: layers.CategoryEncoding(num_tokens=0), "num_tokens=0"),
    (lambda: layers.CategoryEncoding(3, output_mode="int"), "Unknown arg for output_mode: int"),
    (lambda: layers.CategoryEncoding(3, sparse=True), "`sparse=True`"),
    (lambda: layers.Hashing(num_bins=0), "num_bins=0"),
    (lambda: layers.Hashing(num_bins=3, salt="x"), "salt=x"),
    (lambda: layers.Hashing(num_bins=3, output_mode="one_hot", sparse=True), "`sparse=True`"),
    (lambda: layers.Discretization(), "either `num_bins` or `bin_boundaries`"),
    (lambda: layers.Discretization(bin_boundaries=[0.0], num_bins=2), "Both `num_bins` and `bin_boundaries`"),
    (lambda: layers.Discretization(num_bins=2, output_mode="tf_idf"), "invalid value `tf_idf`"),
])
def test_bad_arguments_are_named(make_layer, message):
    with pytest.raises(ValueError, match=message):
        make_layer()


def test_call_errors():
    with pytest.raises(ValueError, match="found OOV values \\['green'\\], consider setting `num_oov_indices=1`"):
        layers.StringLookup(num_oov_indices=0, vocabulary=["red"])(np.array(["red", "green"]))
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary before calling it"):
        layers.StringLookup(output_mode="one_hot")(np.array(["a"]))
    with pytest.raises(ValueError, match="IntegerLookup takes integers; received the value 1.5"):
        layers.IntegerLookup(vocabulary=[1])(np.array([1.5]))
    with pytest.raises(ValueError, match="every input must be an integer in \\[0, 3\\).*received 3"):
        layers.CategoryEncoding(3)(np.array([0, 3]))
    with pytest.raises(ValueError, match="`count_weights` is not used"):
        layers.CategoryEncoding(3)(np.array([0]), count_weights=np.array([1.0]))
    with pytest.raises(ValueError, match="call `adapt\\(dataset\\)` before"):
        layers.Discretization(num_bins=3)(np.array([1.0]))
    with pytest.raises(ValueError, match="initialized with `bin_boundaries`"):
        layers.Discretization(bin_boundaries=[1.0]).adapt(np.array([1.0]))
    lookup = layers.StringLookup(output_mode="multi_hot")
    lookup.adapt(["a", "b"])
    with pytest.raises(RuntimeError, match="cannot be changed after the layer is called. Old vocab size is 3, new"):
        lookup.set_vocabulary(["a", "b", "c"])


# ---------------------------------------------------------------- live Keras (torch backend)
CATEGORY_INPUTS = [np.array([3, 2, 0, 1]), np.array([[3], [2]]), np.array([[0, 1], [1, 1]]), np.array(2)]


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_equals_keras(mode):
    import keras

    ours, theirs = layers.CategoryEncoding(4, output_mode=mode), keras.layers.CategoryEncoding(4, output_mode=mode)
    for x in CATEGORY_INPUTS:
        expected = np.asarray(theirs(x))
        out = ours(x)
        assert out.dtype == expected.dtype == np.float32
        np.testing.assert_array_equal(out, expected)
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name}
    if mode == "count":
        weights = np.array([[0.1, 0.2], [0.3, 0.4]])
        np.testing.assert_allclose(ours(CATEGORY_INPUTS[2], count_weights=weights),
                                   np.asarray(theirs(CATEGORY_INPUTS[2], count_weights=weights)), atol=1e-7)


def keras_adapt(layer, batches):
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.oracle
@pytest.mark.parametrize("kwargs", [{"num_bins": 4}, {"num_bins": 5, "epsilon": 0.05, "output_mode": "one_hot"},
                                    {"bin_boundaries": [-1.0, 0.0, 0.5], "output_mode": "count"},
                                    {"num_bins": 3, "output_mode": "multi_hot"}])
def test_discretization_equals_keras(kwargs):
    import keras

    rng = np.random.default_rng(3)
    data = rng.normal(size=(300, 2)).astype(np.float32)
    ours, theirs = layers.Discretization(**kwargs), keras.layers.Discretization(**kwargs)
    if "num_bins" in kwargs:
        # Keras's adapt checks for tf.data first (so needs TensorFlow); what it then runs on
        # arrays and iterables is update_state per batch and finalize_state, called here
        ours.adapt(data)
        keras_adapt(theirs, [data])
        batches = [data[i:i + 64] for i in range(0, 300, 64)]      # adapt on batches merges summaries
        ours_b, theirs_b = layers.Discretization(**kwargs), keras.layers.Discretization(**kwargs)
        ours_b.adapt(iter(batches))
        keras_adapt(theirs_b, batches)
        assert ours_b.bin_boundaries == theirs_b.bin_boundaries
    assert ours.bin_boundaries == theirs.bin_boundaries
    x = np.concatenate([data[:20], [[0.0, 0.5]]]) if kwargs.get("output_mode") != "one_hot" else data[:20, :1]
    expected = np.asarray(theirs(x))
    out = ours(x)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)
    config = ours.get_config()
    assert config == {**theirs.get_config(), "name": ours.name}
    twin = layers.Discretization.from_config(config)
    np.testing.assert_array_equal(twin(x), out)
