"""Keras-compatible `datasets` namespace (`visualnet.datasets.mnist.load_data()`).

Nothing here downloads: loaders read the standard files when the user has them and
otherwise fall back to the real data VisualNet ships, with a warning saying so.
"""

from . import mnist

__all__ = ["mnist"]
