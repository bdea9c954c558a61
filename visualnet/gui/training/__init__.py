"""The Train page, which only draws and forwards requests: page.py (the page), worker.py
(relays the training thread's reports as signals), curves.py, inside_view.py +
inside_link.py, evaluation_view.py + evaluation_link.py, runs_view.py + compare_view.py,
data_panel.py, settings_panel.py, controls.py, problems_box.py, status.py. A batch is
trained in visualnet/engine (loop.py, steps/); a run and the project's training state live
in visualnet/workspace (controller.py, training.py). `install(window)` adds the page."""

from __future__ import annotations


def install(window, title: str = "Train"):
    """Add the training page to `window` (a MainWindow) and return it (the one already there
    if it has one). The page also takes part in the File menu: what it holds (data recipe,
    settings, trained weights, optimizer state, runs) is saved in the project and restored
    when one is opened."""
    existing = getattr(window, "training_page", None)
    if existing is not None:
        return existing
    from .page import TrainingPage
    page = TrainingPage(window)
    window.add_page(page, title)
    window.training_page = page
    window.pages.currentChanged.connect(lambda _: _show_docks_for(window, page))
    files = getattr(window, "files", None)
    if files is not None:
        page.connect_files(files)
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
