"""Every built-in dataset can be chosen on the Train page: it prepares, previews and says
nothing alarming (indoor_movement's class-name labels once broke the series preview)."""

from __future__ import annotations

import sys


def test_each_builtin_prepares_on_the_train_page(qtbot, page, monkeypatch):
    raised = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: raised.append(exc))   # an exception in a slot
    combo = page.data_panel.combo
    names = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i) not in (None, "__imported__")]
    assert {"mnist", "movie_reviews_text", "daily_temperatures", "sunspots", "indoor_movement"} <= set(names)
    for name in names:
        combo.setCurrentIndex(combo.findData(name))
        qtbot.waitUntil(lambda: page.prepared is not None and page.prepared.recipe.source.get("name") == name,
                        timeout=60_000)
        assert not raised, (name, raised)
