"""CIFAR-10, Keras-compatible: `(x_train, y_train), (x_test, y_test) = load_data()`.

Never downloads and never unpickles: reads the *binary version* of CIFAR-10,
`cifar-10-binary.tar.gz` from https://www.cs.toronto.edu/~kriz/ (or its extracted folder
`cifar-10-batches-bin/`) in `~/.keras/datasets/`, or the archive or folder `path` names.
Keras reads the python version, whose batches are pickles; the arrays are the same.
Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck.
"""

from ..data.keras_datasets import load_cifar10


def load_data(path=None):
    """uint8 images (n, 32, 32, 3) and uint8 labels (n, 1): 50,000 to train, 10,000 to test."""
    return load_cifar10(path)
