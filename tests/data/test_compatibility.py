"""data.compatibility: dataset-vs-graph problems and their one-click fixes."""

from visualnet import data
from visualnet.data.compatibility import check_model_for_data, recommended_loss
from visualnet.graph import validate
from visualnet.graph.templates import load_template


def fitted(name, steps=(), **params):
    return data.prepare(data.Recipe.builtin(name, params=params, steps=list(steps))).recipe


def codes(problems):
    return sorted(p.code for p in problems)


def apply(graph, problem):
    graph.set_params(problem.node_id, **problem.detail["params"])


def test_the_mnist_templates_fit_mnist():
    recipe = fitted("mnist", [data.Rescale(1 / 255).get_config()])
    for name in ("mnist_mlp", "mnist_cnn"):
        assert check_model_for_data(load_template(name), recipe, "sparse_categorical_crossentropy") == []


def test_iris_on_the_mnist_mlp_fixes_input_and_classes():
    recipe = fitted("iris")
    g = load_template("mnist_mlp")
    problems = check_model_for_data(g, recipe, "sparse_categorical_crossentropy")
    assert codes(problems) == ["data_classes", "data_input_shape"]
    for p in problems:
        assert p.fix == "set_params" and p.detail["fix_label"]
        apply(g, p)
    assert check_model_for_data(g, recipe, "sparse_categorical_crossentropy") == []
    assert not [p for p in validate(g) if p.severity == "error"]


def test_softmax_on_a_binary_output_and_the_loss():
    recipe = fitted("moons", n_samples=100)
    g = load_template("tabular_binary")
    inp = g.input_nodes()[0]
    g.set_params(inp.id, shape=(2,))
    out = g.output_nodes()[0]
    g.set_params(out.id, activation="softmax", units=1)
    problems = check_model_for_data(g, recipe, "sparse_categorical_crossentropy")
    assert codes(problems) == ["data_loss", "data_softmax_one_unit"]
    loss = next(p for p in problems if p.code == "data_loss")
    assert loss.fix == "set_loss" and loss.detail["loss"] == "binary_crossentropy"
    apply(g, next(p for p in problems if p.fix == "set_params"))
    assert check_model_for_data(g, recipe, "binary_crossentropy") == []


def test_regression_and_one_hot_losses():
    reg = fitted("regression_curve", n_samples=50)
    g = load_template("tabular_binary")
    g.set_params(g.input_nodes()[0].id, shape=(1,))
    problems = check_model_for_data(g, reg, "binary_crossentropy")
    assert "data_loss" in codes(problems) and "data_output_activation" in codes(problems)
    one_hot = fitted("iris", [data.OneHot().get_config()])
    assert recommended_loss(one_hot, 3) == "categorical_crossentropy"
