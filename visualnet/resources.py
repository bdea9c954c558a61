"""Where VisualNet's shipped files (datasets, icons, examples) are.

One place decides, so every caller works the same from a source checkout, an installed
package and a PyInstaller bundle (whose files are unpacked under `sys._MEIPASS`).
"""

import os
import sys
from pathlib import Path

ENV_VAR = "VISUALNET_RESOURCES"


def _candidates() -> list[Path]:
    found = []
    if os.environ.get(ENV_VAR):
        found.append(Path(os.environ[ENV_VAR]))
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
        found.append(Path(sys._MEIPASS) / "resources")
    package = Path(__file__).resolve().parent
    found.append(package / "resources")           # installed as package data
    found.append(package.parent / "resources")    # source checkout / editable install
    found.append(Path(sys.prefix) / "share" / "visualnet" / "resources")
    return found


def resource_dir() -> Path:
    """The folder holding VisualNet's resources (the first candidate that exists)."""
    for folder in _candidates():
        if folder.is_dir():
            return folder
    looked = ", ".join(str(p) for p in _candidates())
    raise FileNotFoundError(
        f"VisualNet's resources folder was not found (looked in: {looked}); "
        f"set {ENV_VAR} to the folder that holds 'datasets/'.")


def resource_path(*parts: str) -> Path:
    """The path of a shipped file, e.g. `resource_path("datasets", "uci", "iris.csv")`.

    Raises FileNotFoundError naming the file when it is not there.
    """
    path = resource_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"VisualNet resource {'/'.join(parts)!r} is missing: {path}")
    return path
