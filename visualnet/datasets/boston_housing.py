"""Boston housing prices, Keras-compatible: `(x_train, y_train), (x_test, y_test) = load_data()`.

Never downloads: reads Keras's `boston_housing.npz` (plain arrays `x`, 506 x 13, and `y`)
from `~/.keras/datasets/` or `path`. Keras warns that the data set has an ethical problem
(its "B" attribute); use it only to illustrate that.
"""

from ..data.keras_datasets import load_boston_housing


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Shuffled by `RandomState(seed)`; the last `test_split` of the houses is the test set."""
    return load_boston_housing(path, test_split, seed)
