"""The window fits a 1280-pixel-wide screen with the Train page in it (issue 26: the page's
progress text once pushed the window's minimum width to 1,519 px)."""

from __future__ import annotations

from visualnet.gui.training import install


def test_the_window_with_the_train_page_fits_1280_pixels_wide(window):
    install(window)
    assert window.minimumSizeHint().width() <= 1280
    page = window.training_page
    page.controls.show_progress({"fraction": 0.42, "epoch": 9, "epochs": 10, "batch": 250, "steps_per_epoch": 250,
                                 "samples_per_second": 27_000.0, "eta": 3.0})
    assert window.minimumSizeHint().width() <= 1280
