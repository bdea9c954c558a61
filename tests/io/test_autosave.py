"""Autosave and recovery files, and the Open Recent list."""

import numpy as np

from visualnet.graph import Graph, to_dict
from visualnet.io.autosave import Autosaver, discard_recovery, find_recoveries, recovery_path, write_recovery
from visualnet.io.project import Project, open_project
from visualnet.io.recent import RecentFiles


def small_project(units=2):
    graph = Graph()
    a = graph.add_node("Input", {"shape": (3,)}, position=(0, 0))
    b = graph.add_node("Dense", {"units": units}, position=(200, 0))
    graph.connect(a.id, b.id)
    return Project(graph, weights={b.id: {"kernel": np.ones((3, units), np.float32),
                                          "bias": np.zeros(units, np.float32)}})


def test_recovery_files_are_found_read_and_discarded(tmp_path):
    rec = tmp_path / "rec"
    saved = tmp_path / "work" / "model.vnet"
    first = small_project(2)
    p1 = write_recovery(first, saved, directory=rec)
    p2 = write_recovery(small_project(4), None, session="s1", directory=rec)
    assert p1 == recovery_path(saved, directory=rec) and p1 != p2
    found = {r.path: r for r in find_recoveries(rec)}
    assert set(found) == {p1, p2}
    assert found[p1].original == saved.resolve() and found[p2].original is None
    assert to_dict(found[p1].read().graph) == to_dict(first.graph)
    assert found[p2].read().graph.nodes[next(iter(found[p2].read().weights))].params["units"] == 4
    found[p1].discard()
    assert [r.path for r in find_recoveries(rec)] == [p2]
    discard_recovery(p2)
    assert find_recoveries(rec) == [] and find_recoveries(tmp_path / "none") == []


def test_autosaver_saves_only_unsaved_changes_after_the_interval(tmp_path):
    now = [0.0]
    saver = Autosaver(interval=180, directory=tmp_path, session="s", clock=lambda: now[0])
    made = []

    def make():
        made.append(1)
        return small_project()

    assert saver.maybe_save(False, make) is None
    assert saver.maybe_save(True, make) is None  # changes begin: the clock starts
    now[0] = 179
    assert saver.maybe_save(True, make) is None and not made
    now[0] = 181
    path = saver.maybe_save(True, make)
    assert path is not None and path.exists() and made == [1]
    now[0] = 200
    assert saver.maybe_save(True, make) is None
    now[0] = 400
    target = tmp_path / "saved.vnet"
    path2 = saver.maybe_save(True, make, project_path=target)  # saved under a name since: old file goes
    assert path2 != path and path2.exists() and not path.exists()
    assert open_project(path2).weights
    saver.saved()
    assert not path2.exists() and find_recoveries(tmp_path) == []


def test_recent_files(tmp_path):
    recent = RecentFiles(tmp_path / "recent.json", limit=3)
    files = [tmp_path / f"{i}.vnet" for i in range(5)]
    for f in files:
        f.write_text("x")
        recent.add(f)
    recent.add(files[2])
    assert recent.paths() == [files[2].resolve(), files[4].resolve(), files[3].resolve()]
    files[4].unlink()
    assert recent.paths() == [files[2].resolve(), files[3].resolve()]
    recent.remove(files[2])
    assert recent.paths() == [files[3].resolve()]
    (tmp_path / "recent.json").write_text("{broken")
    assert recent.paths() == []
    recent.add(files[0])
    assert recent.paths() == [files[0].resolve()]
