"""Keras files are imported in a child process bounded in time and memory (io/foreign.py;
issue 27): the result is the project the library would build, errors keep their kind, a
reader that does not finish is stopped, and the child's address space is limited."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from visualnet.io import KerasFileError, UnsupportedLayersError, foreign
from visualnet.io.keras_files import import_keras_model

from .helpers import mlp


def test_the_child_gives_the_project_the_library_builds(tmp_path):
    path = tmp_path / "m.keras"
    mlp().save(path)
    imported = foreign.import_in_child(path)
    direct = import_keras_model(path)
    ours, theirs = imported.project.build_model().get_weights(), direct.model.get_weights()
    assert len(ours) == len(theirs) > 0
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    assert sorted(n.type for n in imported.project.graph.nodes.values()) == \
        sorted(n.type for n in direct.graph.nodes.values())
    assert imported.project.training.get("loss") == "categorical_crossentropy"


def test_errors_keep_their_kind(tmp_path):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(KerasFileError, match=r"'bad\.keras' is not a valid \.keras \(zip\) file"):
        foreign.import_in_child(bad)
    with pytest.raises(FileNotFoundError):
        foreign.import_in_child(tmp_path / "missing.keras")
    answer = tmp_path / "x.vnet"
    foreign.answer_path(answer).write_text('{"ok": false, "error": "UnsupportedLayersError", "unsupported": ["A", "B"]}')
    with pytest.raises(UnsupportedLayersError) as info:
        foreign.read_answer(bad, answer, 0, "")
    assert info.value.unsupported == ["A", "B"]


def test_a_child_that_does_not_finish_is_stopped(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    mlp().save(path)
    monkeypatch.setattr(foreign, "TIME_BASE", 1.0)
    monkeypatch.setattr(foreign, "child_command",
                        lambda src, out: ([sys.executable, "-c", "import time; time.sleep(120)"], {}))
    with pytest.raises(KerasFileError, match=r"took longer than 1 s, so it was stopped"):
        foreign.import_in_child(path)


def test_a_child_that_dies_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    mlp().save(path)
    monkeypatch.setattr(foreign, "child_command",
                        lambda src, out: ([sys.executable, "-c", "import os; os.abort()"], {}))
    with pytest.raises(KerasFileError, match=r"stopped unexpectedly .* more than the [\d.]+ GiB of memory"):
        foreign.import_in_child(path)


@pytest.mark.skipif(sys.platform == "win32", reason="address-space limits are POSIX")
def test_the_child_limits_its_memory(tmp_path):
    code = textwrap.dedent("""
        import numpy as np
        from visualnet.io import foreign
        foreign.MEMORY_BASE = 1 << 30
        foreign._limit_memory("no-such-file")
        small = np.ones(200 << 20, np.uint8)
        try:
            np.ones(2 << 30, np.uint8)
        except MemoryError:
            print("refused")
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=foreign.child_command("x", "y")[1])
    assert run.stdout.strip() == "refused", run.stderr[-2000:]
