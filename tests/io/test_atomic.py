"""Atomic saving: a failure or a SIGKILL at any moment leaves the previous file intact."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from visualnet.io.atomic import backup_path, stale_temporaries, write_atomic
from visualnet.io.project import open_project

ROOT = Path(__file__).resolve().parents[2]


def test_failure_while_writing_keeps_the_old_file(tmp_path):
    path = tmp_path / "f.txt"
    write_atomic(path, lambda tmp: tmp.write_text("one"))

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(path, fail)
    assert path.read_text() == "one"
    assert not backup_path(path).exists() and stale_temporaries(path) == []
    write_atomic(path, lambda tmp: tmp.write_text("two"))
    assert path.read_text() == "two" and backup_path(path).read_text() == "one"
    with pytest.raises(FileExistsError):
        write_atomic(path, lambda tmp: tmp.write_text("three"), overwrite=False)
    assert path.read_text() == "two"


SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    from visualnet.graph import Graph
    from visualnet.io.project import Project, save_project

    path = sys.argv[1]
    graph = Graph()
    a = graph.add_node("Input", {"shape": (256,)}, node_id="inp")
    b = graph.add_node("Dense", {"units": 512}, node_id="dense")
    graph.connect(a.id, b.id)
    i = int(sys.argv[2])
    while True:
        kernel = np.full((256, 512), i, np.float32)
        project = Project(graph, training={"i": i}, weights={"dense": {"kernel": kernel, "bias": np.full(512, i, np.float32)}})
        save_project(project, path)
        if i == int(sys.argv[2]):
            print("saved", flush=True)
        i += 1
""")


def check_intact(path):
    project = open_project(path)
    i = project.training["i"]
    assert (project.weights["dense"]["kernel"] == i).all() and (project.weights["dense"]["bias"] == i).all()
    return i


def test_sigkill_during_saves_never_breaks_the_file(tmp_path):
    path = tmp_path / "p.vnet"
    rng = random.Random(7)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    last = -1
    start = 0
    interrupted = 0
    for kill in range(20):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path), str(start)], stdout=subprocess.PIPE,
                                env=env, cwd=tmp_path)
        try:
            assert proc.stdout.readline().strip() == b"saved"
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stdout.close()
        i = check_intact(path)
        assert i >= max(last, start)
        if backup_path(path).exists():
            check_intact(backup_path(path))
        last = i
        start = i + 1
        leftovers = stale_temporaries(path)
        interrupted += bool(leftovers)
        for p in leftovers:
            p.unlink()
    assert last >= 20
    assert interrupted >= 3, "the kills should land in the middle of saves"
