"""Real Keras's TextVectorization on real movie reviews: the reference the tests compare with.

Keras's TextVectorization needs TensorFlow, which the test environment does not install, so
its outputs are stored in `keras_text_reference.npz`. Regenerate them (with keras and
tensorflow installed) by running this file:

    python tests/data/keras_text_reference.py [path/to/review_polarity.tar.gz]

`CASES` are the layer arguments; every case is adapted on `adapt_texts()` (or given a
vocabulary) and called on `call_texts()`.
"""

import json
import re
import sys
import tarfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "keras_text_reference.npz"
TARBALL = HERE.parents[1] / "resources" / "datasets" / "text" / "review_polarity.tar.gz"
EXTRA = ["Hello, World! It's GREAT -- isn't it?", "Ünïcödé ÉCOLE Café déjà-vu", "tabs\tand\nnew\r\nlines  x",
         "", "   ", "a-b_c.d/e:f;g<h>i@j[k]l^m`n{o}p|q~r's", "[UNK] is not special here", "x\x1cy z\xa0w",
         "The the THE tHe", "one"]
VOCAB = ["the", "movie", "good", "bad", "plot", "[UNK]", "it's"]

CASES = {
    "default": {},
    "int_max_len": {"max_tokens": 500, "output_sequence_length": 100},
    "lower": {"standardize": "lower", "max_tokens": 2000, "output_sequence_length": 60},
    "strip_punctuation": {"standardize": "strip_punctuation", "max_tokens": 2000, "output_sequence_length": 60},
    "no_standardize": {"standardize": None, "max_tokens": 2000, "output_sequence_length": 60},
    "character": {"split": "character", "max_tokens": 60, "output_sequence_length": 80},
    "no_split": {"split": None, "max_tokens": 50},
    "ngrams_2": {"ngrams": 2, "max_tokens": 3000, "output_sequence_length": 200},
    "ngrams_tuple": {"ngrams": (2, 3), "max_tokens": 1000, "output_mode": "count"},
    "multi_hot": {"output_mode": "multi_hot", "max_tokens": 1000},
    "count": {"output_mode": "count", "max_tokens": 1000},
    "tf_idf": {"output_mode": "tf_idf", "max_tokens": 1000},
    "tf_idf_padded": {"output_mode": "tf_idf", "max_tokens": 12000, "pad_to_max_tokens": True},
    "multi_hot_character": {"output_mode": "multi_hot", "split": "character"},
    "set_vocabulary_int": {"vocabulary": VOCAB, "output_sequence_length": 20},
    "set_vocabulary_multi_hot": {"vocabulary": ["[UNK]"] + VOCAB[:5], "output_mode": "multi_hot"},
    "set_vocabulary_tf_idf": {"vocabulary": VOCAB[:5], "idf_weights": [0.5, 1.0, 1.5, 2.0, 2.5],
                              "output_mode": "tf_idf"},
    "set_vocabulary_count_padded": {"vocabulary": VOCAB[:5], "output_mode": "count", "max_tokens": 10,
                                    "pad_to_max_tokens": True},
}


def read_reviews(path=TARBALL) -> list:
    """The 2,000 reviews in file-name order, negatives first (as visualnet's `read_reviews`)."""
    found = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            m = re.fullmatch(r"(?:.*/)?txt_sentoken/(neg|pos)/([^/]+\.txt)", member.name)
            if m and member.isfile():
                found[(m.group(1), m.group(2))] = tar.extractfile(member).read().decode("latin-1")
    return [found[k] for k in sorted(found, key=lambda k: (k[0] != "neg", k[1]))]


def adapt_texts(reviews: list) -> list:
    return reviews[0:100] + reviews[1000:1100] + EXTRA


def call_texts(reviews: list) -> list:
    return reviews[100:120] + reviews[1100:1120] + EXTRA


def keras_reference(path=TARBALL) -> dict:
    """{"<case>/output": array, "<case>/vocabulary": array, "configs": JSON text} from real Keras."""
    import keras

    reviews = read_reviews(path)
    out, configs = {}, {}
    for name, args in CASES.items():
        layer = keras.layers.TextVectorization(**args)
        if "vocabulary" not in args:
            layer.adapt(adapt_texts(reviews))
        y = np.asarray(layer(np.array(call_texts(reviews))))
        out[f"{name}/output"] = y
        out[f"{name}/vocabulary"] = np.array([str(t) for t in layer.get_vocabulary()], dtype=str)
        config = layer.get_config()
        config.pop("dtype")
        configs[name] = config
    out["configs"] = np.array(json.dumps(configs))
    return out


if __name__ == "__main__":
    np.savez_compressed(REFERENCE, **keras_reference(*sys.argv[1:]))
    print(f"wrote {REFERENCE} ({REFERENCE.stat().st_size:,} bytes)")
