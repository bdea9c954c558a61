"""Importing a Keras model whose input does not fit the Train page's data shows the mismatch
in the problems box instead of an uncaught ValueError (found by File > Open fuzzing; issue 26's
first crash)."""

from visualnet.gui.training import install

from ..io.helpers import cnn


def test_a_model_that_does_not_fit_the_data_opens_with_the_mismatch_shown(app_window, answers, tmp_path):
    window = app_window()
    page = install(window)
    window.pages.setCurrentWidget(page)
    page.select_dataset("iris")                     # 4 features; the model below takes 8x8x3 images
    path = tmp_path / "cnn.keras"
    cnn().save(path)
    assert window.files.open_path(path)            # an exception in a slot would fail the test here
    problems = [p for p in page.check_problems() if p.severity == "error"]
    assert problems and any("8, 8, 3" in p.message or "shape" in p.message for p in problems), problems
