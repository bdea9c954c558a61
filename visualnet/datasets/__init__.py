"""Keras-compatible `datasets` namespace (`visualnet.datasets.mnist.load_data()`, ...).

Nothing here downloads: loaders read Keras's standard files from the user's Keras cache
(`~/.keras/datasets/`) or a given path; when they are absent, the error names the file, the
folder to put it in and where to get it. MNIST falls back to the real digits VisualNet ships,
with a warning. Nothing is unpickled (see `cifar10` and `imdb`).
"""

from . import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
