"""The training page: data, hyper-parameters, a worker thread running a TrainingSession,
live curves, inside views and evaluation. `install(window)` adds it as a page."""

from __future__ import annotations


def install(window, title: str = "Train"):
    """Add the training page to `window` (a MainWindow) and return it."""
    from .page import TrainingPage
    page = TrainingPage(window)
    window.add_page(page, title)
    window.training_page = page
    return page
