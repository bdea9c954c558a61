"""Each layer type's Keras form (class name, aliases, renamed arguments, fixed options) is
declared once and read alike by the engine's argument check and the Keras file readers."""

import pytest

from visualnet import layers
from visualnet.graph import all_specs, get_spec
from visualnet.graph.keras_form import DIALECTS
from visualnet.io.keras_config import _layer_params


def test_keras_names_are_unique_and_lead_back_to_their_type():
    seen = {}
    for spec in all_specs():
        for name in (spec.keras_class, *spec.keras.aliases):
            assert name not in seen, f"{name} means both {seen[name]} and {spec.type}"
            seen[name] = spec.type
            assert get_spec(name) is spec


def test_fixed_options_and_renamed_arguments_do_not_shadow_parameters():
    for spec in all_specs():
        form = spec.keras
        assert not set(form.all_fixed()) & set(spec.param_names), spec.type
        assert set(form.renamed) <= set(spec.param_names), spec.type
        for renamed in form.renamed.values():
            assert set(renamed) <= set(DIALECTS), spec.type


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.type)
def test_engine_and_file_reader_accept_the_same_fixed_options(spec):
    """What a Keras file may hold, the constructor takes (and the other way round)."""
    if spec.type == "Input":
        return
    from visualnet.engine.layers import layer_class

    base = {p.name: p.default for p in spec.params if p.required}
    cfg = dict(base)
    if spec.keras.wrapper:  # a wrapper's Keras config nests the wrapped layer's
        cfg["layer"] = {"class_name": spec.keras.wrapper.inner(spec.normalize(base))[0], "config": {}}
    for key, rule in spec.keras.all_fixed().items():
        for value in (rule.value, *rule.also):
            layer_class(spec.type)(**base, **{key: value})
            problems = []
            _layer_params(spec.type, {**cfg, key: value}, "x", problems, [])
            assert not problems, (spec.type, key, problems)
        problems = []
        _layer_params(spec.type, {**cfg, key: "something else"}, "x", problems, [])
        assert problems and key in problems[0]
        with pytest.raises(ValueError, match=f"supports only {key}="):
            layer_class(spec.type)(**base, **{key: "something else"})


def test_the_example_of_the_issue():
    assert layers.BatchNormalization(renorm=False, synchronized=False).get_config()["momentum"] == 0.99
    with pytest.raises(ValueError, match="renorm"):
        layers.BatchNormalization(renorm=True)
    assert layers.LeakyReLU(alpha=0.1).get_config()["negative_slope"] == 0.1     # Keras 2's name, as Keras 3 takes it
    with pytest.raises(TypeError, match="alpha"):
        layers.LeakyReLU(alpha=0.1, negative_slope=0.2)
    assert layers.BatchNormalization(gamma_initializer="he_normal").get_config()["gamma_initializer"] == "he_normal"
