"""`visualnet info` names the loss: a name as given, a loss object's config as its class and the
arguments that differ from Keras's defaults."""

from visualnet.cli.info import _training_line


def test_info_names_the_loss_and_its_changed_arguments():
    line = _training_line({"optimizer": "adam", "loss": {"class_name": "Huber", "config": {
        "name": "huber_loss", "reduction": "sum", "delta": 0.5}}, "metrics": ["auc"]})
    assert line == "Training settings: optimizer adam, loss Huber(reduction='sum', delta=0.5), metrics ['auc']"
    line = _training_line({"optimizer": "adam", "loss": {"class_name": "CategoricalFocalCrossentropy", "config": {
        "gamma": 2.0, "alpha": 0.5, "label_smoothing": 0.0}}})
    assert line == "Training settings: optimizer adam, loss CategoricalFocalCrossentropy(alpha=0.5)"
    assert _training_line({"optimizer": "adam", "loss": "kld"}) == "Training settings: optimizer adam, loss kld"
    assert _training_line({"loss": {"class_name": "MyLoss", "config": {}}}).endswith("loss MyLoss")
