"""The data side of the training page: pick a built-in dataset (and its parameters) or
import a file (CSV, NumPy, IDX, HDF5, a folder of images or texts, a CSV of texts), see a
preview, choose the preprocessing recipe (for texts, the vectorize-text step) and the split,
and, for a model with several Inputs or Outputs, which table columns feed each of them
(column_mapping.py). Everything is computed by `visualnet.data`; this panel shows it and
emits `prepared_changed(PreparedData)`; the preview is drawn by data_preview.py."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QMenu,
                               QMessageBox, QPushButton, QSizePolicy, QSpinBox, QTableWidget, QVBoxLayout, QWidget)

from visualnet import VisualNetWarning, data
from visualnet.data.sequence_sets import training_padding

from .builtin_params import BuiltinParamsForm
from .column_mapping import ColumnMappingTable, MappingSide
from .data_preview import DataPreview, pixmap_from_array  # noqa: F401  (pixmap_from_array: imported from here)
from .series_preview import SeriesPreview
from .table_csv_dialog import TableCsvDialog
from .target_choice import TargetChoice
from .text_csv_dialog import TextCsvDialog
from .text_step_editor import VectorizeTextEditor

TEXT_SOURCES = ("text_folder", "text_csv")


class DataPanel(MappingSide, DataPreview, QWidget):
    prepared_changed = Signal(object)     # data.PreparedData
    failed = Signal(str)
    note = Signal(str)                    # a line for the log

    def __init__(self, parent=None):
        super().__init__(parent)
        self.prepared: data.PreparedData | None = None
        self._imported: dict | None = None
        self._custom_steps: list | None = None   # a project's preprocessing the check boxes cannot show
        self._stratify = False
        self.hold = False                     # a project's data could not be loaded: no default data either
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        box = QGroupBox("Dataset")
        form = QVBoxLayout(box)
        row = QHBoxLayout()
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)           # long dataset titles never widen the panel
        for name in data.builtin_names():
            self.combo.addItem(data.builtin_info(name).title, name)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("A CSV, NumPy (.npy/.npz), HDF5, IDX file, a folder of images or texts "
                                      "(one subfolder per class) or a CSV with a text column")
        menu = QMenu(self.import_button)
        menu.addAction("File (CSV, NumPy, HDF5, IDX)…", self._import_dialog)
        menu.addAction("Folder of images or texts…", self._import_folder_dialog)
        menu.addAction("CSV with a text column…", self._import_text_csv_dialog)
        self.import_button.setMenu(menu)
        self.label_button = QPushButton("Label column…")     # an imported CSV table: choose it again
        self.label_button.setToolTip("Choose which column of the table the model learns to predict")
        self.label_button.clicked.connect(lambda: self.ask_label_column(self._source["path"],
                                                                        self._source["options"].get("target")))
        self.label_button.hide()
        row.addWidget(self.combo, 1)
        row.addWidget(self.label_button)
        row.addWidget(self.import_button)
        form.addLayout(row)
        self.params = BuiltinParamsForm()
        form.addWidget(self.params)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("data_description")
        self.description.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        form.addWidget(self.description)
        self.thumbs = QLabel()
        self.thumbs.setObjectName("data_thumbnails")
        self.thumbs.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        form.addWidget(self.thumbs)
        self.table = QTableWidget()
        self.table.setMaximumHeight(150)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        form.addWidget(self.table)
        self.series = SeriesPreview()
        self.series.hide()
        form.addWidget(self.series)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        form.addWidget(self.counts)
        layout.addWidget(box)

        self.mapping = ColumnMappingTable()      # shown for a model with several Inputs or Outputs
        self.mapping.hide()
        self._model_nodes: tuple = ([], [])      # the model's Input names and output layer names
        layout.addWidget(self.mapping)

        self.vectorize = VectorizeTextEditor()
        self.vectorize.hide()
        layout.addWidget(self.vectorize)

        prep = QGroupBox("Preprocessing and split")
        pf = QFormLayout(prep)
        self.rescale = QCheckBox("Scale pixels to [0, 1] (÷ 255)")
        self.standardize = QCheckBox("Standardize features (fitted on the training split)")
        self._kind = "table"
        self.one_hot = QCheckBox("One-hot encode the labels")
        pf.addRow(self.rescale)
        pf.addRow(self.standardize)
        pf.addRow(self.one_hot)
        self.target = TargetChoice()   # the labels, or the input itself (an autoencoder)
        pf.addRow("Target", self.target)
        self.pad_per_batch = QCheckBox("Pad each batch to its longest sequence")
        self.pad_per_batch.setToolTip("Training cuts each batch to its longest sequence and draws shuffled batches "
                                      "in length buckets (with Masking the results are the same, faster)")
        self.pad_per_batch.hide()
        self.pad_per_batch.toggled.connect(self._pad_per_batch_toggled)
        pf.addRow(self.pad_per_batch)
        self.validation = QSpinBox(minimum=0, maximum=80, suffix=" %")
        self.test = QSpinBox(minimum=0, maximum=80, suffix=" %")
        self.split_seed = QSpinBox(minimum=0, maximum=2 ** 31 - 1)
        self.subset = QSpinBox(minimum=0, maximum=10 ** 7, singleStep=1000)
        self.subset.setSpecialValueText("all")
        self.subset.setToolTip("Train on the first N training samples only (quick experiments)")
        pf.addRow("Validation", self.validation)
        pf.addRow("Test", self.test)
        pf.addRow("Split seed", self.split_seed)
        pf.addRow("Training samples", self.subset)
        layout.addWidget(prep)

        self.combo.currentIndexChanged.connect(self._builtin_chosen)
        self.mapping.changed.connect(self.reload)
        self.params.changed.connect(self.reload)
        self.vectorize.changed.connect(self.reload)
        self.target.changed.connect(self.reload)
        for w in (self.rescale, self.standardize, self.one_hot):
            w.toggled.connect(self.reload)
        for w in (self.validation, self.test, self.split_seed):
            w.editingFinished.connect(self.reload)

    @property
    def _source(self) -> dict | None:
        """An imported file's source (None: the built-in chosen)."""
        return self._imported

    @_source.setter
    def _source(self, source: dict | None) -> None:
        self._imported = source
        if hasattr(self, "label_button"):
            self.label_button.setVisible(source is not None and source.get("type") == "csv")
        if hasattr(self, "pad_per_batch"):   # a sequence set's option (engine/batch_padding.py)
            sequences = source is not None and source.get("type") == "sequence_files"
            self.pad_per_batch.blockSignals(True)
            self.pad_per_batch.setChecked(sequences and bool((source.get("options") or {}).get("pad_per_batch")))
            self.pad_per_batch.blockSignals(False)
            self.pad_per_batch.setVisible(sequences)

    def showEvent(self, event):
        super().showEvent(event)
        if self.prepared is None and self._source is None and not self.hold:
            QTimer.singleShot(0, lambda: self.prepared is None and not self.hold and self._builtin_chosen())

    # ----------------------------------------------------------------- choosing
    def select_builtin(self, name: str) -> None:
        index = self.combo.findData(name)
        if index < 0:
            raise KeyError(name)
        if index == self.combo.currentIndex() and self._source is None and self.prepared is not None:
            return
        self._source = None
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        self._builtin_chosen()

    def _builtin_chosen(self) -> None:
        self._source = None
        self.mapping.set_columns([])             # another table: its columns are mapped afresh
        self.mapping.hide()
        self._set_custom_steps(None)
        info = data.builtin_info(self.combo.currentData())
        self.params.set_dataset(info)
        self._set_defaults(info.kind, info.split)
        self._show_vectorize(info.kind == "text" and info.input_shape == (1,))   # raw texts, not word ids
        self.reload()

    def _set_defaults(self, kind: str, split) -> None:
        for w in (self.rescale, self.standardize, self.one_hot, self.validation, self.test, self.split_seed):
            w.blockSignals(True)
        self._kind = kind
        self.rescale.setChecked(kind == "image")
        self.rescale.setVisible(kind == "image")
        self.standardize.setChecked(kind in ("table", "timeseries"))
        self.standardize.setVisible(kind in ("table", "timeseries"))
        self.standardize.setText("Standardize the values (one mean, one std)" if kind == "timeseries"
                                 else "Standardize features (fitted on the training split)")
        self.standardize.setToolTip("The mean and standard deviation are those of the training split"
                                    + (", over all steps of all windows" if kind == "timeseries" else ""))
        self.one_hot.setChecked(False)
        self.validation.setValue(round(split.validation * 100))
        self.test.setValue(round(split.test * 100))
        self.split_seed.setValue(split.seed)
        self._shuffle = split.shuffle
        self._stratify = False
        for w in (self.rescale, self.standardize, self.one_hot, self.validation, self.test, self.split_seed):
            w.blockSignals(False)

    def import_file(self, path, kind: str | None = None, options: dict | None = None) -> bool:
        """Use a file or folder as the dataset (kind guessed from the file when None)."""
        import html
        import warnings

        try:
            recipe = data.Recipe.from_file(kind, str(path), options or {})
            with warnings.catch_warnings(record=True) as caught:   # e.g. images skipped as unreadable
                warnings.simplefilter("always", VisualNetWarning)
                ds = data.load_source(recipe.source)
        except (data.DataError, OSError, ValueError, KeyError) as exc:
            self.failed.emit(f"Cannot import {Path(path).name}: {exc}")
            return False
        self._source = recipe.source
        self.mapping.set_columns([])
        self.mapping.hide()
        self._set_custom_steps(None)
        self.params.set_dataset(None)
        self._set_defaults(ds.kind, data.SplitSpec())
        self._show_vectorize(recipe.source["type"] in TEXT_SOURCES)
        self.combo.blockSignals(True)
        self.combo.insertItem(0, f"{Path(path).name} (imported)", "__imported__")
        self.combo.setCurrentIndex(0)
        self.combo.blockSignals(False)
        self.reload(dataset=ds)
        for w in caught:
            if issubclass(w.category, VisualNetWarning):
                self.failed.emit(str(w.message))       # the status bar and the log name the files
                self.description.setText(f"{self.description.text()}<br><b>{html.escape(str(w.message))}</b>")
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return True

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import data", "", "Data (*.csv *.tsv *.txt *.npy *.npz *.h5 "
                                              "*.hdf5 *.gz *ubyte *.idx);;All files (*)")
        if path and data.guess_source_type(path) == "csv":
            self.ask_label_column(path)
        elif path:
            self.import_file(path)

    def ask_label_column(self, path, current: str | None = None) -> "TableCsvDialog | None":
        """Open the dialog choosing the label column of the CSV table `path`; OK imports it."""
        try:
            dialog = TableCsvDialog(path, self, current)
        except (data.DataError, OSError, ValueError) as exc:
            self.failed.emit(f"Cannot import {Path(path).name}: {exc}")
            return None
        dialog.accepted.connect(lambda: self.import_file(path, "csv", dialog.options()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _import_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a folder: one subfolder per class, of images or "
                                                ".txt files")
        if path:
            self.import_file(path)

    def _import_text_csv_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a CSV of texts", "", "CSV (*.csv *.tsv *.txt);;"
                                              "All files (*)")
        if path:
            self.ask_text_columns(path)

    def ask_text_columns(self, path) -> "TextCsvDialog | None":
        """Open the dialog choosing the text and target columns of the CSV `path`; OK imports it."""
        try:
            dialog = TextCsvDialog(path, self)
        except (data.DataError, OSError, ValueError) as exc:
            self.failed.emit(f"Cannot import {Path(path).name}: {exc}")
            return None
        dialog.accepted.connect(lambda: self.import_file(path, "text_csv", dialog.options()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def open_project_recipe(self, recipe: data.Recipe, base_dir=None) -> bool:
        """`set_recipe` for a project opened from `base_dir`: files outside that folder
        (absolute paths elsewhere, `..`) are read only when the person agrees; a file from
        someone else must not read, say, a private key into the data preview and the next save."""
        outside = data.outside_paths(recipe.source, base_dir)
        if outside:
            box = QMessageBox.StandardButton
            listed = "\n".join(f"  {p}" for p in outside[:5]) + ("\n  ..." if len(outside) > 5 else "")
            where = f"outside the project's folder ({base_dir})" if base_dir else "on this computer"
            answer = QMessageBox.question(
                self, "Read data from outside the project?",
                f"This project reads its training data from {where}:\n\n{listed}\n\nRead it? Say No if "
                "you do not know where this project came from; its model, settings and runs open either way.",
                box.Yes | box.No, box.No)
            if answer != box.Yes:
                self.note.emit("The project's data was not read: it is outside the project's folder and reading "
                               "it was declined: " + ", ".join(outside))
                return False
        return self.set_recipe(recipe, base_dir=base_dir)

    def set_recipe(self, recipe: data.Recipe, base_dir=None) -> bool:
        """Show a project's recipe (its dataset, preprocessing and split) and prepare the data
        with it as saved (its fitted statistics applied unchanged; relative paths are read
        from `base_dir`, the project's folder). False, after `failed` says why, when its data
        cannot be loaded; nothing else changes then."""
        import warnings

        source = dict(recipe.source)
        builtin = source.get("type") == "builtin"
        try:
            if builtin:
                index = self.combo.findData(source.get("name"))
                if index < 0:
                    raise data.DataError(f"there is no built-in dataset named {source.get('name')!r}")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", data.DataChangedWarning)
                dataset = data.load_source(source, base_dir=base_dir)
                prepared = data.prepare(recipe, dataset=dataset)
        except Exception as exc:      # noqa: BLE001 - any error a recipe can raise (a newer option, a hand edit)
            where = source.get("name") if builtin else Path(str(source.get("path", "?"))).name
            self.failed.emit(f"Cannot load the project's data ({where}): {_not_understood(exc)}")
            return False
        self.hold = False
        self.combo.blockSignals(True)
        if builtin:
            self.combo.setCurrentIndex(index)
        else:
            imported = self.combo.findData("__imported__")
            label = f"{Path(str(source.get('path', 'data'))).name} (imported)"
            if imported >= 0:
                self.combo.setItemText(imported, label)
            else:
                self.combo.insertItem(0, label, "__imported__")
            self.combo.setCurrentIndex(self.combo.findData("__imported__"))
        self.combo.blockSignals(False)
        self._source = None if builtin else source
        self.params.set_dataset(data.builtin_info(source["name"]) if builtin else None, source.get("params"))
        self._set_defaults(dataset.kind, recipe.split)
        self._stratify = recipe.split.stratify
        self.target.set_value(recipe.target)
        self._show_steps(recipe.steps, dataset.kind)
        self._show_mapping(dataset, recipe.mapping)
        self.prepared = prepared
        self._last_source = self.recipe().source
        self._show_preview(prepared.dataset)
        for w in caught:
            self.failed.emit(f"{prepared.dataset.name}: {w.message}")
        self.prepared_changed.emit(prepared)
        return True

    def _show_steps(self, steps: list, kind: str) -> None:
        """The check boxes for the steps they can show; other preprocessing is kept as it is
        (the check boxes are then disabled)."""
        plain = [{k: v for k, v in c.items() if k != "stats"} for c in steps]
        self._show_vectorize(bool(plain) and plain[0]["step"] == "vectorize_text")
        if self.vectorize.isVisibleTo(self):
            self.vectorize.set_config(plain.pop(0))
        names = [c["step"] for c in plain]
        canonical = [n for n in ("rescale", "standardize", "one_hot") if n in names]
        rescale = next((c for c in plain if c["step"] == "rescale"), None)
        standard = next((c for c in plain if c["step"] == "standardize"), None)
        fits = (names == canonical
                and (rescale is None or (kind == "image" and abs(rescale.get("scale", 0) - 1 / 255) < 1e-12
                                         and not rescale.get("offset")))
                and (standard is None or (kind in ("table", "timeseries")
                                          and standard.get("scope", "feature") == _standardize_scope(kind))))
        boxes = (self.rescale, self.standardize, self.one_hot)
        for w in boxes:
            w.blockSignals(True)
        if fits:
            self.rescale.setChecked(rescale is not None)
            self.standardize.setChecked(standard is not None)
            self.one_hot.setChecked("one_hot" in names)
            self._set_custom_steps(None)
        else:
            self._set_custom_steps([{k: v for k, v in c.items() if not (c["step"] == "one_hot" and k == "num_classes")}
                                    for c in plain])
        for w in boxes:
            w.blockSignals(False)

    def _set_custom_steps(self, steps: list | None) -> None:
        self._custom_steps = steps
        tip = ("The project's own preprocessing is used: " + ", ".join(c["step"] for c in steps)) if steps else ""
        for w in (self.rescale, self.standardize, self.one_hot):
            w.setEnabled(steps is None)
            w.setToolTip(tip)

    def _show_vectorize(self, shown: bool) -> None:
        """The vectorize-text editor for raw texts (its step comes first in the recipe)."""
        if shown and not self.vectorize.isVisibleTo(self):
            self.vectorize.reset()
        self.vectorize.setVisible(shown)

    # ----------------------------------------------------------------- recipe
    def recipe(self) -> data.Recipe:
        steps = [self.vectorize.config()] if self.vectorize.isVisibleTo(self) else []
        if self._custom_steps is not None:
            steps += [dict(c) for c in self._custom_steps]
        if self._custom_steps is None and self.rescale.isChecked() and self.rescale.isVisibleTo(self):
            steps.append(data.Rescale(1 / 255).get_config())
        if self._custom_steps is None and self.standardize.isChecked() and self.standardize.isVisibleTo(self):
            steps.append(data.Standardize(scope=_standardize_scope(self._kind)).get_config())
        if self._custom_steps is None and self.one_hot.isChecked():
            steps.append(data.OneHot().get_config())
        split = data.SplitSpec(validation=self.validation.value() / 100, test=self.test.value() / 100,
                               seed=self.split_seed.value(), shuffle=getattr(self, "_shuffle", True),
                               stratify=self._stratify)
        mapping = self.mapping.mapping() if self._mapping_shown() else None
        if self._source is not None:
            return data.Recipe(dict(self._source), split=split, steps=steps, mapping=mapping,
                               target=self.target.value())
        return data.Recipe.builtin(self.combo.currentData(), params=self.params.params(), split=split, steps=steps,
                                   mapping=mapping, target=self.target.value())

    def reload(self, *_, dataset=None) -> None:
        try:
            if self.validation.value() + self.test.value() >= 95:
                raise data.DataError("validation and test together leave too little for training")
            prepared = data.prepare(self.recipe(), dataset=dataset if dataset is not None else
                                    (self.prepared.dataset if self.prepared is not None and self._same_source()
                                     else None))
        except (data.DataError, OSError, ValueError) as exc:
            self.failed.emit(f"Cannot prepare the data: {exc}")
            return
        self.prepared = prepared
        self._last_source = self.recipe().source
        self._show_preview(prepared.dataset)
        if self._show_mapping(prepared.dataset, prepared.recipe.mapping):
            return self.reload()                 # the mapping appeared or went: prepared again with it
        self.prepared_changed.emit(prepared)

    def _same_source(self) -> bool:
        return getattr(self, "_last_source", None) == self.recipe().source

    def _pad_per_batch_toggled(self, on: bool) -> None:
        if self._source is not None and self._source.get("type") == "sequence_files":
            self._source = {**self._source, "options": {**(self._source.get("options") or {}), "pad_per_batch": on}}
            self.reload()

    def batch_padding(self):
        """The training arrays' per-batch padding (a sequence set with pad_per_batch), else None."""
        return None if self.prepared is None else training_padding(self.prepared, self.subset.value())

    def training_arrays(self):
        """(x, y) of the training split, cut to the chosen number of samples."""
        n = self.subset.value()
        train = self.prepared.train.head(n) if n else self.prepared.train
        return train.x, train.y

def _not_understood(exc: Exception) -> str:
    """What a recipe's error says, as a person reads it: the data errors as they are; a
    TypeError or KeyError (an option or field this version does not know) as such."""
    if isinstance(exc, (data.DataError, OSError)):
        return str(exc)
    if isinstance(exc, (TypeError, KeyError)):
        return f"this version of VisualNet does not understand the recipe ({exc}); it is kept in the project as it is"
    return f"{type(exc).__name__}: {exc}"


def _standardize_scope(kind: str) -> str:
    """Per feature for tables; one mean and std for a series' values (all steps alike)."""
    return "global" if kind == "timeseries" else "feature"
