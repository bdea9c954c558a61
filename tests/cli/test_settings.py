"""The settings the Train page saves give `visualnet train` the config the page trains with."""

import pytest

from visualnet import data
from visualnet.cli.settings import training_config


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_saved_page_settings_give_the_pages_config(qtbot, optimizer):
    from visualnet.gui.training.settings_panel import SettingsPanel

    panel = SettingsPanel()
    qtbot.addWidget(panel)
    panel.optimizer.setCurrentIndex(panel.optimizer.findData(optimizer))
    panel.optimizer_editors["learning_rate"].set_value(0.05)
    panel.clipping.setCurrentIndex(panel.clipping.findData("clipnorm"))
    panel.clip_value.set_value(2.0)
    panel.batch_size.setValue(24)
    panel.epochs.setValue(4)
    panel.seed.setValue(11)
    panel.early.setChecked(True)
    panel.monitor.setCurrentText("loss")
    panel.schedule.setCurrentIndex(panel.schedule.findData("plateau"))
    prepared = data.prepare(data.Recipe.builtin("iris"))
    config = training_config(panel.state(), prepared, "p.vnet")
    assert config == panel.config(has_validation=False)
    assert config.optimizer == optimizer and config.optimizer_params["clipnorm"] == 2.0 and config.seed == 11
