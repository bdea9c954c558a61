"""IMDB movie-review sentiment, Keras-compatible: `load_data(...)` and `get_word_index()`.

Never downloads: reads Keras's `imdb.npz` and `imdb_word_index.json` from
`~/.keras/datasets/` or `path`. The reviews are stored as NumPy object arrays (pickles):
VisualNet decodes exactly that form with its own reader (`visualnet.data.object_npz`), which
interprets only the opcodes of an object array of int lists and never resolves a global, so
the file cannot run code; anything else in it is refused.
"""

from ..data.keras_text_datasets import load_imdb, load_word_index


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """((x_train, y_train), (x_test, y_test)): object arrays of word-index lists and int labels (0/1)."""
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    return load_imdb(path, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)


def get_word_index(path="imdb_word_index.json"):
    """{word: index} (indices start at 1; add `index_from` to match `load_data`'s)."""
    return load_word_index("imdb", path, "imdb_word_index.json")
