"""`keras.preprocessing`: the dataset utilities under their older home, and the `image` and
`sequence` helpers."""

from ..data.image_dataset import image_dataset_from_directory  # noqa: F401
from ..data.sequences import timeseries_dataset_from_array  # noqa: F401
from ..data.text_dataset import text_dataset_from_directory  # noqa: F401
from . import image, sequence  # noqa: F401

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
