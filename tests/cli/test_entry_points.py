"""The installed entry points: `visualnet` (a gui-script: no console on Windows) and its
console twin `visualnet-cli` for the command line, both the same main."""

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _target(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def test_the_console_twin_runs_the_same_main():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    gui, console = project["gui-scripts"]["visualnet"], project["scripts"]["visualnet-cli"]
    assert _target(gui) is _target(console)


def test_the_console_twin_answers_a_command(capsys, tmp_path):
    main = _target(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                   ["project"]["scripts"]["visualnet-cli"])
    assert main(["info", str(tmp_path / "missing.vnet")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("visualnet info: ") and "missing.vnet" in err and len(err.splitlines()) == 1
