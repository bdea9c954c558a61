"""Project files, Keras files (.h5, .keras, .weights.h5) and code export. No Qt here.

For the File menu:
    open_project(path) -> Project            save_project(project, path)      (atomic, keeps .bak)
    Project.from_model(model, ...)           project.build_model(restore_rng=...)
    Autosaver / find_recoveries / write_recovery / discard_recovery          (autosave.py)
    RecentFiles                                                               (recent.py)
    import_keras_model(path) -> KerasImport  save_model(model, "x.keras" | "x.h5")
    export_keras_script / export_torch_script                                 (code_export.py)
    file_summary(path)                                                        (a few lines of text)
`visualnet.models` (`Model.save`, `save_weights`/`load_weights`, `load_model`) goes through
keras_files. Nothing read from a file is ever executed.
"""

from .atomic import backup_path, write_atomic
from .autosave import (Autosaver, Recovery, discard_recovery, find_recoveries, read_recovery, recovery_dir,
                       recovery_path, write_recovery)
from .code_export import export_keras_script, export_torch_script, keras_script, torch_script
from .errors import KerasFileError, ProjectFileError, UnsupportedLayersError
from .info import file_summary
from .keras_files import (KerasImport, import_keras_model, load_model, load_weights, read_keras_file, save_model,
                          save_weights)
from .project import EXTENSION, FORMAT_VERSION, OptimizerState, Project, Run, open_project, save_project
from .recent import RecentFiles

__all__ = [
    "backup_path", "write_atomic", "Autosaver", "Recovery", "discard_recovery", "find_recoveries", "read_recovery",
    "recovery_dir", "recovery_path", "write_recovery", "export_keras_script", "export_torch_script", "keras_script",
    "torch_script", "KerasFileError", "ProjectFileError", "UnsupportedLayersError", "file_summary", "KerasImport",
    "import_keras_model", "load_model", "load_weights", "read_keras_file", "save_model", "save_weights",
    "EXTENSION", "FORMAT_VERSION", "OptimizerState", "Project", "Run", "open_project", "save_project",
    "RecentFiles",
]
