"""The canvas's rule for text inputs: an Input of dtype 'string' feeds only a TextVectorization
layer (which exists in the Python API); anything else it feeds is an error naming both."""

from visualnet.graph import Graph, validate


def _graph(dtype: str) -> Graph:
    g = Graph()
    inp = g.add_node("Input", {"shape": (1,), "dtype": dtype}, name="review")
    dense = g.add_node("Dense", {"units": 2}, name="classifier")
    g.connect(inp.id, dense.id)
    return g


def test_string_input_into_a_dense_is_an_error_at_the_dense():
    g = _graph("string")
    problems = [p for p in validate(g) if p.code == "string_input"]
    assert len(problems) == 1 and problems[0].severity == "error"
    assert problems[0].node_id == g.node_by_name("classifier").id
    assert "Input 'review' holds text" in problems[0].message and "'classifier' (Dense)" in problems[0].message
    assert "TextVectorization" in problems[0].message


def test_number_inputs_are_not_concerned():
    for dtype in ("float32", "int32", "int64"):
        assert not [p for p in validate(_graph(dtype)) if p.code == "string_input"]


def test_string_is_one_of_inputs_dtypes():
    from visualnet.graph import get_spec

    assert get_spec("Input").param("dtype").choices == ("float32", "int32", "int64", "string")
