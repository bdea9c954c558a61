import pytest

from visualnet.graph import ParamError, ShapeError, UnknownLayerError, all_specs, get_spec
from visualnet.graph.names import ACTIVATIONS


def test_every_spec_normalizes_its_defaults_and_names_like_keras():
    expected = {"Dense": "dense", "Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d", "LeakyReLU": "leaky_re_lu",
                "BatchNormalization": "batch_normalization", "GlobalAveragePooling2D": "global_average_pooling2d"}
    for spec in all_specs():
        params = spec.normalize()
        assert set(params) == set(spec.param_names)
        for p in spec.params:
            assert p.doc and p.doc[0].isupper() and p.doc.endswith("."), f"{spec.type}.{p.name} needs a one-line doc"
        if spec.type in expected:
            assert spec.default_name == expected[spec.type]


def test_keras_defaults():
    assert get_spec("Dense").normalize({"units": 3})["kernel_initializer"] == "glorot_uniform"
    bn = get_spec("BatchNormalization").normalize()
    assert (bn["momentum"], bn["epsilon"]) == (0.99, 1e-3)
    assert get_spec("LeakyReLU").normalize()["negative_slope"] == 0.3  # the layer's; the function's is 0.2
    assert get_spec("MaxPooling2D").normalize()["strides"] is None
    assert get_spec("Conv2D").normalize({"kernel_size": 5})["kernel_size"] == (5, 5)


@pytest.mark.parametrize("layer,params,fragment", [
    ("Dense", {"units": 0}, "'units' must be >= 1. Received: units=0"),
    ("Dense", {"units": 2.5}, "must be an integer"),
    ("Dense", {"activation": "relux"}, "must be one of"),
    ("Dropout", {"rate": 1.0}, "in [0, 1)"),
    ("Conv2D", {"kernel_size": (3, 0)}, ">= 1"),
    ("Conv2D", {"kernel_size": (3, 3, 3)}, "must have 2 values"),
    ("Dense", {"unitz": 3}, "Dense has no parameter 'unitz'"),
    ("Reshape", {"target_shape": (-1, -1)}, "-1 only once"),
])
def test_bad_parameters_say_what_to_change(layer, params, fragment):
    with pytest.raises(ParamError) as info:
        get_spec(layer).normalize(params)
    assert fragment in str(info.value)


def test_unknown_type():
    with pytest.raises(UnknownLayerError, match="Unknown layer type 'Lambda'"):
        get_spec("Lambda")


def test_shape_rules():
    conv = get_spec("Conv2D")
    p = conv.normalize({"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"})
    assert conv.output_shape(p, [(None, 28, 28, 1)]) == (None, 14, 14, 8)
    p = conv.normalize({"filters": 8, "kernel_size": 5})
    with pytest.raises(ShapeError, match="does not fit"):
        conv.output_shape(p, [(None, 3, 3, 1)])
    with pytest.raises(ShapeError, match=r"receives \(None, 784\)"):
        conv.output_shape(p, [(None, 784)])
    reshape = get_spec("Reshape")
    assert reshape.output_shape({"target_shape": (-1, 7)}, [(None, 28, 2)]) == (None, 8, 7)
    with pytest.raises(ShapeError, match="holds 100 values but each sample has 784"):
        reshape.output_shape({"target_shape": (10, 10)}, [(None, 784)])
    cat = get_spec("Concatenate")
    assert cat.output_shape({"axis": -1}, [(None, 4), (None, 6)]) == (None, 10)
    with pytest.raises(ShapeError) as info:
        cat.output_shape({"axis": -1}, [(None, 4, 2), (None, 5, 2)])
    assert info.value.port == 1 and "(None, 4, 2)" in str(info.value) and "(None, 5, 2)" in str(info.value)
    with pytest.raises(ShapeError, match="at least 2 inputs"):
        get_spec("Add").output_shape({}, [(None, 4)])


def test_activation_names_are_implemented_by_the_engine():
    from visualnet.engine import activations

    for name in ACTIVATIONS:
        activations.get(name)
