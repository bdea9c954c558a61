"""A project file with parts this version does not know (a newer version's, added without a
new format_version) opens, and saving it again writes those parts back as they were
(issue 26: nothing lost); they are verified like every other part."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from visualnet.data import Recipe
from visualnet.graph.templates import get_template
from visualnet.io import project as project_file
from visualnet.io.errors import ProjectFileError
from visualnet.io.project import KEPT, Project, Run, open_project, save_project


def newer_file(path) -> None:
    """A project as a newer version could write it: its known parts and three more."""
    save_project(Project(get_template("mnist_mlp").load(), Recipe.builtin("iris"), {"epochs": 3},
                         runs=[Run({"note": "r"}, {"epoch/loss": np.array([0.5, 0.25])})]), path)
    with h5py.File(path, "a") as f:
        project_file._text(f, "notes", json.dumps({"text": "a note from the future"}))
        deep = f.create_group("annotations").create_group("layers")
        project_file._dataset(deep, "importance", np.arange(5, dtype=np.float32))
        f["annotations"].create_group("empty")
        project_file._seal(f)


def test_unknown_parts_open_and_are_saved_back(tmp_path):
    path = tmp_path / "newer.vnet"
    newer_file(path)
    project = open_project(path)
    kept = project.metadata[KEPT]
    assert sorted(kept) == ["/annotations/empty", "/annotations/layers/importance", "/notes"]
    assert project.training == {"epochs": 3} and len(project.runs) == 1
    save_project(project, tmp_path / "again.vnet")
    with h5py.File(tmp_path / "again.vnet", "r") as f:
        assert json.loads(f["notes"][()].decode()) == {"text": "a note from the future"}
        np.testing.assert_array_equal(f["annotations/layers/importance"][()], np.arange(5, dtype=np.float32))
        assert f["annotations/layers/importance"].dtype == np.float32 and len(f["annotations/empty"]) == 0
    again = open_project(tmp_path / "again.vnet")
    assert sorted(again.metadata[KEPT]) == sorted(kept) and len(again.runs) == 1


def test_a_damaged_unknown_part_is_refused_by_name(tmp_path):
    path = tmp_path / "newer.vnet"
    newer_file(path)
    with h5py.File(path, "a") as f:
        f["annotations/layers/importance"][2] = 99.0
    with pytest.raises(ProjectFileError, match="the part '/annotations/layers/importance' is damaged"):
        open_project(path)


def test_a_file_without_unknown_parts_has_none_kept(tmp_path):
    save_project(Project(get_template("mnist_mlp").load()), tmp_path / "plain.vnet")
    assert KEPT not in open_project(tmp_path / "plain.vnet").metadata
