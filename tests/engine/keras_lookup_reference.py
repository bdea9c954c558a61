"""Real Keras's StringLookup, IntegerLookup and Hashing on fixed inputs: the reference the
tests compare with (tests/engine/test_lookup_layers.py).

These three Keras layers need TensorFlow (on every backend), which the test environment does
not install, so their outputs are stored in `keras_lookup_reference.json`. Regenerate it with
keras 3 and tensorflow installed (stored with Keras 3.15.1, TensorFlow 2.21.0):

    KERAS_BACKEND=tensorflow python tests/engine/keras_lookup_reference.py

Each case names the class, its arguments, the data it adapts on (or None) and the inputs it
is called on; the file holds each call's output (nested lists, strings decoded), its dtype,
the vocabulary, vocabulary_size() and get_config() without the name.
"""

import json
import sys
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).resolve().parent / "keras_lookup_reference.json"

WORDS = ["red", "green", "blue", "red", "red", "blue", "Ünïcödé", "green", "red", "x y", "", "blue"]
INTS = [3, 7, 7, 9, 9, 9, 12, 3, 3, 3, 42, -5]
STR_CALLS = [["red", "blue", "nope", ""], [["red"], ["purple"], ["green"]], [["red", "blue"], ["nope", "red"]], "green"]
INT_CALLS = [[3, 9, 100, -5], [[3], [8], [7]], [[3, 7], [1000, 3]], 9]
LONG = ["a" * n + str(n) for n in range(0, 90, 7)]

CASES = {
    "s_default": ("StringLookup", {}, WORDS, STR_CALLS),
    "s_one_hot": ("StringLookup", {"output_mode": "one_hot"}, WORDS, STR_CALLS[:3]),
    "s_multi_hot": ("StringLookup", {"output_mode": "multi_hot"}, WORDS, STR_CALLS),
    "s_count": ("StringLookup", {"output_mode": "count"}, WORDS, STR_CALLS),
    "s_tf_idf": ("StringLookup", {"output_mode": "tf_idf"}, WORDS, STR_CALLS[:3]),
    "s_tf_idf_2d": ("StringLookup", {"output_mode": "tf_idf"}, [["red", "blue"], ["red", "red"], ["green", "x"]],
                    STR_CALLS[:3]),
    "s_max_tokens": ("StringLookup", {"max_tokens": 3}, WORDS, STR_CALLS),
    "s_mask": ("StringLookup", {"mask_token": ""}, WORDS, STR_CALLS),
    "s_mask_multi_hot": ("StringLookup", {"mask_token": "", "output_mode": "multi_hot"}, WORDS, STR_CALLS),
    "s_oov3": ("StringLookup", {"num_oov_indices": 3}, WORDS, STR_CALLS + [LONG]),
    "s_oov3_salt": ("StringLookup", {"num_oov_indices": 3, "salt": [7, 11]}, WORDS, STR_CALLS + [LONG]),
    "s_oov0": ("StringLookup", {"num_oov_indices": 0, "vocabulary": ["red", "blue"]}, None, [["red", "blue"]]),
    "s_vocab": ("StringLookup", {"vocabulary": ["blue", "red", "green"], "output_mode": "count"}, None, STR_CALLS),
    "s_vocab_special": ("StringLookup", {"vocabulary": ["", "[UNK]", "blue", "red"], "mask_token": ""}, None,
                        STR_CALLS),
    "s_pad": ("StringLookup", {"max_tokens": 8, "pad_to_max_tokens": True, "output_mode": "multi_hot"}, WORDS,
              STR_CALLS),
    "s_invert": ("StringLookup", {"vocabulary": ["blue", "red"], "invert": True}, None, [[0, 1, 2, 3, 7]]),
    "s_invert_mask": ("StringLookup", {"vocabulary": ["blue", "red"], "invert": True, "mask_token": "[M]"}, None,
                      [[[0, 1], [2, 3]]]),
    "s_idf_given": ("StringLookup", {"vocabulary": ["blue", "red"], "idf_weights": [0.5, 0.25],
                                     "output_mode": "tf_idf"}, None, STR_CALLS[:3]),
    "i_default": ("IntegerLookup", {}, INTS, INT_CALLS),
    "i_one_hot": ("IntegerLookup", {"output_mode": "one_hot"}, INTS, INT_CALLS[:3]),
    "i_count": ("IntegerLookup", {"output_mode": "count"}, INTS, INT_CALLS),
    "i_tf_idf": ("IntegerLookup", {"output_mode": "tf_idf"}, INTS, INT_CALLS[:3]),
    "i_mask": ("IntegerLookup", {"mask_token": 0, "max_tokens": 4}, INTS, INT_CALLS + [[0, 3, 0]]),
    "i_oov3": ("IntegerLookup", {"num_oov_indices": 3}, INTS, INT_CALLS),
    "i_oov3_farmhash": ("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash"}, INTS, INT_CALLS),
    "i_oov3_salt": ("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash", "salt": 9}, INTS, INT_CALLS),
    "i_vocab": ("IntegerLookup", {"vocabulary": [12, 3, 7]}, None, INT_CALLS),
    "i_invert": ("IntegerLookup", {"vocabulary": [12, 3, 7], "invert": True}, None, [[0, 1, 2, 3, 9]]),
    "h_int": ("Hashing", {"num_bins": 8}, None, [[["A"], ["B"], ["C"], ["D"], ["E"]], WORDS, LONG, INTS,
                                                 [[1.7, -2.2]]]),
    "h_mask": ("Hashing", {"num_bins": 5, "mask_value": ""}, None, [WORDS, [["A"], [""]]]),
    "h_mask_int": ("Hashing", {"num_bins": 5, "mask_value": 3}, None, [INTS]),
    "h_salt": ("Hashing", {"num_bins": 3, "salt": [133, 137]}, None, [[["A"], ["B"], ["C"], ["D"], ["E"]], LONG]),
    "h_salt1": ("Hashing", {"num_bins": 11, "salt": 133}, None, [WORDS, INTS]),
    "h_one_hot": ("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, None, [[["A"], ["B"]], ["A", "B", "C"]]),
    "h_multi_hot": ("Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, None, [[["A", "B"], ["C", "C"]]]),
    "h_count": ("Hashing", {"num_bins": 4, "output_mode": "count"}, None, [[["A", "B"], ["C", "C"]], [1, 2, 2]]),
}


def as_input(value):
    return np.asarray(value, dtype=object) if _has_strings(value) else np.asarray(value)


def _has_strings(value) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and any(_has_strings(v) for v in value)


def plain(value):
    """A layer output or vocabulary as JSON: nested lists, bytes decoded, numbers as Python's."""
    arr = np.asarray(value)
    if arr.dtype.kind in "OS":
        return np.vectorize(_plain_item, otypes=[object])(arr).tolist()
    return arr.tolist()


def _plain_item(item):
    if isinstance(item, bytes):
        return item.decode("utf-8")
    return item.item() if isinstance(item, np.generic) else item


def generate() -> None:
    import keras

    out = {"keras": keras.__version__, "cases": {}}
    for name, (cls_name, kwargs, adapt, calls) in CASES.items():
        layer = getattr(keras.layers, cls_name)(**kwargs)
        if adapt is not None:
            layer.adapt(as_input(adapt))
        config = layer.get_config()
        config.pop("name")
        entry = {"outputs": [], "dtypes": [], "config": config}
        for call in calls:
            result = layer(as_input(call))
            result = np.asarray(result.numpy() if hasattr(result, "numpy") else result)
            entry["outputs"].append(plain(result))
            entry["dtypes"].append(str(result.dtype))
        if hasattr(layer, "get_vocabulary"):
            entry["vocabulary"] = plain(np.asarray(layer.get_vocabulary(), dtype=object))
            entry["vocabulary_size"] = int(layer.vocabulary_size())
        out["cases"][name] = entry
    REFERENCE.write_text(json.dumps(out, indent=None, default=lambda o: o.tolist() if hasattr(o, "tolist") else o))
    print(f"wrote {REFERENCE} ({len(CASES)} cases)", file=sys.stderr)


if __name__ == "__main__":
    generate()
