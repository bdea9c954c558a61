"""CIFAR-100, Keras-compatible: `(x_train, y_train), (x_test, y_test) = load_data(label_mode="fine")`.

Never downloads and never unpickles: reads the *binary version*, `cifar-100-binary.tar.gz`
from https://www.cs.toronto.edu/~kriz/ (or its extracted folder `cifar-100-binary/`) in
`~/.keras/datasets/`, or the archive or folder `path` names. The arrays are Keras's.
"""

from ..data.keras_datasets import load_cifar100


def load_data(label_mode="fine", path=None):
    """uint8 images (n, 32, 32, 3) and uint8 labels (n, 1): the 100 "fine" classes or the 20 "coarse" ones."""
    return load_cifar100(label_mode, path)
