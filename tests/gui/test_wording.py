"""Counts read as English: "1 layer", "2 layers" (issue 26: the status bar said "1 layers")."""

from __future__ import annotations

from visualnet.gui.wording import count


def test_count():
    assert [count(1, "layer"), count(2, "layer"), count(0, "wire"), count(1_234, "param")] == \
        ["1 layer", "2 layers", "0 wires", "1,234 params"]
    assert count(2, "batch", "batches") == "2 batches"


def test_the_status_bar_counts_one_layer_as_one(qtbot, window):
    window.add_layer("Input")
    qtbot.waitUntil(lambda: window.stats_label.text().startswith("1 layer · 0 wires · "), timeout=5_000)
