"""Fuzzed project and Keras files through File > Open and Import in the real window
(offscreen): each opens or is refused with a message, never an uncaught exception. A short
run by default; `VISUALNET_FUZZ_CASES=N` runs N // 10 cases here (tests/io/test_fuzz.py
runs N through the API)."""

import os
import random
import time

from visualnet.gui.training import install

from ..io.test_fuzz import mutated, seeds  # noqa: F401  (seeds: a fixture)

CASES = max(int(os.environ.get("VISUALNET_FUZZ_CASES", "0")) // 10, 40)


def test_fuzzed_files_through_file_open(app_window, answers, qtbot, tmp_path, seeds):  # noqa: F811
    window = app_window()
    install(window)
    rng = random.Random(99)
    opened = refused = 0
    for n in range(CASES):
        name, path, _ = mutated(seeds, n, rng, tmp_path)
        warnings_before = len(answers.warnings)
        t0 = time.monotonic()
        ok = window.files.open_path(path)                # an uncaught exception fails the test here
        qtbot.wait(1)
        assert time.monotonic() - t0 < 15, f"case {n} ({name}) took too long"
        if ok:
            opened += 1
        else:
            refused += 1
            assert len(answers.warnings) > warnings_before and answers.warnings[-1][1], f"case {n}: no message"
        path.unlink()
    print(f"\nFile > Open fuzz: {CASES} cases, {opened} opened, {refused} refused")
    assert refused > CASES // 4
