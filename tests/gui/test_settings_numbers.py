"""A learning rate read from a Keras file (a float32) shows as the number a person typed
(issue 26: 0.001 showed as 0.0010000000474974513)."""

from __future__ import annotations

import numpy as np

from visualnet.gui.training.settings_panel import SettingsPanel


def test_float32_settings_from_a_keras_file_show_as_typed(qtbot):
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    notes = panel.set_state({"optimizer": {"class_name": "Adam", "config": {
        "learning_rate": float(np.float32(0.001)), "beta_1": float(np.float32(0.9)), "epsilon": 1e-07}},
        "loss": "mean_squared_error"})
    assert not notes
    editors = panel.optimizer_editors
    assert [editors[k].text() for k in ("learning_rate", "beta_1", "epsilon")] == ["0.001", "0.9", "1e-07"]
    assert panel.config().optimizer_params["learning_rate"] == 0.001
