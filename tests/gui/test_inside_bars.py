"""The Inside tab's layer views are cheap to build (issue 26: a plot widget per layer held
the GUI thread 30-100 ms each when the tab opened): vectors are drawn as bars into a
pixmap, with the baseline across the middle when some values are negative."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from visualnet.gui import theme
from visualnet.gui.training.inside_view import _LayerView


def column(image, x):
    return [QColor(image.pixel(x, y)).name() for y in range(image.height())]


def test_vector_activations_are_bars_in_a_pixmap(qtbot):
    view = _LayerView("dense", "Dense")
    qtbot.addWidget(view)
    view.show_values(np.array([0.0, 1.0, 0.5, 2.0], np.float32))
    image = view.image.pixmap().toImage()
    assert (image.width(), image.height()) == (20, _LayerView.BAR_HEIGHT)
    accent = QColor(theme.current().accent).name()
    heights = [column(image, 5 * i + 1).count(accent) for i in range(4)]
    assert heights[0] == 0 and heights[3] > heights[1] > heights[2] > 0
    assert abs(heights[1] - 2 * heights[2]) <= 1 and "from 0 to 2" in view.image.toolTip()

    view.show_values(np.array([-1.0, 1.0], np.float32))          # below and above a middle baseline
    image = view.image.pixmap().toImage()
    below, above = column(image, 1), column(image, 6)
    middle = _LayerView.BAR_HEIGHT // 2
    assert accent in below[middle:] and accent not in below[:middle - 1]
    assert accent in above[:middle] and accent not in above[middle + 1:]


def test_feature_maps_stay_images(qtbot):
    view = _LayerView("conv2d", "Conv2D")
    qtbot.addWidget(view)
    grid = (np.arange(12 * 20) % 256).astype(np.uint8).reshape(12, 20)
    view.show_values(grid)
    assert (view.image.pixmap().width(), view.image.pixmap().height()) == (40, 24)   # doubled, as before


def test_a_heat_map_of_a_few_features_is_stretched_to_be_seen(qtbot):
    view = _LayerView("masking", "Masking")
    qtbot.addWidget(view)
    view.show_values(np.zeros((4, 129), np.uint8), heat_map=True)     # 4 features over 129 steps
    pixmap = view.image.pixmap()
    assert pixmap.width() == 258 and pixmap.height() >= _LayerView.MIN_IMAGE_HEIGHT


def test_the_sample_label_of_a_target_with_several_values(qtbot, window):
    """A forecast horizon or an autoencoder's image is a target of several values: the
    Inside tab's sample line shows the first few (it raised a TypeError)."""
    from visualnet.gui.training import install

    window.load_template("series_forecaster")
    page = install(window)
    window.pages.setCurrentWidget(page)
    page.select_dataset("airline_passengers")
    page.inside_link.sample_changed()
    assert page.inside.sample_label.text().startswith("label: ")
    real = page.inside_link._subset()

    class Horizon:                               # the test split with 6 values to forecast per sample
        x, y = real.x[:1], np.arange(6, dtype=np.float32).reshape(1, 6)

        def __len__(self):
            return 1

    page.inside_link._subset = Horizon
    page.inside_link.sample_changed()
    assert page.inside.sample_label.text() == "label: [0, 1, 2, 3, …] (shape (6,))"


def test_a_run_is_looked_inside_only_while_the_inside_tab_is_in_front(qtbot, window):
    from visualnet.gui.training import install

    page = install(window)
    window.pages.setCurrentWidget(page)
    wanted = lambda: page.inside_link.wanted()   # what the training thread asks before a snapshot
    assert page.tabs.currentWidget() is page.curves and not wanted()
    page.tabs.setCurrentWidget(page.inside)
    assert wanted()
    page.tabs.setCurrentWidget(page.runs_view)
    assert not wanted()
