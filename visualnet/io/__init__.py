"""Project files, Keras files (.h5, .keras, .weights.h5) and code export. No Qt here.

The File menu calls `open_project`, `save_project`, the autosave and recent-file helpers,
`import_keras_model` and the exporters; `Model.save`, `Model.save_weights` and
`visualnet.models.load_model` go through `keras_files`.
"""

from .errors import KerasFileError, ProjectFileError, UnsupportedLayersError

__all__ = ["KerasFileError", "ProjectFileError", "UnsupportedLayersError"]
