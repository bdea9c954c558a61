"""The data panel's per-batch padding check box for a sequence set: shown only for sequence
files, it sets the source's `pad_per_batch` option (kept in the recipe) and gives training
the lengths of the training samples."""

from visualnet import data
from visualnet.gui.training.data_panel import DataPanel
from visualnet.resources import resource_path


def sequence_recipe(**options):
    return data.Recipe({"type": "sequence_files",
                        "path": str(resource_path("datasets", "sequences", "IndoorMovement.zip")),
                        "options": {"targets": "dataset/MovementAAL_target.csv",
                                    "pattern": "dataset/MovementAAL_RSS_*.csv", **options}},
                       split={"test": 0.2, "seed": 0})


def test_sequence_set_check_box_sets_the_option(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.set_recipe(sequence_recipe())
    assert panel.pad_per_batch.isVisible() and not panel.pad_per_batch.isChecked()
    assert panel.batch_padding() is None                          # as before: padded to the longest
    panel.pad_per_batch.setChecked(True)
    assert panel.recipe().source["options"]["pad_per_batch"] is True
    x, _ = panel.training_arrays()
    padding = panel.batch_padding()
    assert len(padding) == len(x) and padding.lengths.max() <= x.shape[1] and padding.lengths.min() >= 19
    panel.subset.setValue(50)
    assert len(panel.batch_padding()) == len(panel.training_arrays()[0]) == 50
    assert panel.set_recipe(sequence_recipe(pad_per_batch=True)) and panel.pad_per_batch.isChecked()
    panel.select_builtin("iris")
    assert not panel.pad_per_batch.isVisible() and panel.batch_padding() is None
