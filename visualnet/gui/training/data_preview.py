"""The Data tab's preview of a dataset: a strip of images, the first rows of a table or
texts, a series' windows, and the class counts or target range (what `data.preview` gives).
A mixin of `DataPanel` (data_panel.py), which owns the widgets it fills."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHeaderView, QTableWidgetItem

from visualnet import data


def pixmap_from_array(img, scale: int = 1) -> QPixmap:
    """A uint8 (h, w) or (h, w, 3) array as a pixmap (nearest-neighbour scaled)."""
    import numpy as np
    img = np.ascontiguousarray(img)
    h, w = img.shape[:2]
    if img.ndim == 2:
        qimg = QImage(img.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        qimg = QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    qimg = qimg.copy()
    if scale != 1:
        qimg = qimg.scaled(w * scale, h * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                           Qt.TransformationMode.FastTransformation)
    return QPixmap.fromImage(qimg)


class DataPreview:
    """`_show_preview(dataset)` for the DataPanel's description, thumbnails, table, series and counts."""

    def _show_preview(self, ds) -> None:
        pv = data.preview(ds, n_samples=8)
        p = self.prepared
        self.description.setText(
            f"<b>{pv.description}</b><br>split: {len(p.train)} train · {len(p.validation)} validation · "
            f"{len(p.test)} test; prepared input shape {tuple(p.recipe.fitted['output_shape'])}")
        self.description.setToolTip(pv.source)
        self.series.setVisible(pv.kind == "timeseries")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        if pv.kind == "timeseries":
            self.series.show_windows(pv.samples, self._horizon())
        if pv.kind == "image":
            self.table.hide()
            self.thumbs.show()
            self.thumbs.setPixmap(self._strip([s.image for s in pv.samples]))
            self.thumbs.setToolTip("  ".join(str(s.label) for s in pv.samples))
        elif pv.kind == "text":
            self.thumbs.hide()
            self.table.show()
            self.table.setColumnCount(2)
            self.table.setHorizontalHeaderLabels(["text", "target"])
            self.table.setRowCount(len(pv.samples))
            for r, s in enumerate(pv.samples):
                words = " ".join((s.text or "").split())      # one line: the table elides the rest
                self.table.setItem(r, 0, QTableWidgetItem(words))
                self.table.item(r, 0).setToolTip(s.text or "")
                self.table.setItem(r, 1, QTableWidgetItem(str(s.label)))
            header = self.table.horizontalHeader()
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        else:
            self.thumbs.hide()
            self.table.show()
            cut = slice(-12, None) if pv.kind == "timeseries" else slice(0, 12)    # a window's latest steps
            names = pv.feature_names[cut]
            self.table.setColumnCount(len(names) + 1)
            self.table.setHorizontalHeaderLabels(names + ["target"])
            self.table.setRowCount(len(pv.samples))
            for r, s in enumerate(pv.samples):
                for c, v in enumerate(s.row[cut]):
                    self.table.setItem(r, c, QTableWidgetItem(f"{v:.4g}"))
                self.table.setItem(r, len(names), QTableWidgetItem(str(s.label)))
            self.table.resizeColumnsToContents()
        if pv.class_counts:
            self.counts.setText("classes: " + ", ".join(f"{n} ({c})" for n, c in pv.class_counts[:12]))
        elif pv.target_stats:
            t = pv.target_stats
            self.counts.setText(f"target: {t.minimum:.3g} … {t.maximum:.3g}, mean {t.mean:.3g}")
        else:
            self.counts.setText("")

    def _horizon(self) -> int:
        """How far after its window a built-in series' target lies (1 for imported data)."""
        info = self.params.info
        return int({**info.defaults(), **self.params.params()}.get("horizon", 1)) if info else 1

    @staticmethod
    def _strip(images) -> QPixmap:
        import numpy as np
        if not images:
            return QPixmap()
        h = max(i.shape[0] for i in images)
        tiles = []
        for img in images:
            if img.ndim == 3:
                img = img.mean(axis=2).astype(np.uint8)
            pad = np.full((h, img.shape[1] + 4), 255, np.uint8)
            pad[:img.shape[0], 2:2 + img.shape[1]] = img
            tiles.append(pad)
        return pixmap_from_array(np.concatenate(tiles, axis=1), scale=2 if h <= 32 else 1)
