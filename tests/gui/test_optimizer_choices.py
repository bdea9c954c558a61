"""The Train page offers every optimizer of `OPTIMIZERS` by its Keras class name, with the
fields of that optimizer's own arguments, and its settings build that optimizer."""

import pytest

from visualnet.engine import optimizers


@pytest.fixture
def panel(qtbot):
    from visualnet.gui.training.settings_panel import SettingsPanel

    panel = SettingsPanel()
    qtbot.addWidget(panel)
    return panel


def test_every_optimizer_is_offered_by_its_keras_name(panel):
    offered = {panel.optimizer.itemData(i): panel.optimizer.itemText(i) for i in range(panel.optimizer.count())}
    assert offered == {name: cls.__name__ for name, cls in optimizers.OPTIMIZERS.items()}
    assert {"AdamW", "Nadam", "Adamax", "Adadelta", "Ftrl", "Lion", "RMSprop", "SGD"} <= set(offered.values())


@pytest.mark.parametrize("name, fields", [
    ("adamw", {"learning_rate", "weight_decay", "beta_1", "beta_2", "epsilon", "amsgrad"}),
    ("nadam", {"learning_rate", "beta_1", "beta_2", "epsilon"}),
    ("adadelta", {"learning_rate", "rho", "epsilon"}),
    ("ftrl", {"learning_rate", "learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
              "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta"}),
    ("lion", {"learning_rate", "beta_1", "beta_2"}),
])
def test_fields_are_the_optimizers_arguments_and_build_it(panel, name, fields):
    panel.optimizer.setCurrentIndex(panel.optimizer.findData(name))
    assert set(panel.optimizer_editors) == fields
    panel.optimizer_editors["learning_rate"].set_value(0.02)
    panel.clipping.setCurrentIndex(panel.clipping.findData("global_clipnorm"))
    panel.clip_value.set_value(3.0)
    config = panel.config()
    built = optimizers.get({"class_name": config.optimizer, "config": config.optimizer_params})
    assert type(built) is optimizers.OPTIMIZERS[name]
    assert built.learning_rate == 0.02 and built.global_clipnorm == 3.0
