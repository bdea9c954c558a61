"""Reuters newswire topics, Keras-compatible: `load_data(...)`, `get_word_index()`, `get_label_names()`.

Never downloads: reads Keras's `reuters.npz` and `reuters_word_index.json` from
`~/.keras/datasets/` or `path`, decoding the object arrays as `imdb` does (no unpickling).
"""

from ..data.keras_text_datasets import load_reuters, load_word_index

LABEL_NAMES = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
               "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
               "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
               "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
               "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """((x_train, y_train), (x_test, y_test)): object arrays of word-index lists and int topic labels."""
    return load_reuters(path, num_words, skip_top, maxlen, test_split, seed, start_char, oov_char, index_from)


def get_word_index(path="reuters_word_index.json"):
    """{word: index}; `load_data`'s indices are these plus `index_from`."""
    return load_word_index("reuters", path, "reuters_word_index.json")


def get_label_names():
    """The 46 topic names, in label order (Keras's)."""
    return LABEL_NAMES
