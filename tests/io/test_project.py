"""The .vnet project file: round trips of every part, the version-1 layout, broken files."""

import hashlib
import json

import h5py
import numpy as np
import pytest

from visualnet.data import Recipe, Standardize, UnreadRecipe
from visualnet.graph import Graph, to_dict
from visualnet.io import ProjectFileError
from visualnet.io.atomic import backup_path
from visualnet.io.project import FORMAT_VERSION, MIGRATIONS, Project, Run, open_project, save_project

from .helpers import data, mlp


def trained_project(tmp_path, epochs=2):
    model = mlp()
    x, y = data()
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    graph = model.to_graph()
    for i, node in enumerate(graph.nodes.values()):
        node.position = (10.0 * i, -5.5 * i)
    recipe = Recipe.builtin("iris", steps=[Standardize().get_config()])
    project = Project.from_model(model, recipe=recipe, training={"epochs": 3, "batch_size": 16, "seed": 1},
                                 runs=[Run.from_history(history, {"seed": 1, "note": "first"})], graph=graph)
    return model, project


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_part_round_trips(tmp_path):
    model, project = trained_project(tmp_path)
    path = tmp_path / "p.vnet"
    save_project(project, path)
    back = open_project(path)
    assert to_dict(back.graph) == to_dict(project.graph)
    assert [n.position for n in back.graph.nodes.values()] == [n.position for n in project.graph.nodes.values()]
    assert back.recipe.to_dict() == project.recipe.to_dict()
    assert back.training == project.training
    assert back.training["loss"] == "categorical_crossentropy" and back.training["metrics"] == ["accuracy"]
    assert back.weights.keys() == project.weights.keys()
    for nid, arrays in project.weights.items():
        for k, v in arrays.items():
            np.testing.assert_array_equal(back.weights[nid][k], v)
    assert back.optimizer.config == project.optimizer.config
    assert back.optimizer.rng == project.optimizer.rng
    for k, v in project.optimizer.arrays.items():
        np.testing.assert_array_equal(back.optimizer.arrays[k], v)
    assert len(back.runs) == 1 and back.runs[0].info == project.runs[0].info
    assert back.runs[0].curves.keys() == {"loss", "accuracy"}
    np.testing.assert_array_equal(back.runs[0].curves["loss"], project.runs[0].curves["loss"])
    x, _ = data()
    np.testing.assert_array_equal(back.build_model().predict(x, verbose=0), model.predict(x, verbose=0))


def test_training_resumes_exactly(tmp_path):
    x, y = data()
    straight = mlp()
    straight.fit(x, y, epochs=3, batch_size=16, verbose=0)
    _, project = trained_project(tmp_path, epochs=2)
    save_project(project, tmp_path / "p.vnet")
    resumed = open_project(tmp_path / "p.vnet").build_model(restore_rng=True)
    resumed.fit(x, y, epochs=3, initial_epoch=2, batch_size=16, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_minimal_and_unfinished_projects(tmp_path):
    graph = Graph()
    graph.add_node("Input", {"shape": (4,)}, position=(0, 0))
    graph.add_node("Dense", {"units": 2})  # not wired: the graph is invalid, still saved and opened
    save_project(Project(graph), tmp_path / "p.vnet")
    back = open_project(tmp_path / "p.vnet")
    assert to_dict(back.graph) == to_dict(graph)
    assert back.recipe is None and back.weights == {} and back.optimizer is None and back.runs == []


def test_save_keeps_one_backup(tmp_path):
    _, project = trained_project(tmp_path)
    path = tmp_path / "p.vnet"
    save_project(project, path)
    first = digest(path)
    project.training["epochs"] = 99
    save_project(project, path)
    assert digest(backup_path(path)) == first
    assert open_project(backup_path(path)).training["epochs"] == 3
    assert open_project(path).training["epochs"] == 99
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.vnet", "p.vnet.bak"]


def test_save_refuses_weights_that_do_not_fit(tmp_path):
    _, project = trained_project(tmp_path)
    nid = next(iter(project.weights))
    project.weights[nid]["kernel"] = np.zeros((2, 2), np.float32)
    with pytest.raises(ProjectFileError, match="kernel"):
        save_project(project, tmp_path / "p.vnet")
    assert not (tmp_path / "p.vnet").exists()
    assert project.drop_stale_weights() == [nid] and project.optimizer is None
    save_project(project, tmp_path / "p.vnet")


def write_v1_by_hand(path, graph_json, recipe_json="null", training_json="{}", weights=None):
    """The version-1 layout written with h5py directly, independent of save_project."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = np.bytes_(b"visualnet-project")
        f.attrs["format_version"] = 1
        f.create_dataset("graph", data=np.bytes_(graph_json.encode()))
        f.create_dataset("data_recipe", data=np.bytes_(recipe_json.encode()))
        f.create_dataset("training", data=np.bytes_(training_json.encode()))
        wg = f.create_group("weights")
        for nid, arrays in (weights or {}).items():
            g = wg.create_group(nid)
            for k, v in arrays.items():
                g.create_dataset(k, data=v)
        f.create_group("runs")


V1_GRAPH = {"format_version": 1, "nodes": [
    {"id": "in1", "type": "Input", "name": "input_layer", "params": {"shape": [3]}, "position": [0, 0]},
    {"id": "d1", "type": "Dense", "name": "dense", "params": {"units": 2, "activation": "sigmoid"}}],
    "edges": [{"id": "e1", "src": "in1", "dst": "d1", "dst_port": 0}]}


def test_format_version_1_layout(tmp_path):
    path = tmp_path / "v1.vnet"
    kernel = np.arange(6, dtype=np.float32).reshape(3, 2) / 10
    write_v1_by_hand(path, json.dumps(V1_GRAPH), training_json='{"loss": "mse", "optimizer": "sgd"}',
                     weights={"d1": {"kernel": kernel, "bias": np.array([0.5, -0.5], np.float32)}})
    project = open_project(path)
    assert project.metadata["format_version_read"] == 1
    model = project.build_model()
    assert model.compiled is not None
    x = np.ones((1, 3), np.float32)
    expected = 1 / (1 + np.exp(-(x @ kernel + [0.5, -0.5])))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)


def test_every_older_version_has_a_migration():
    assert FORMAT_VERSION == 1  # a new version needs a reader or a migration from the last one, and a test
    assert all(v in MIGRATIONS for v in range(1, FORMAT_VERSION))


def broken(tmp_path, how):
    path = tmp_path / "b.vnet"
    write_v1_by_hand(path, json.dumps(V1_GRAPH),
                     weights={"d1": {"kernel": np.zeros((3, 2), np.float32), "bias": np.zeros(2, np.float32)}})
    with h5py.File(path, "a") as f:
        how(f)
    return path


def _replace(f, name, text):
    del f[name]
    f.create_dataset(name, data=text, dtype=h5py.string_dtype("utf-8"))


CASES = {
    "wrong format": (lambda f: f.attrs.__setitem__("format", "something-else"), "not a VisualNet project"),
    "newer version": (lambda f: f.attrs.__setitem__("format_version", 7), "newer VisualNet"),
    "no version": (lambda f: f.attrs.__delitem__("format_version"), "format_version"),
    "missing graph": (lambda f: f.__delitem__("graph"), "model description is missing"),
    "missing weights group": (lambda f: f.__delitem__("weights"), "weights group 'weights' is missing"),
    "missing runs group": (lambda f: f.__delitem__("runs"), "run history group 'runs' is missing"),
    "bad graph JSON": (lambda f: _replace(f, "graph", "{nodes: ["), "model description is not valid JSON"),
    "bad training JSON": (lambda f: _replace(f, "training", "[1, 2"), "training settings is not valid JSON"),
    "training not an object": (lambda f: _replace(f, "training", "[1]"), "must be a JSON object"),
    "unknown layer type": (lambda f: _replace(f, "graph", json.dumps(
        {**V1_GRAPH, "nodes": [V1_GRAPH["nodes"][0], {**V1_GRAPH["nodes"][1], "type": "Lambda"}]})),
        "Unknown layer type 'Lambda'"),
    "wrong weight shape": (lambda f: (f["weights/d1"].__delitem__("kernel"),
                                      f["weights/d1"].create_dataset("kernel", data=np.zeros((2, 3), np.float32))),
                           r"weight 'kernel' of layer 'dense' has shape \(2, 3\); expected \(3, 2\)"),
    "weights of an unknown node": (lambda f: f["weights"].create_group("ghost"), "not in the model"),
    "huge dimensions claimed": (lambda f: _replace(f, "graph", json.dumps(
        {**V1_GRAPH, "nodes": [V1_GRAPH["nodes"][0], {**V1_GRAPH["nodes"][1], "params": {"units": 10 ** 9}}]})),
        "weights; VisualNet accepts at most"),
    "weights as text": (lambda f: (f["weights/d1"].__delitem__("bias"),
                                   f["weights/d1"].create_dataset("bias", data=np.array([b"a", b"b"]))),
                        "not numbers"),
    "NaN weights": (lambda f: f["weights/d1/bias"].__setitem__(0, np.nan), "NaN"),
    "optimizer of the wrong kind": (lambda f: (
        f.create_group("optimizer"),
        f["optimizer"].create_dataset("config", data='{"class_name": "Adam", "config": {}}',
                                      dtype=h5py.string_dtype("utf-8")),
        f["optimizer"].create_group("state").create_dataset("momentum", data=np.zeros(8, np.float32))),
        "does not match a Adam optimizer"),
    "optimizer state of the wrong size": (lambda f: (
        f.create_group("optimizer"),
        f["optimizer"].create_dataset("config", data='{"class_name": "SGD", "config": {"momentum": 0.9}}',
                                      dtype=h5py.string_dtype("utf-8")),
        f["optimizer"].create_group("state").create_dataset("momentum", data=np.zeros(9, np.float32))),
        r"optimizer state 'momentum' has shape \(9,\); expected \(8,\)"),
    "curve of the wrong rank": (lambda f: (
        f["runs"].create_group("0000").create_dataset("info", data="{}", dtype=h5py.string_dtype("utf-8")),
        f["runs/0000"].create_group("curves").create_dataset("loss", data=np.zeros((2, 2)))), "not a 1-D array"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_file_gives_a_specific_error_and_changes_nothing(tmp_path, case):
    how, message = CASES[case]
    path = broken(tmp_path, how)
    before = digest(path)
    with pytest.raises(ProjectFileError, match=message):
        open_project(path)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.vnet"]


def test_a_recipe_this_version_cannot_read_is_kept_as_written(tmp_path):
    written = {"version": 1, "source": {"type": "nope"}}
    path = broken(tmp_path, lambda f: _replace(f, "data_recipe", json.dumps(written)))
    project = open_project(path)
    assert isinstance(project.recipe, UnreadRecipe) and "source type" in project.recipe.problem
    assert set(project.weights) == {"d1"}                     # the rest of the project opens
    save_project(project, tmp_path / "again.vnet")
    with h5py.File(tmp_path / "again.vnet", "r") as f:
        assert json.loads(f["data_recipe"][()].decode()) == written


def test_not_hdf5_and_truncated(tmp_path):
    (tmp_path / "text.vnet").write_text("hello")
    with pytest.raises(ProjectFileError, match="not an HDF5 file"):
        open_project(tmp_path / "text.vnet")
    _, project = trained_project(tmp_path)
    save_project(project, tmp_path / "p.vnet")
    raw = (tmp_path / "p.vnet").read_bytes()
    (tmp_path / "cut.vnet").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ProjectFileError):
        open_project(tmp_path / "cut.vnet")
    with pytest.raises(FileNotFoundError):
        open_project(tmp_path / "missing.vnet")


def test_too_many_layers_are_refused_quickly(tmp_path, monkeypatch):
    import visualnet.io.project as project_module

    nodes = [{"id": f"n{i}", "type": "Dropout", "name": f"d{i}", "params": {"rate": 0.1}} for i in range(50_000)]
    path = tmp_path / "big.vnet"
    write_v1_by_hand(path, json.dumps({"format_version": 1, "nodes": nodes, "edges": []}))
    built = []   # quickly: refused from the count, before a graph of 50 000 layers is built
    from_dict = project_module.from_dict
    monkeypatch.setattr(project_module, "from_dict", lambda data: built.append(1) or from_dict(data))
    with pytest.raises(ProjectFileError, match="claims 50000 nodes"):
        open_project(path)
    assert built == []


def test_engine_run_history_round_trips(tmp_path):
    from visualnet.engine.run_history import RunHistory

    history = RunHistory(settings={"epochs": 2, "batch_size": 8}, status="finished", duration=1.5,
                         final={"loss": 0.5})
    for step in range(1, 5):
        history.append("batch", {"step": step, "epoch": (step - 1) // 2, "loss": 1.0 / step,
                                 "accuracy": None if step == 1 else 0.5})
    history.append("epoch", {"epoch": 0, "step": 2, "loss": 0.75, "val_loss": 0.8})
    history.append("epoch", {"epoch": 1, "step": 4, "loss": 0.3})
    history.gradients = {"step": [2, 4], "dense/kernel": [0.1, 0.2]}
    history.markers.append({"kind": "lr", "step": 3, "epoch": 1, "batch": 0, "old": 0.1, "new": 0.01, "text": "x"})
    graph = Graph()
    graph.add_node("Input", {"shape": (2,)})
    save_project(Project(graph, runs=[Run.from_run_history(history)]), tmp_path / "p.vnet")
    run = open_project(tmp_path / "p.vnet").runs[0]
    assert "batch/loss" in run.curves and "gradients/dense/kernel" in run.curves
    assert run.to_run_history().to_dict() == history.to_dict()


def test_save_refuses_what_open_would_reject(tmp_path):
    """Diverged weights or optimizer state from another model never reach a file."""
    import numpy as np
    import pytest

    from visualnet import layers, models
    from visualnet.io import ProjectFileError
    from visualnet.io.project import Project, save_project

    m = models.Sequential([layers.Input((3,)), layers.Dense(2, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy")
    m.fit(np.zeros((4, 3)), np.zeros(4, int), verbose=0)
    project = Project.from_model(m)
    nid = next(iter(project.weights))
    project.weights[nid]["kernel"] = np.full((3, 2), np.nan, np.float32)
    with pytest.raises(ProjectFileError, match="NaN"):
        save_project(project, tmp_path / "a.vnet")
    project = Project.from_model(m)
    key = next(k for k, v in project.optimizer.arrays.items() if np.ndim(v) == 1)
    project.optimizer.arrays[key] = np.zeros(3, np.float32)
    with pytest.raises(ProjectFileError, match="trainable weights"):
        save_project(project, tmp_path / "b.vnet")
    assert not (tmp_path / "a.vnet").exists() and not (tmp_path / "b.vnet").exists()
