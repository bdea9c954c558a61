"""Ready-made models for the start screen, the template menu and `visualnet TEMPLATE`.

Each template is plain graph JSON (the `to_json` format, plus a `title` and a one-line
`description`) in `resources/templates/NAME.json`; loading one goes through `from_dict`,
so a template is checked like any other file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .model import Graph
from .serialization import GraphFormatError, from_dict

# Start-screen order; a template file not listed here comes after these, by name.
ORDER = ("mnist_mlp", "mnist_cnn", "tabular_binary", "resnet_block", "two_branch",
         "conv_autoencoder", "unet_segmentation", "separable_classifier", "augmented_cnn", "text_classifier",
         "bidirectional_lstm_text", "transformer_text_classifier",
         "series_forecaster", "sensor_classifier")


class UnknownTemplateError(KeyError):
    """A template name that has no file; the message lists the known names."""

    def __str__(self):
        return str(self.args[0])


@dataclass(frozen=True)
class Template:
    name: str          # file stem, as typed on the command line
    title: str
    description: str
    path: Path

    def load(self) -> Graph:
        """A fresh Graph with the template's layers, wires and positions."""
        return from_dict(_read(self.path))


def templates_dir() -> Path:
    try:
        from visualnet.resources import resource_path
        return resource_path("templates")
    except (ImportError, FileNotFoundError):
        return Path(__file__).resolve().parents[2] / "resources" / "templates"


def all_templates() -> list[Template]:
    found = []
    for path in sorted(templates_dir().glob("*.json")):
        data = _read(path)
        found.append(Template(path.stem, str(data.get("title", path.stem)), str(data.get("description", "")), path))
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(found, key=lambda t: (rank.get(t.name, len(ORDER)), t.name))


def get_template(name: str) -> Template:
    for template in all_templates():
        if template.name == name:
            return template
    known = ", ".join(t.name for t in all_templates())
    raise UnknownTemplateError(f"No template named '{name}'. Templates: {known}")


def load_template(name: str) -> Graph:
    return get_template(name).load()


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GraphFormatError(f"Template {path.name} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise GraphFormatError(f"Template {path.name} must hold a JSON object.")
    return data
