#!/usr/bin/env python3
"""Start-up time of VisualNet: seconds from launching the executable until its main window
is shown (the app prints a line and quits when VISUALNET_EXIT_WHEN_SHOWN is set). The first
launch warms the disk cache; the median of the next N is the warm start. Runs under a private
Xvfb when one is installed (a real X window), else offscreen. Standard library only.

    python3 packaging/measure_start.py dist/VisualNet/visualnet [N]
    python3 packaging/measure_start.py ".venv/bin/python -m visualnet" [N]
"""

import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 60


def start_xvfb():
    """A private Xvfb on a display number of our own (other test runs may be starting theirs)."""
    if shutil.which("Xvfb") is None:
        return None, None
    for n in range(100 + os.getpid() % 800, 100 + os.getpid() % 800 + 20):
        if os.path.exists(f"/tmp/.X{n}-lock") or os.path.exists(f"/tmp/.X11-unix/X{n}"):
            continue
        proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                return proc, f":{n}"
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.terminate()
        proc.wait()
    return None, None


def once(command, env) -> float:
    err = tempfile.TemporaryFile("w+")
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    watchdog = threading.Timer(TIMEOUT, proc.kill)   # never hang on a build that does not quit
    watchdog.start()
    for line in proc.stdout:
        if "window shown" in line:
            elapsed = time.perf_counter() - t0
            break
    else:
        proc.wait()
        watchdog.cancel()
        err.seek(0)
        raise SystemExit(f"{command} exited ({proc.returncode}) without showing its window:\n{err.read()}")
    proc.stdout.close()
    proc.wait(timeout=TIMEOUT)
    watchdog.cancel()
    err.close()
    return elapsed


def main(argv) -> int:
    if not argv:
        print(__doc__)
        return 2
    command = shlex.split(argv[0])
    n = int(argv[1]) if len(argv) > 1 else 5
    xvfb, display = start_xvfb()
    home = tempfile.mkdtemp(prefix="visualnet-start-")
    env = {**os.environ, "VISUALNET_EXIT_WHEN_SHOWN": "1", "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config",
           "XDG_CACHE_HOME": f"{home}/.cache", "XDG_STATE_HOME": f"{home}/.local/state"}
    for var in ("VISUALNET_SETTINGS_FILE", "VISUALNET_RECOVERY_DIR", "VISUALNET_LOG_DIR", "NUMBA_CACHE_DIR"):
        env.pop(var, None)
    if display:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    try:
        first = once(command, env)
        warm = [once(command, env) for _ in range(n)]
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
        shutil.rmtree(home, ignore_errors=True)
    platform = "Xvfb" if display else "offscreen"
    print(f"start-up until the main window is shown ({platform}): first {first:.2f} s, warm median "
          f"{statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f}, n={n})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
