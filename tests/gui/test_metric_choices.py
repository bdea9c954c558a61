"""The Train page's loss list holds every loss of the engine, grouped; the metric check boxes
show the groups that fit the chosen loss, keep checked ones in view, and reach the settings."""

from __future__ import annotations

from visualnet.engine import metrics
from visualnet.engine.losses import LOSS_GROUPS, LOSSES
from visualnet.gui.training.metric_choices import METRICS
from visualnet.gui.training.settings_panel import SettingsPanel


def test_every_loss_and_metric_is_offered_once(qtbot):
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    items = [panel.loss.itemText(i) for i in range(panel.loss.count()) if panel.loss.itemText(i)]
    assert sorted(items) == sorted(LOSSES) and len(items) == len(set(items))
    assert sorted(n for names in LOSS_GROUPS.values() for n in names) == sorted(LOSSES)
    assert panel.loss.currentText() == "sparse_categorical_crossentropy"
    assert list(panel.metric_checks) == list(METRICS) and len(METRICS) == len(set(METRICS))
    for name in METRICS:   # each offered metric is a string the engine (and Keras) takes
        metrics.get(name, y_true_shape=(4, 1), y_pred_shape=(4, 1))


def test_metric_groups_follow_the_loss_and_reach_the_config(qtbot):
    panel = SettingsPanel()
    qtbot.addWidget(panel)
    shown = panel.metric_choices.visible_names
    assert "auc" in shown() and "r2_score" not in shown()
    panel.set_loss("huber")
    assert "r2_score" in shown() and "root_mean_squared_error" in shown()
    assert "auc" not in shown() and "accuracy" in shown()   # checked: stays in view
    panel.metric_checks["root_mean_squared_error"].setChecked(True)
    panel.metric_checks["accuracy"].setChecked(False)
    assert "accuracy" not in shown()
    panel.set_loss("hinge")
    assert {"hinge", "auc", "root_mean_squared_error"} <= set(shown()) and "r2_score" not in shown()
    assert panel.config().metrics == ["root_mean_squared_error"]
    notes = panel.set_state({"loss": "categorical_focal_crossentropy",
                             "metrics": ["auc", "top_k_categorical_accuracy"]})
    assert not notes and panel.loss.currentText() == "categorical_focal_crossentropy"
    assert panel.state()["metrics"] == ["auc", "top_k_categorical_accuracy"]
