"""Issue 26: importing data as people have it: a folder of images (reached from the Import
button's menu) with an unreadable image, skipped and named; a CSV whose label is not its
last column, chosen in the import dialog."""

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from visualnet import data
from visualnet.gui.training.table_csv_dialog import TableCsvDialog


def image_folder(root, broken: str | None = None):
    rng = np.random.default_rng(0)
    for name in ("circle", "square"):
        (root / name).mkdir(parents=True)
        for i in range(5):
            Image.fromarray(rng.integers(0, 255, (12, 12), dtype=np.uint8)).save(root / name / f"{i}.png")
    if broken:
        (root / broken).write_bytes(b"\x89PNG\r\n\x1a\n half a download")
    return root


def test_the_import_menu_reaches_folders(page):
    panel = page.data_panel
    texts = [a.text() for a in panel.import_button.menu().actions()]
    assert any("Folder of images" in t for t in texts), texts
    assert "folder of images" in panel.import_button.toolTip()


def test_an_unreadable_image_is_skipped_and_named_to_the_person(qtbot, page, tmp_path):
    root = image_folder(tmp_path / "shapes", broken="square/3b.png")
    messages = []
    page.data_panel.failed.connect(messages.append)
    assert page.data_panel.import_file(root)
    assert len(page.prepared.dataset) == 10 and page.prepared.dataset.class_names == ["circle", "square"]
    assert len(messages) == 1 and messages[0].startswith("Skipped 1 unreadable image of shapes: square/3b.png (")
    assert "square/3b.png" in page.log.toPlainText()
    assert "unreadable skipped" in page.data_panel.description.toolTip()
    assert "square/3b.png" in page.data_panel.description.text()
    # a class with no readable image: the import is refused, the data shown before kept
    for f in (root / "circle").iterdir():
        f.write_bytes(b"not a png")
    before = page.prepared
    assert not page.data_panel.import_file(root)
    assert "no image of class 'circle' can be read" in messages[-1] and page.prepared is before


def test_the_label_column_is_chosen_when_a_csv_is_imported(qtbot, page, tmp_path):
    path = tmp_path / "plants.csv"
    rows = ["species,height,width,colour"]
    rng = np.random.default_rng(1)
    for i in range(60):
        species = ("fern", "moss")[i % 2]
        rows.append(f"{species},{rng.normal(3 + 2 * (i % 2)):.3f},{rng.normal(1):.3f},{('green', 'brown')[i % 3 == 0]}")
    path.write_text("\n".join(rows) + "\n")
    dialog = page.data_panel.ask_label_column(path)
    combo = dialog.label_column
    assert [combo.itemData(i) for i in range(combo.count())] == ["species", "height", "width", "colour"]
    assert combo.currentData() == "colour"          # the last column, as before, until the person chooses
    combo.setCurrentIndex(0)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    ds = page.prepared.dataset
    assert ds.class_names == ["fern", "moss"] and ds.feature_names == ["height", "width", "colour=brown",
                                                                       "colour=green"]
    assert page.prepared.recipe.source["options"] == {"target": "species"}
    # the Evaluation tab's form asks for the raw columns, the colour as a choice of its values
    view = page.evaluation
    assert [type(e).__name__ for e in view.form_edits] == ["QLineEdit", "QLineEdit", "QComboBox"]
    assert [view.form_edits[2].itemText(i) for i in range(2)] == ["brown", "green"]
    assert data.transform_for_prediction(page.prepared.recipe, [view.form_values()]).shape == (1, 4)
    # and chosen again later, from the Dataset box
    panel = page.data_panel
    assert panel.label_button.isVisibleTo(panel)
    qtbot.mouseClick(panel.label_button, Qt.MouseButton.LeftButton)
    again = panel.findChildren(TableCsvDialog)[-1]
    assert again.label_column.currentData() == "species"
    again.label_column.setCurrentIndex(3)
    again.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert page.prepared.recipe.source["options"] == {"target": "colour"}
    assert page.prepared.dataset.class_names == ["brown", "green"]
    page.select_dataset("iris")
    assert not panel.label_button.isVisibleTo(panel)
    # a file that is not a table: said, no dialog
    bad = tmp_path / "one.csv"
    bad.write_text("just\none\ncolumn\n")
    messages = []
    page.data_panel.failed.connect(messages.append)
    assert page.data_panel.ask_label_column(bad) is None and "needs at least two columns" in messages[0]
