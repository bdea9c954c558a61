"""A table's columns mapped to several Inputs and Outputs (issue 23): the recipe's mapping
prepares dicts by node name, fits each input group's steps on the training split alone,
encodes each output's target by its task, round-trips through JSON with unknown keys kept,
leaves recipes without a mapping unchanged, and the data checks name the node at fault."""

import json

import numpy as np
import pytest

from visualnet import data
from visualnet.data import DataError
from visualnet.data.compatibility import check_model_for_data
from visualnet.data.recipe import Recipe, prepare, transform_for_prediction
from visualnet.data.table_mapping import suggest_mapping, table_columns
from visualnet.graph import Graph
from visualnet.graph.templates import load_template

CSV = """age,income,city,owner,spend
34,52000,paris,yes,120.5
51,61000,lyon,no,80.25
23,31000,paris,no,45.0
45,75000,nice,yes,210.0
38,48000,lyon,yes,99.5
29,39000,nice,no,60.75
62,88000,paris,yes,300.0
41,57000,lyon,no,110.0
"""


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(CSV)
    return path


def two_by_two(path, **kwargs):
    mapping = {"inputs": {"numbers": {"columns": ["age", "income"]}, "place": {"columns": ["city"], "steps": []}},
               "outputs": {"owner": {"column": "owner", "task": "classification"},
                           "spend": {"column": "spend", "task": "regression"}}}
    return Recipe.from_file("csv", path, {"target": "spend"}, steps=[data.Standardize().get_config()],
                            split=data.SplitSpec(test=0.25, seed=1), mapping=mapping, **kwargs)


def test_the_mapping_prepares_dicts_by_node_name(table):
    p = prepare(two_by_two(table))
    assert set(p.train.x) == {"numbers", "place"} and set(p.train.y) == {"owner", "spend"}
    assert len(p.train) == 6 and len(p.test) == 2
    rows = np.genfromtxt(table, delimiter=",", skip_header=1, dtype=str)
    train = rows[p.train.indices]
    numbers = train[:, :2].astype(float)
    # the numeric group is standardized with the training rows' statistics alone
    np.testing.assert_allclose(p.train.x["numbers"], (numbers - numbers.mean(0)) / numbers.std(0), rtol=1e-6)
    test_numbers = rows[p.test.indices][:, :2].astype(float)
    np.testing.assert_allclose(p.test.x["numbers"], (test_numbers - numbers.mean(0)) / numbers.std(0), rtol=1e-5)
    # the text column is one-hot (its own steps: none), categories sorted
    cities = ["lyon", "nice", "paris"]
    np.testing.assert_array_equal(p.train.x["place"], np.eye(3)[[cities.index(c) for c in train[:, 2]]])
    assert p.recipe.fitted["mapping"]["inputs"]["place"]["feature_names"] == [f"city={c}" for c in cities]
    # a class output gets class indices, a number output the values
    np.testing.assert_array_equal(p.train.y["owner"], [["no", "yes"].index(v) for v in train[:, 3]])
    np.testing.assert_allclose(p.train.y["spend"], train[:, 4].astype(float))
    assert p.recipe.fitted["mapping"]["outputs"]["owner"] == {"column": "owner", "task": "binary",
                                                              "class_names": ["no", "yes"], "one_hot": False}


def test_one_hot_labels_and_stratified_split_by_the_class_output(table):
    recipe = two_by_two(table)
    recipe = Recipe.from_dict({**recipe.to_dict(), "steps": [data.OneHot().get_config()],
                               "split": {"test": 0.5, "seed": 0, "stratify": True}})
    p = prepare(recipe)
    assert p.train.y["owner"].shape == (4, 2) and p.train.y["owner"].sum() == 4
    assert sorted(p.train.y["owner"].argmax(1)) == [0, 0, 1, 1]      # 4 yes, 4 no: kept in proportion
    assert p.train.y["spend"].ndim == 1


def test_the_mapping_round_trips_with_unknown_keys_and_prepares_the_same(table):
    recipe = two_by_two(table)
    d = recipe.to_dict()
    d["mapping"]["future_option"] = {"a": 1}
    d["mapping"]["outputs"]["spend"]["units_hint"] = "EUR"
    p = prepare(Recipe.from_dict(d))
    again = Recipe.from_json(p.recipe.to_json())
    assert again.is_fitted and again.mapping == p.recipe.mapping
    assert again.mapping["future_option"] == {"a": 1} and again.mapping["outputs"]["spend"]["units_hint"] == "EUR"
    q = prepare(again)
    for k in ("numbers", "place"):
        np.testing.assert_array_equal(q.test.x[k], p.test.x[k])
    assert q.recipe.fitted["mapping"] == p.recipe.fitted["mapping"]
    new = transform_for_prediction(q.recipe, {"numbers": [[40, 50000]], "place": [[0, 0, 1]]})
    np.testing.assert_allclose(new["numbers"], transform_for_prediction(p.recipe, {"numbers": [[40, 50000]],
                                                                                   "place": [[0, 0, 1]]})["numbers"])


def test_recipes_without_a_mapping_load_and_prepare_as_before(table):
    recipe = Recipe.from_file("csv", table, {"target": "spend"}, steps=[data.Standardize().get_config()])
    d = recipe.to_dict()
    assert "mapping" not in d
    p = prepare(Recipe.from_dict(json.loads(json.dumps(d))))
    assert isinstance(p.train.x, np.ndarray) and p.train.x.shape[1] == 2 + 3 + 2    # age, income, city, owner
    assert p.recipe.mapping is None and "mapping" not in p.recipe.to_dict()


@pytest.mark.parametrize("mapping, message", [
    ({"inputs": {"a": {"columns": ["age", "salary"]}}, "outputs": {}}, "Input 'a' maps column 'salary'"),
    ({"inputs": {"a": {"columns": ["age"]}}, "outputs": {"o": {"column": "age"}}},
     "column 'age' is used by the Input 'a' and by the output 'o'"),
    ({"inputs": {"a": {"columns": ["age"]}}, "outputs": {"o": {"column": "city", "task": "regression"}}},
     "output 'o' predicts a number but column 'city' holds text"),
    ({"inputs": {"a": {"columns": []}}, "outputs": {}}, "Input 'a' needs a list of column names"),
    ({"inputs": {}, "outputs": {"o": {"column": "owner", "task": "class"}}}, "task of output 'o' must be one of"),
])
def test_bad_mappings_name_the_node_and_the_value(table, mapping, message):
    with pytest.raises(DataError, match=message):
        prepare(Recipe.from_file("csv", table, {"target": "spend"}, mapping=mapping))


def test_a_mapping_needs_a_table():
    with pytest.raises(DataError, match="a column mapping needs a table"):
        prepare(Recipe.builtin("mnist", mapping={"inputs": {"a": {"columns": ["x"]}}, "outputs": {}}))


def test_table_columns_of_a_builtin_give_back_the_file_s_columns():
    ds = data.load_builtin("abalone")
    cols = table_columns(ds)
    assert list(cols) == ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight",
                          "viscera_weight", "shell_weight", "rings"]
    assert cols["sex"].kind == "categorical" and cols["sex"].categories == ["F", "I", "M"]
    np.testing.assert_array_equal(cols["rings"].values, ds.y)
    np.testing.assert_array_equal(cols["sex"].features()[0], ds.x[:, :3])


def two_headed_recipe(**mapping):
    ds = data.load_builtin("abalone")
    graph = load_template("two_headed_table")
    suggestion = suggest_mapping(["measurements"], [("sex", "softmax"), ("rings", "linear")], ds.columns, ds.task)
    suggestion.update(mapping)
    return graph, prepare(Recipe.builtin("abalone", mapping=suggestion)).recipe


def test_the_obvious_mapping_of_the_template_and_its_checks():
    graph, recipe = two_headed_recipe()
    assert recipe.mapping["outputs"] == {"sex": {"column": "sex", "task": "classification"},
                                         "rings": {"column": "rings", "task": "regression"}}
    assert recipe.mapping["inputs"]["measurements"]["columns"][0] == "length"
    assert check_model_for_data(graph, recipe, {"sex": "sparse_categorical_crossentropy", "rings": "mse"}) == []
    # each output is checked against its own target, the problem on that node
    by_name = {n.name: n for n in graph.nodes.values()}
    graph.set_params(by_name["sex"].id, units=2)
    graph.set_params(by_name["rings"].id, activation="sigmoid")
    found = {(p.code, graph.nodes[p.node_id].name, p.fix) for p in
             check_model_for_data(graph, recipe, {"sex": "binary_crossentropy", "rings": "mse"})}
    assert found == {("data_classes", "sex", "set_params"), ("data_output_activation", "rings", "set_params"),
                     ("data_loss", "sex", "set_loss")}
    graph.set_params(by_name["measurements"].id, shape=(5,))
    (shape,) = [p for p in check_model_for_data(graph, recipe) if p.code == "data_input_shape"]
    assert shape.detail["params"] == {"shape": (7,)} and "measurements" in shape.message


def test_an_unmapped_input_or_output_is_a_problem_on_its_node_with_the_obvious_fix():
    graph, recipe = two_headed_recipe(outputs={"sex": {"column": "sex", "task": "classification"}})
    (problem,) = check_model_for_data(graph, recipe)
    assert problem.code == "data_unmapped_output" and graph.nodes[problem.node_id].name == "rings"
    assert problem.fix == "set_mapping" and problem.detail["mapping"]["outputs"]["rings"] == {
        "column": "rings", "task": "regression"}
    # the fix maps it: no problem left
    fixed = prepare(Recipe.builtin("abalone", mapping=problem.detail["mapping"])).recipe
    assert check_model_for_data(graph, fixed) == []


def test_a_single_target_recipe_against_a_two_output_model_asks_for_a_mapping():
    graph = load_template("two_headed_table")
    recipe = prepare(Recipe.builtin("iris")).recipe
    codes = sorted((p.code, graph.nodes[p.node_id].name) for p in check_model_for_data(graph, recipe))
    assert codes == [("data_unmapped_input", "measurements"), ("data_unmapped_output", "rings"),
                     ("data_unmapped_output", "sex")]


def test_a_graph_with_two_outputs_is_valid_and_warns_on_each_output():
    from visualnet.graph import validate
    graph = load_template("two_headed_table")
    problems = validate(graph)
    assert {p.code for p in problems} == {"several_outputs"} and all(p.severity == "warning" for p in problems)
    g = Graph()
    i = g.add_node("Input", {"shape": (3,)})
    for units in (1, 2):
        g.connect(i.id, g.add_node("Dense", {"units": units}).id)
    assert all(p.severity == "warning" for p in validate(g))


def test_two_inputs_and_two_outputs_train_with_keras_s_names(table):
    """The prepared dicts go to a session as they are: a numbers Input and a one-hot city
    Input, a class output and a number output."""
    from visualnet.engine.model import Model
    from visualnet.engine.run_config import TrainingConfig
    from visualnet.engine.session import TrainingSession

    p = prepare(two_by_two(table))
    g = Graph()
    numbers = g.add_node("Input", {"shape": (2,)}, name="numbers")
    place = g.add_node("Input", {"shape": (3,)}, name="place")
    joined = g.add_node("Concatenate", name="joined")
    g.connect(numbers.id, joined.id)
    g.connect(place.id, joined.id)
    for name, units, activation in (("owner", 1, "sigmoid"), ("spend", 1, "linear")):
        g.connect(joined.id, g.add_node("Dense", {"units": units, "activation": activation}, name=name).id)
    assert check_model_for_data(g, p.recipe, {"owner": "binary_crossentropy", "spend": "mse"}) == []
    config = TrainingConfig(optimizer="adam", loss={"owner": "binary_crossentropy", "spend": "mse"},
                            metrics={"owner": ["accuracy"], "spend": ["mean_absolute_error"]},
                            loss_weights={"owner": 1.0, "spend": 0.001}, batch_size=4, epochs=2, seed=0)
    session = TrainingSession(Model.from_graph(g), p.train.x, p.train.y, config, validation_data=(p.test.x, p.test.y))
    assert session.run() == "finished"
    epoch = session.history.epoch
    assert {"owner_loss", "spend_loss", "owner_accuracy", "spend_mean_absolute_error", "val_owner_accuracy"} <= set(epoch)
    np.testing.assert_allclose(epoch["loss"][-1], epoch["owner_loss"][-1] + 0.001 * epoch["spend_loss"][-1], rtol=1e-5)
