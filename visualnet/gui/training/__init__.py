"""The training page: data, hyper-parameters, a worker thread running a TrainingSession,
live curves, inside views and evaluation. `install(window)` adds it as a page."""

from __future__ import annotations


def install(window, title: str = "Train"):
    """Add the training page to `window` (a MainWindow) and return it."""
    from .page import TrainingPage
    page = TrainingPage(window)
    window.add_page(page, title)
    window.training_page = page
    window.pages.currentChanged.connect(lambda _: _show_docks_for(window, page))
    return page


EDITING_DOCKS = ("palette", "inspector", "summary", "problems")


def _show_docks_for(window, page) -> None:
    """The canvas's docks make room while the training page is shown; they come back
    (as the user left them) on the model page."""
    on_page = window.pages.currentWidget() is page
    hidden = getattr(window, "_docks_hidden_for_training", None)
    if on_page and hidden is None:
        hidden = [k for k in EDITING_DOCKS if k in window.docks and window.docks[k].isVisible()]
        for k in hidden:
            window.docks[k].hide()
        window._docks_hidden_for_training = hidden
    elif not on_page and hidden is not None:
        for k in hidden:
            window.docks[k].show()
        window._docks_hidden_for_training = None
