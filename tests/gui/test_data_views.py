"""The Train page's Data tab, through its widgets: the augmentation preview of a model that
starts with augmentation layers (drawn by the engine off the GUI thread, seeded, "Again"
draws anew), the text preview (vocabulary, tokens, lengths against output_sequence_length)
and the series view (the split in time, then the forecast over the test part)."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from visualnet.gui.commands import SetParamsCommand
from visualnet.engine.augmentation_preview import augment_examples

from .test_text_and_series import train_and_evaluate
from .test_training import choose

LEFT = Qt.MouseButton.LeftButton


def data_tab(page):
    view = page.data_views.view
    page.tabs.setCurrentWidget(view)
    return view


def node(page, layer_type):
    return next(n for n in page.document.graph.nodes.values() if n.type == layer_type)


def wait_examples(qtbot, preview, seed):
    qtbot.waitUntil(lambda: preview.examples is not None and preview.examples.seed == seed, timeout=60000)
    return preview.examples


def test_augmentation_preview_shows_training_draws_and_draws_again(qtbot, page):
    choose(qtbot, page, "mnist", "augmented_cnn")
    view = data_tab(page)
    preview = view.augmentation
    assert preview.isVisible() and not view.text.isVisible() and not view.series.isVisible()
    first = wait_examples(qtbot, preview, 0)
    assert first.layers == ["random_rotation", "random_zoom", "random_translation"]
    assert first.original.shape == (6, 28, 28) and first.augmented.shape == (2, 6, 28, 28)
    assert len(preview.tiles) == 3 and all(len(row) == 6 for row in preview.tiles)
    assert preview.tiles[1][0].pixmap().width() == 28 * 3
    assert not np.array_equal(first.augmented[0], first.original)       # the draws change the images
    assert not np.array_equal(first.augmented[0], first.augmented[1])   # and differ from each other
    # the same seed draws the same (the engine's call, seeded); Again takes the next seed
    again = augment_examples(page.document.graph, page.prepared.train.x[:6], 0)
    np.testing.assert_array_equal(again.augmented, first.augmented)
    qtbot.mouseClick(preview.again_button, LEFT)
    second = wait_examples(qtbot, preview, 1)
    assert not np.array_equal(second.augmented, first.augmented)
    np.testing.assert_array_equal(second.original, first.original)
    assert page.engine_calls.counts["augment:delivered"] >= 2
    # editing an augmentation layer redraws; a model without one hides the preview
    rotation = node(page, "RandomRotation")
    page.document.push(SetParamsCommand(page.document.graph, rotation.id, {"factor": 0.25}))
    qtbot.waitUntil(lambda: page.engine_calls.counts["augment:delivered"] >= 3, timeout=60000)
    page.window.load_template("mnist_cnn")
    qtbot.waitUntil(lambda: not preview.isVisible(), timeout=10000)
    assert view.empty.isVisible()


def test_augmentation_preview_shows_the_autoencoder_s_noise(qtbot, page):
    choose(qtbot, page, "mnist", "conv_autoencoder")
    examples = wait_examples(qtbot, data_tab(page).augmentation, 0)
    assert examples.layers == ["gaussian_noise"]


def test_text_preview_shows_vocabulary_tokens_and_the_cut_length(qtbot, page):
    choose(qtbot, page, "movie_reviews_text", "text_classifier", samples=400)
    view = data_tab(page)
    qtbot.waitUntil(lambda: view.text.overview is not None, timeout=60000)
    text = view.text
    assert text.isVisible() and not view.augmentation.isVisible() and not view.series.isVisible()
    vectorize = page.data_panel.vectorize
    overview = text.overview
    assert overview.sequence_length == vectorize.length.value()
    assert f"vocabulary {overview.vocabulary_size:,}" in text.summary.text()
    assert overview.vocabulary_size == len(page.prepared.recipe.steps[0]["stats"]["vocabulary"])
    assert len(overview.lengths) == len(page.prepared.train) == 1600
    assert text.tokens.text().count("<sub") == sum(len(pairs) for _, pairs in overview.samples) > 10
    assert text.cut_line.isVisible() and text.cut_line.value() == vectorize.length.value()
    # reviews are long: with 200 ids most are cut, with 2,000 few are
    assert overview.cut_texts > 0.5 and "cut" in text.summary.text()
    vectorize.length.setValue(2000)
    vectorize.length.editingFinished.emit()
    qtbot.waitUntil(lambda: text.overview is not None and text.overview.sequence_length == 2000, timeout=60000)
    assert text.overview.cut_texts < 0.1 and text.cut_line.value() == 2000


def show_series(qtbot, page):
    choose(qtbot, page, "daily_temperatures", "series_forecaster", samples=400)
    page.data_panel.validation.setValue(10)
    page.data_panel.validation.editingFinished.emit()
    view = data_tab(page)
    series = view.series
    qtbot.waitUntil(lambda: series.overview is not None and len(page.prepared.validation) > 0
                    and series.overview.bounds[0] < series.overview.bounds[1], timeout=60000)
    assert series.isVisible() and not view.text.isVisible() and not view.augmentation.isVisible()
    overview = series.overview
    x, y = series.series.getData()
    assert len(x) == len(page.prepared.dataset) == 3620
    assert 0 <= y.min() and y.max() > 20             # degrees C, not standardized
    validation, test = (line.value() for line in series.bounds)
    prepared = page.prepared
    assert overview.x[prepared.train.indices].max() < validation < overview.x[prepared.validation.indices].min()
    assert overview.x[prepared.validation.indices].max() < test < overview.x[prepared.test.indices].min()
    assert all(line.isVisible() for line in series.bounds)
    assert series.forecast.getData()[0] is None or len(series.forecast.getData()[0]) == 0
    return series


def test_series_view_marks_the_split_in_time(qtbot, page):
    show_series(qtbot, page)


@pytest.mark.slow
def test_series_view_draws_the_forecast_over_the_test_part(qtbot, page):
    series = show_series(qtbot, page)
    overview, prepared = series.overview, page.prepared
    train_and_evaluate(qtbot, page)
    qtbot.waitUntil(lambda: series.forecast.getData()[0] is not None and len(series.forecast.getData()[0]) > 0,
                    timeout=30000)
    fx, fy = series.forecast.getData()
    np.testing.assert_array_equal(fx, overview.x[prepared.test.indices])
    assert len(fx) == len(prepared.test) and np.all(np.isfinite(fy)) and "forecast" in series.caption.text()
    # in the series' units, as the evaluation's predictions are
    np.testing.assert_allclose(fy, page.evaluation.report.result.y_pred, rtol=1e-6)
