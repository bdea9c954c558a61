"""Two windows on one project (issue 27, "Lost edits"): a save over a file another window
wrote since this one read it asks (overwrite / save as / reload / cancel); opening a project
another running window holds says so; a stale lock file is ignored and replaced."""

import json
import os
import socket
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from visualnet.io import file_state
from visualnet.io.file_state import FileStamp, ProjectLock, lock_path, read_lock
from visualnet.io.project import open_project


def modify(window, times=1):
    """Undoable edits: duplicate the first layer `times` times."""
    for _ in range(times):
        window.scene.select([next(iter(window.graph.nodes))])
        window.actions["duplicate"].trigger()
    assert window.isWindowModified()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def two(make_window, answers, tmp_path):
    """A saved project, open in window A and then in window B; A saves an edit (two more
    layers), then B has an edit of its own (one more layer). Returns (a, b, path, n)."""
    path = tmp_path / "shared.vnet"
    a = make_window()
    a.load_template("mnist_mlp")
    n = len(a.graph.nodes)
    assert a.files.save_to(path)
    b = make_window()
    assert b.files.open_path(path)
    assert b.files.last_notice                          # B was told A holds it
    modify(a, 2)
    assert a.files.save()                               # A's own file: no question
    assert len(open_project(path).graph.nodes) == n + 2
    modify(b, 1)
    return a, b, path, n


def ask(window, choice, monkeypatch):
    asked = []

    def answer(path):
        asked.append(path)
        return choice

    monkeypatch.setattr(window.files, "ask_on_conflict", answer)
    return asked


def test_overwrite_writes_this_windows_version(two, monkeypatch):
    a, b, path, n = two
    asked = ask(b, "overwrite", monkeypatch)
    assert b.files.save()
    assert asked == [path]
    assert len(open_project(path).graph.nodes) == n + 1 and not b.isWindowModified()
    modify(b)
    assert b.files.save() and asked == [path]           # B wrote it last: no second question
    assert a.files.changed_on_disk(path)                # now A would be asked


def test_reload_shows_the_other_windows_version(two, monkeypatch):
    a, b, path, n = two
    before = path.read_bytes()
    asked = ask(b, "reload", monkeypatch)
    assert not b.files.save()
    assert asked == [path] and path.read_bytes() == before
    assert len(b.graph.nodes) == n + 2 and not b.isWindowModified() and b.document.path == path
    modify(b)
    assert b.files.save() and len(asked) == 1           # reloaded: B's stamp is the file's
    assert len(open_project(path).graph.nodes) == n + 3


def test_save_as_writes_elsewhere(two, monkeypatch, answers, tmp_path):
    a, b, path, n = two
    before = path.read_bytes()
    asked = ask(b, "save_as", monkeypatch)
    answers.save_names.append(tmp_path / "mine")
    assert b.files.save()
    assert asked == [path] and path.read_bytes() == before
    other = tmp_path / "mine.vnet"
    assert len(open_project(other).graph.nodes) == n + 1
    assert b.document.path == other and not b.isWindowModified()
    assert lock_path(other).exists() and read_lock(other).token == b.files.project_lock.token
    assert read_lock(path).token == a.files.project_lock.token   # A still holds its project


def test_cancel_changes_nothing(two, monkeypatch, answers):
    a, b, path, n = two
    before, stat = path.read_bytes(), path.stat()
    asked = ask(b, "cancel", monkeypatch)
    assert not b.files.save()
    assert asked == [path] and path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert b.isWindowModified() and len(b.graph.nodes) == n + 1 and b.document.path == path
    # the unsaved-changes prompt's Save meets the same question; cancelling it keeps the project
    answers.replies.append(QMessageBox.StandardButton.Save)
    assert not b.files.confirm_discard()
    assert len(asked) == 2 and path.read_bytes() == before and b.isWindowModified()


def test_the_background_save_path_asks_too(two, monkeypatch):
    a, b, path, n = two
    b.files.background_bytes = -1                       # every save on the worker thread
    asked = ask(b, "overwrite", monkeypatch)
    assert b.files.save(wait=True)
    assert asked == [path] and len(open_project(path).graph.nodes) == n + 1
    assert not b.files.changed_on_disk(path)            # the worker's stamp is the new file's


# ===================================================================== the lock file
def test_a_second_window_is_told_and_the_lock_follows_the_project(make_window, answers, tmp_path):
    path = tmp_path / "held.vnet"
    a = make_window()
    a.load_template("mnist_mlp")
    assert a.files.save_to(path)
    holder = read_lock(path)
    assert holder.pid == os.getpid() and holder.host == socket.gethostname()
    assert holder.token == a.files.project_lock.token and a.files.last_notice is None

    b = make_window()
    assert b.files.open_path(path)
    assert b.files.last_notice == (f"'held.vnet' is open in another VisualNet window (pid {os.getpid()}); saving "
                              f"here may overwrite its changes.")
    assert "open in another VisualNet window" in b.statusBar().currentMessage()
    assert read_lock(path).token == a.files.project_lock.token   # not taken from its holder

    b.files.close_project()                             # B's close leaves A's lock alone
    assert read_lock(path).token == a.files.project_lock.token
    a.files.close_project()                             # A's close removes it
    assert not lock_path(path).exists()
    b.files.last_notice = None
    assert b.files.open_path(path) and b.files.last_notice is None   # nobody holds it now
    assert read_lock(path).token == b.files.project_lock.token
    b.load_template("mnist_cnn")                        # a new model: the lock goes
    assert not lock_path(path).exists()


def test_opening_another_project_releases_the_first(make_window, answers, tmp_path):
    first, second = tmp_path / "one.vnet", tmp_path / "two.vnet"
    w = make_window()
    w.load_template("mnist_mlp")
    assert w.files.save_to(first)
    assert w.files.save_to(second)                      # Save As: the lock moves with it
    assert not lock_path(first).exists() and lock_path(second).exists()
    assert w.files.open_path(first)
    assert lock_path(first).exists() and not lock_path(second).exists()
    w.close()
    assert not lock_path(first).exists()                # closing the window releases it


def test_a_stale_lock_is_ignored_and_replaced(make_window, answers, tmp_path):
    path = tmp_path / "stale.vnet"
    w = make_window()
    w.load_template("mnist_mlp")
    assert w.files.save_to(path)
    w.files.close_project()
    pid = dead_pid()
    lock_path(path).write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "token": "gone"}))
    other = make_window()
    assert other.files.open_path(path)
    assert other.files.last_notice is None
    assert read_lock(path).token == other.files.project_lock.token and read_lock(path).pid == os.getpid()


def test_a_lock_from_another_host_is_reported(make_window, answers, tmp_path):
    path = tmp_path / "remote.vnet"
    w = make_window()
    w.load_template("mnist_mlp")
    assert w.files.save_to(path)
    w.files.close_project()
    lock_path(path).write_text(json.dumps({"pid": 1234, "host": "elsewhere.example", "token": "x"}))
    assert w.files.open_path(path)
    assert "(pid 1234 on elsewhere.example)" in w.files.last_notice


# ===================================================================== FileStamp, ProjectLock
def test_stamp_sees_a_same_size_same_mtime_change(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"a" * 1000)
    stamp = FileStamp.of(p)
    st = p.stat()
    with open(p, "r+b") as fh:                          # in place: same inode, same size
        fh.write(b"b")
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))    # and the same mtime (a coarse clock)
    assert stamp.changed(p)


def test_stamp_ignores_a_touch_and_a_deleted_file(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"abc")
    stamp = FileStamp.of(p)
    assert not stamp.changed(p)
    os.utime(p, ns=(1, 10**18))                         # only the time changed
    assert not stamp.changed(p)
    p.write_bytes(b"abcd")
    assert stamp.changed(p)
    p.unlink()
    assert not stamp.changed(p)                         # nothing there to lose
    missing = FileStamp.of(p)
    assert not missing.exists and not missing.changed(p)
    p.write_bytes(b"new")
    assert missing.changed(p)                           # appeared since


def test_large_files_use_mtime_inode_and_a_sampled_digest(tmp_path, monkeypatch):
    monkeypatch.setattr(file_state, "FULL_HASH_BYTES", 100)
    monkeypatch.setattr(file_state, "SAMPLE_BYTES", 10)
    p = tmp_path / "big.bin"
    p.write_bytes(bytes(1000))
    stamp = FileStamp.of(p)
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert stamp.changed(p)                             # a large file's mtime counts
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not stamp.changed(p)
    with open(p, "r+b") as fh:
        fh.seek(995)
        fh.write(b"x")                                  # in the sampled tail
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert stamp.changed(p)


def test_project_lock_by_itself(tmp_path):
    path = tmp_path / "p.vnet"
    one, two = ProjectLock(), ProjectLock()
    assert one.acquire(path) is None and lock_path(path).name == ".p.vnet.vnlock"
    other = two.acquire(path)
    assert other is not None and other.token == one.token and two.holder() is not None
    two.release()
    assert read_lock(path).token == one.token
    lock_path(path).write_text("not json")              # unreadable: as if absent
    assert two.acquire(path) is None and read_lock(path).token == two.token
    one.release()
    assert read_lock(path).token == two.token           # not one's any more
    two.release()
    assert not lock_path(path).exists()


def test_of_windows_claiming_at_once_exactly_one_wins(tmp_path):
    import threading

    for round_ in range(20):
        path = tmp_path / f"p{round_}.vnet"
        locks = [ProjectLock() for _ in range(6)]
        start, results = threading.Barrier(len(locks)), [None] * len(locks)

        def claim(i):
            start.wait()
            results[i] = locks[i].acquire(path)

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(locks))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [lock for lock, other in zip(locks, results) if other is None]
        assert len(winners) == 1, round_
        assert read_lock(path).token == winners[0].token
        assert all(other.token == winners[0].token for other in results if other is not None)
        assert sorted(q.name for q in tmp_path.iterdir() if q.name.startswith(f".p{round_}.")) == \
            [f".p{round_}.vnet.vnlock"]                  # no temporaries left behind


def test_a_dead_holders_lock_is_replaced(tmp_path):
    path = tmp_path / "p.vnet"
    lock_path(path).write_text(json.dumps({"pid": 2 ** 22 + 12345, "host": socket.gethostname(), "token": "gone"}))
    mine = ProjectLock()
    assert mine.acquire(path) is None and read_lock(path).token == mine.token
