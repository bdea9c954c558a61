"""The Train page's Data tab: what the chosen data and the model's first layers look like
before training. It shows, as they apply:

- the augmentation preview (augmentation_preview.py) when the model starts with augmentation
  layers (RandomFlip, RandomRotation, ...) and the data are images;
- the text preview (text_preview.py) for texts: vocabulary size, tokens, length histogram;
- the series view (series_split_view.py) for a time series: the split in time, and after an
  evaluation the forecast over the test part.

`DataViewsLink` keeps the tab up to date: the data (`prepared_changed`), the model (the
document's `analysed`, when the augmentation layers change) and the evaluation (the
workspace's `run_tested`). The overviews and the augmentation are computed by `data` and
`engine` functions off the GUI thread (`EngineCalls`)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from visualnet.data.series_overview import series_overview
from visualnet.data.text_overview import text_overview
from visualnet.engine.augmentation_preview import augment_examples, augmentation_chain
from visualnet.graph import from_dict, to_dict

from .augmentation_preview import AugmentationPreview
from .series_split_view import SeriesSplitView
from .text_preview import TextPreview

SAMPLES = 6          # training images in the augmentation preview


class DataViews(QScrollArea):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("data_views")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.empty = QLabel("Nothing to preview yet: choose image data with a model that starts with augmentation "
                            "layers (RandomFlip, RandomRotation, …), texts, or a time series.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.augmentation = AugmentationPreview()
        self.text = TextPreview()
        self.series = SeriesSplitView()
        for w in (self.empty, self.augmentation, self.text, self.series):
            layout.addWidget(w)
        layout.addStretch(1)
        self.setWidget(inner)
        self.update_empty()

    def update_empty(self) -> None:
        shown = [w for w in (self.augmentation, self.text, self.series) if not w.isHidden()]
        self.empty.setVisible(not shown)


class DataViewsLink(QObject):
    """Adds the Data tab to `page` and feeds it (see the module docstring)."""

    def __init__(self, page, calls):
        super().__init__(page)
        self.page, self.calls = page, calls
        self.view = DataViews()
        for w in (self.view.augmentation, self.view.text, self.view.series):
            w.hide()
        self.view.update_empty()
        page.tabs.addTab(self.view, "Data")
        self.seed = 0
        self._chain_key = None
        self._series = None
        self.view.augmentation.again_requested.connect(self.again)
        page.data_panel.prepared_changed.connect(self._data_changed)
        page.document.analysed.connect(self._model_changed)
        page.workspace.on("run_tested", lambda *_: self._evaluated())

    # ----------------------------------------------------------------- data
    def _data_changed(self, prepared) -> None:
        self._series = None
        self.view.text.hide()
        self.view.series.hide()
        kind = prepared.dataset.kind
        if kind == "text":
            self.calls.submit("text_overview", lambda: text_overview(prepared),
                              lambda o: self._show_text(o, prepared), self._failed)
        elif kind == "timeseries":
            base = self._base_dir()
            self.calls.submit("series_overview", lambda: series_overview(prepared, base),
                              lambda o: self._show_series(o, prepared), self._failed)
        self._chain_key = None
        self._model_changed()

    def _base_dir(self):
        document = getattr(self.page, "_document", None)
        path = getattr(document, "path", None)
        return Path(path).parent if path else None

    def _show_text(self, overview, prepared) -> None:
        if prepared is not self.page.prepared or overview is None:
            return
        self.view.text.show_overview(overview)
        self.view.text.show()
        self.view.update_empty()

    def _show_series(self, overview, prepared) -> None:
        if prepared is not self.page.prepared or overview is None:
            return
        self._series = overview
        self.view.series.show_overview(overview)
        self.view.series.show()
        self.view.update_empty()

    def _evaluated(self) -> None:
        report = self.page.evaluation.report
        if self._series is None or report is None or report.kind != "timeseries":
            return
        try:
            x, values = self._series.forecast(report.result.y_pred)
        except ValueError as exc:         # predictions for other data (the data changed meanwhile)
            self.page.log_line(f"The forecast is not drawn: {exc}")
            return
        self.view.series.show_forecast(x, values)

    # ----------------------------------------------------------------- augmentation
    def _model_changed(self, *_) -> None:
        chain = augmentation_chain(self.page.document.graph)
        key = json.dumps([(n.type, n.params) for n in chain], sort_keys=True, default=str)
        if key == self._chain_key:
            return
        self._chain_key = key
        self.refresh_augmentation()

    def again(self) -> None:
        self.seed += 1
        self.refresh_augmentation()

    def refresh_augmentation(self) -> bool:
        """Ask the engine for the preview of the model's augmentation on the first training
        images; hides the preview when the model has none or the data are not images."""
        prepared = self.page.prepared
        preview = self.view.augmentation
        chain = augmentation_chain(self.page.document.graph)
        if not chain or prepared is None or prepared.dataset.kind != "image" or prepared.train.x.ndim != 4:
            preview.hide()
            self.view.update_empty()
            return False
        graph = from_dict(to_dict(self.page.document.graph))       # the thread works on its own copy
        x, seed = prepared.train.x[:SAMPLES], self.seed
        preview.again_button.setEnabled(False)
        self.calls.submit("augment", lambda: augment_examples(graph, x, seed), self._show_augmented,
                          self._augment_failed)
        preview.show()
        self.view.update_empty()
        return True

    def _show_augmented(self, examples) -> None:
        self.view.augmentation.show_examples(examples)

    def _augment_failed(self, message: str) -> None:
        self.view.augmentation.show_message(f"The augmentation cannot be previewed: {message}")
        self.view.augmentation.again_button.setEnabled(True)

    def _failed(self, message: str) -> None:
        self.page.log_line(f"Data preview: {message}")
