"""`visualnet --self-test` from the source tree (offscreen, a subprocess), that it can fail,
and the start-up: the window is shown without compiling any Numba kernel."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args, env_extra=None, timeout=300):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "visualnet", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_self_test_passes_offscreen(tmp_path):
    proc = run(["--self-test"], {"NUMBA_CACHE_DIR": str(tmp_path / "numba")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for expected in ("main window shown", "template 'mnist_mlp' loaded", "trained 1 epoch on the built-in MNIST",
                     "project saved on the worker thread", "project reopened", "predictions differ by",
                     "Numba kernels cached on disk", "self-test PASSED"):
        assert expected in out, out
    assert "FAIL" not in out
    assert list((tmp_path / "numba").rglob("*.nbi"))      # the cache went where it was told


def test_self_test_fails_when_the_resources_are_missing(tmp_path):
    (tmp_path / "templates").mkdir()
    proc = run(["--self-test"], {"VISUALNET_RESOURCES": str(tmp_path)})
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "self-test FAILED" in proc.stdout


def test_window_is_shown_quickly_and_no_kernel_is_compiled_at_start(tmp_path):
    cache = tmp_path / "numba"
    proc = run([], {"VISUALNET_EXIT_WHEN_SHOWN": "1", "NUMBA_CACHE_DIR": str(cache),
                    "VISUALNET_SETTINGS_FILE": str(tmp_path / "s.ini"),
                    "VISUALNET_RECOVERY_DIR": str(tmp_path / "r"), "VISUALNET_LOG_DIR": str(tmp_path / "l")},
               timeout=120)                            # a hang guard; the start-up time is a benchmark goal
    assert proc.returncode == 0 and "window shown" in proc.stdout, proc.stderr
    assert not list(cache.rglob("*.nbi")), "kernels were compiled before the window was shown"


def test_a_project_on_the_command_line_opens_and_a_broken_one_is_refused(tmp_path):
    from visualnet.graph.templates import load_template
    from visualnet.io.project import Project, save_project

    good = tmp_path / "good.vnet"
    save_project(Project(load_template("two_branch")), good)
    shot = tmp_path / "shot.png"
    env = {"VISUALNET_SETTINGS_FILE": str(tmp_path / "s.ini"), "VISUALNET_RECOVERY_DIR": str(tmp_path / "r")}
    proc = run([str(good), "--screenshot", str(shot)], env, timeout=120)
    assert proc.returncode == 0 and shot.exists(), proc.stderr
    bad = tmp_path / "bad.vnet"
    bad.write_text("nope")
    proc = run([str(bad), "--screenshot", str(tmp_path / "never.png")], env, timeout=120)
    assert proc.returncode == 2 and "bad.vnet" in proc.stderr and "Traceback" not in proc.stderr
    proc = run([str(tmp_path / "missing.vnet")], env, timeout=120)
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_a_qt_start_failure_is_written_to_the_log(tmp_path):
    """'It won't start': Qt's fatal message (here: no such platform plugin) is in the log file."""
    proc = run([], {"QT_QPA_PLATFORM": "nosuchplatform", "VISUALNET_LOG_DIR": str(tmp_path),
                    "VISUALNET_SETTINGS_FILE": str(tmp_path / "s.ini")}, timeout=120)
    assert proc.returncode != 0
    text = (tmp_path / "visualnet.log").read_text()
    assert "VisualNet 0" in text and "nosuchplatform" in text and "CRITICAL visualnet.qt" in text
