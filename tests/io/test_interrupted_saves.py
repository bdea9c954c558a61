"""Issue 27, lost edits: the temporary files an interrupted (killed) save leaves are removed
by the next save of that file and at start, but only when they are old: a save running
in another copy of the app keeps its temporary file."""

import os
import time

from visualnet.io.atomic import (STALE_AGE, clean_folders, clean_stale_temporaries, folder_temporaries,
                                 stale_temporaries, write_atomic)
from visualnet.io.autosave import clean_interrupted_saves, write_recovery
from visualnet.io.project import Project, open_project, save_project

from .helpers import mlp

OLD = STALE_AGE + 60


def killed_save(path, age: float, tag: str = "a1b2c3d4") -> list:
    """The two temporary files a save of `path` killed between link and rename leaves, made by
    hand the way atomic.py names them (mkstemp's `.<name>.vntmp-XXXXXXXX`, the backup link's
    `<name>.bak.vntmp-<8 hex>`), last changed `age` seconds ago."""
    main = path.with_name("." + path.name + ".vntmp-" + tag.replace("a", "_"))
    bak = path.with_name(path.name + ".bak.vntmp-" + tag)
    when = time.time() - age
    for p in (main, bak):
        p.write_bytes(b"half a save" * 100)
        os.utime(p, (when, when))
    return [main, bak]


def test_stale_temporaries_finds_both_names_and_judges_age(tmp_path):
    path = tmp_path / "p.vnet"
    old = killed_save(path, OLD)
    fresh = killed_save(path, 5, "0badf00d")
    other = killed_save(tmp_path / "p.vnet2", OLD)   # another file's: never taken for p.vnet's
    assert stale_temporaries(path) == sorted(old + fresh)
    assert stale_temporaries(path, min_age=STALE_AGE) == sorted(old)
    assert sorted(folder_temporaries(tmp_path, STALE_AGE)) == sorted(old + other)


def test_the_next_save_removes_what_a_killed_save_left_and_keeps_a_running_one(tmp_path):
    path = tmp_path / "p.vnet"
    model = mlp()
    save_project(Project.from_model(model), path)
    old = killed_save(path, OLD)
    fresh = killed_save(path, 30, "0badf00d")           # a save in progress in another copy
    save_project(Project.from_model(model), path)
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in fresh)
    assert stale_temporaries(path) == sorted(fresh)    # the save left none of its own
    open_project(path)
    open_project(path.with_name(path.name + ".bak"))


def test_write_atomic_cleans_for_every_kind_of_file(tmp_path):
    path = tmp_path / "notes.txt"
    old = killed_save(path, OLD)
    write_atomic(path, lambda tmp: tmp.write_text("x"), keep_backup=False)
    assert not any(p.exists() for p in old) and path.read_text() == "x"


def test_cleaning_at_start_covers_recent_folders_and_the_recovery_folder(tmp_path):
    recovery, a, b = tmp_path / "recovery", tmp_path / "a", tmp_path / "b"
    for d in (recovery, a, b):
        d.mkdir()
    rec = write_recovery(Project.from_model(mlp()), a / "p.vnet", directory=recovery)
    left = killed_save(a / "p.vnet", OLD) + killed_save(b / "q.vnet", OLD) + killed_save(rec, OLD)
    running = killed_save(a / "p.vnet", 1, "ffffffff")
    unrelated = a / ".hidden.vntmp-notours!"           # not a name atomic.py makes
    unrelated.write_text("keep")
    os.utime(unrelated, (time.time() - OLD,) * 2)
    removed = clean_interrupted_saves([a / "p.vnet", b / "q.vnet", tmp_path / "gone" / "r.vnet"], recovery)
    assert sorted(removed) == sorted(left)
    assert all(p.exists() for p in running) and unrelated.exists() and rec.exists()
    assert clean_folders([a, b, recovery]) == []


def test_the_file_system_clock_decides(tmp_path):
    """The next save compares ages with its own new temporary file's time, so a clock
    ahead of a network share's does not make a running save look old."""
    path = tmp_path / "p.txt"
    fresh = killed_save(path, 0)
    now = max(p.stat().st_mtime for p in fresh)
    assert clean_stale_temporaries(path, now=now) == []
    assert sorted(clean_stale_temporaries(path, now=now + OLD)) == sorted(fresh)
