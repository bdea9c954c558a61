"""Datasets (built-in and imported), preprocessing, splits and the data recipe.

No Qt and no engine here: the GUI, the command line and the Python API all call this.

    from visualnet import data
    ds = data.load_builtin("iris")                      # or data.read_csv("my.csv", target="label")
                                                        # texts: data.read_text_folder / read_text_csv
    recipe = data.Recipe.builtin("iris", steps=[data.Standardize().get_config()])
    prepared = data.prepare(recipe)                     # fitted on the training split only
    x_train, y_train = prepared.train
    project_json = prepared.recipe.to_json()            # reproduces the same arrays later
    series = data.Recipe({"type": "series_csv", "path": "pm25.csv",    # windows split by time (series.py)
                          "options": {"lookback": 24, "targets": ["pm2.5"], "missing": "interpolate"}})
"""

from .builtin import BUILTINS, BuiltinDataset, Param, builtin_info, builtin_names, load_builtin
from .csv_import import encode_rows, read_csv
from .csv_layout import CsvLayout, sniff_csv
from .dataset import Dataset, ModelHead
from .errors import (Cancelled, ColumnError, DataError, EmptyDataError, FormatError, ImageReadError,
                     LabelRangeError, MissingValueError, NonNumericError, RaggedRowError, SizeMismatchError)
from .hdf5_import import list_hdf5_datasets, read_hdf5
from .idx import read_idx, read_idx_header, read_idx_pair
from .images import list_image_folder, read_image_folder, read_images
from .numpy_import import list_arrays, load_array, read_numpy
from .preprocessing import (Channels, Flatten, MinMaxScale, OneHot, Pipeline, Reshape, Rescale, Standardize,
                            Step, VectorizeText)
from .preview import FeatureStats, Preview, Sample, class_counts, feature_stats, preview
from .recipe import (DataChangedWarning, PreparedData, Recipe, Subset, UnreadRecipe, predicted_labels, prepare,
                     transform_for_prediction)
from .sequence_sets import read_sequence_set
from .series import SeriesOptions, read_series_csv
from .series_recipe import unscale_targets
from .sources import guess_source_type, load_source, outside_paths
from .split import SplitIndices, SplitSpec, split_indices
from .text_dataset import BatchedDataset, text_dataset_from_directory
from .text_files import decode_text, list_text_files, read_text_csv, read_text_file, read_text_folder
from .text_vectorizer import TextVectorizer

__all__ = [
    "BUILTINS", "BuiltinDataset", "Param", "builtin_info", "builtin_names", "load_builtin",
    "CsvLayout", "encode_rows", "read_csv", "sniff_csv", "Dataset", "ModelHead",
    "Cancelled", "ColumnError", "DataError", "EmptyDataError", "FormatError", "ImageReadError",
    "LabelRangeError", "MissingValueError", "NonNumericError", "RaggedRowError", "SizeMismatchError",
    "list_hdf5_datasets", "read_hdf5", "read_idx", "read_idx_header", "read_idx_pair",
    "list_image_folder", "read_image_folder", "read_images", "list_arrays", "load_array", "read_numpy",
    "Channels", "Flatten", "MinMaxScale", "OneHot", "Pipeline", "Reshape", "Rescale", "Standardize", "Step",
    "VectorizeText", "BatchedDataset", "text_dataset_from_directory", "decode_text", "list_text_files",
    "read_text_csv", "read_text_file", "read_text_folder", "TextVectorization", "TextVectorizer",
    "FeatureStats", "Preview", "Sample", "class_counts", "feature_stats", "preview",
    "DataChangedWarning", "PreparedData", "Recipe", "Subset", "UnreadRecipe", "guess_source_type", "load_source", "outside_paths", "predicted_labels", "prepare",
    "transform_for_prediction", "SplitIndices", "SplitSpec", "split_indices",
    "SeriesOptions", "read_series_csv", "read_sequence_set", "unscale_targets",
]


def __getattr__(name):
    """TextVectorization is an engine layer: imported on first use, so that importing the
    data package loads no engine (the command line's start-up)."""
    if name == "TextVectorization":
        from .text_vectorization import TextVectorization
        return TextVectorization
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
