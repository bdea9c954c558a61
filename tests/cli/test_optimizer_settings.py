"""`visualnet info` shows the optimizer with the arguments that are not Keras's defaults, and
`visualnet train` keeps a saved optimizer's common arguments (weight_decay, use_ema, ...)."""

from visualnet.cli.info import _training_line
from visualnet.cli.settings import _optimizer
from visualnet.engine import optimizers as O, schedules as S


def test_info_names_the_optimizer_and_its_changed_arguments():
    line = _training_line({"optimizer": O.serialize(O.AdamW(learning_rate=0.01, weight_decay=0.01, use_ema=True)),
                           "loss": "mse"})
    assert line == "Training settings: optimizer AdamW(learning_rate=0.01, weight_decay=0.01, use_ema=True), loss mse"
    line = _training_line({"optimizer": O.serialize(O.Lion(S.CosineDecayRestarts(0.01, 10)))})
    assert line == "Training settings: optimizer Lion(learning_rate=CosineDecayRestarts)"
    assert _training_line({"optimizer": "nadam"}) == "Training settings: optimizer nadam"


def test_train_keeps_the_saved_optimizers_common_arguments():
    saved = O.serialize(O.Ftrl(learning_rate=0.05, l1_regularization_strength=0.01, clipnorm=1.0,
                               gradient_accumulation_steps=4, use_ema=True, ema_momentum=0.9))
    name, params = _optimizer({"optimizer": saved})
    assert name == "ftrl"
    assert params["learning_rate"] == 0.05 and params["l1_regularization_strength"] == 0.01
    assert {k: params[k] for k in ("clipnorm", "gradient_accumulation_steps", "use_ema", "ema_momentum")} == \
        {"clipnorm": 1.0, "gradient_accumulation_steps": 4, "use_ema": True, "ema_momentum": 0.9}
    assert "loss_scale_factor" not in params   # defaults are left out
    O.get({"class_name": name, "config": params})   # and they build the optimizer
