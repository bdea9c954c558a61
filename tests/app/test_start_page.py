"""The start page's "Train your first network" path: shown only when a training page
exists, and it lands on that page with the MNIST template and data chosen."""

from PySide6.QtCore import Qt, QTimer


def let_queued_calls_run(qtbot) -> None:
    """Wait for the zero-delay calls queued so far (QTimer.singleShot(0, ...)) to have run:
    they run in order, so once this one queued after them has, they have."""
    ran = []
    QTimer.singleShot(0, lambda: ran.append(True))
    qtbot.waitUntil(lambda: bool(ran), timeout=60_000)


def test_no_first_run_card_without_a_training_page(window, qtbot):
    let_queued_calls_run(qtbot)       # the window's offer of the first-run card has run
    assert window.start_page.first_run_button is None
    assert window.files.train_first_network() is False


def test_first_run_card_reaches_the_training_page_with_mnist(make_window, qtbot):
    from visualnet.gui import training

    window = make_window()
    if getattr(window, "training_page", None) is None:
        training.install(window)
    window.files._offer_first_run()
    button = window.start_page.first_run_button
    assert button is not None and window.start_page.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)                      # click 1
    page = window.training_page
    assert window.pages.currentWidget() is page
    assert sorted(n.type for n in window.graph.nodes.values()) == ["Dense", "Dense", "Dropout", "Flatten", "Input"]
    assert page.data_panel.combo.currentData() == "mnist"
    assert page.data_panel.recipe().source["name"] == "mnist"
    page.shutdown()
