"""Issue 27: at start the app removes old temporary files of interrupted saves in the recent
projects' folders and the recovery folder (a fresh one, a save running elsewhere, stays)."""

import os
import time

from visualnet.io.atomic import STALE_AGE
from visualnet.io.autosave import recovery_dir


def _temp(path, age):
    when = time.time() - age
    path.write_bytes(b"half")
    os.utime(path, (when, when))
    return path


def test_start_cleans_recent_folders_and_the_recovery_folder(window, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    project = folder / "p.vnet"
    window.load_template("mnist_mlp")
    assert window.files.save_to(project, wait=True)            # now a recent project
    recovery_dir().mkdir(parents=True, exist_ok=True)
    old = [_temp(folder / ".p.vnet.vntmp-abcd_123", STALE_AGE + 60),
           _temp(folder / "p.vnet.bak.vntmp-0123abcd", STALE_AGE + 60),
           _temp(recovery_dir() / ".x.recovery.vnet.vntmp-zz99zz99", STALE_AGE + 60)]
    fresh = _temp(folder / ".p.vnet.vntmp-running1", 2)
    window.files.clean_leftovers().join(30)
    assert not any(p.exists() for p in old)
    assert fresh.exists() and project.exists()
