"""How a layer type appears in Keras: part of its declaration.

A `KerasForm` states the Keras class name and the other names Keras files use for it,
arguments Keras calls differently in one dialect (LeakyReLU's `negative_slope` is `alpha`
in Keras 2), Keras options VisualNet takes only at one value (`data_format`; the
`activity_regularizer` of the layers that do not declare one), and how a parameter's
value is written where Keras writes another form.
The engine's argument check, the Keras 3 and Keras 2 writers and the readers of both
dialects all read this one statement (`io/keras_config.py`, `engine/layers/base.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

DIALECTS = ("keras3", "keras2")


@dataclass(frozen=True, eq=False)
class Fixed:
    """A Keras option VisualNet supports at `value` only (`also`: other spellings of the
    same meaning, such as None for `data_format`). Written into configs when `write`."""

    value: Any
    also: tuple = ()
    write: bool = True

    def accepts(self, value) -> bool:
        return any(_same(value, v) for v in (self.value, *self.also))

    def allowed_text(self) -> str:
        return ", ".join(repr(v) for v in (self.value, *self.also))


@dataclass(frozen=True, eq=False)
class Wrapper:
    """A Keras wrapper layer (Bidirectional, TimeDistributed): its Keras config holds the
    wrapped layer's whole config under 'layer', and the registry type declares the wrapped
    layer's parameters as its own (so the canvas edits them like any other).

    own: the parameters written at the wrapper's level; inner: params -> (wrapped registry
    type, its params); outer: (wrapped type, its params read from a file) -> this type's
    other params (ValueError says what is not supported); groups: (params, number of
    weights) -> [(group path, count)], where Keras 3's weights file keeps them, in order
    (e.g. 'forward_layer/cell')."""

    own: tuple[str, ...]
    inner: Callable[[dict], tuple[str, dict]]
    outer: Callable[[str, dict], dict]
    groups: Callable[[dict, int], list]


@dataclass(frozen=True, eq=False)
class KerasForm:
    """The Keras side of one layer type (see the module docstring).

    class_name: Keras's class ('' means the registry type's name); aliases: other class
    names read as this type; renamed: parameter -> {dialect: Keras argument name};
    fixed: Keras option -> Fixed; ignored: Keras options read and dropped silently (they
    do not change what the layer computes); write: params -> the values Keras writes where
    they differ (e.g. pooling strides None -> pool_size); read: a Keras config -> the same
    config with values in the registry's form (e.g. BatchNormalization axis [3] -> 3);
    weights_group: the sub-object whose group holds the weights in Keras 3's weights file
    ('cell' for the recurrent layers: layers/lstm/cell/vars), '' for the layer's own;
    wrapper: how a wrapper layer nests the layer it wraps (`Wrapper`), None for the others;
    trainable_arg: whether the Keras class takes `trainable` (the spatial dropouts do not);
    call_args: parameters Keras takes when the layer is called, not constructed (Attention's
    `use_causal_mask`): Keras's files keep them in the call's kwargs, scripts pass them to the call;
    declares: options every Keras layer has (COMMON_FIXED) that this type declares as parameters
    (`activity_regularizer`), so they are not fixed for it; unset_unwritten: parameters Keras
    leaves out of its config when None (Dense's `activity_regularizer`: its base Layer writes
    it only when set);
    call_inputs: Keras's names of the inputs when its call takes them as separate arguments
    (MultiHeadAttention(query, value, key)) rather than one list; groups: (params, number of
    weights) -> [(group path, count)] when Keras 3's weights file splits a plain layer's weights
    into sub-objects (MultiHeadAttention's query_dense, ...), as `Wrapper.groups` does.
    """

    class_name: str = ""
    aliases: tuple[str, ...] = ()
    renamed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fixed: Mapping[str, Fixed] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    write: Callable[[dict], dict] | None = None
    read: Callable[[dict], dict] | None = None
    weights_group: str = ""
    wrapper: Wrapper | None = None
    trainable_arg: bool = True
    call_args: tuple[str, ...] = ()
    declares: tuple[str, ...] = ()
    unset_unwritten: tuple[str, ...] = ()
    call_inputs: tuple[str, ...] = ()
    groups: Callable[[dict, int], list] | None = None

    def weight_groups(self, params: dict, count: int) -> list[tuple[str, int]]:
        """[(group path below the layer's group, how many weights)] in Keras 3's weights file."""
        if self.groups is not None:
            return self.groups(params, count)
        return self.wrapper.groups(params, count) if self.wrapper else [(self.weights_group, count)]

    def argument(self, param: str, dialect: str) -> str:
        """The Keras argument (config key) for a registry parameter in `dialect`."""
        return self.renamed.get(param, {}).get(dialect, param)

    def spellings(self, param: str) -> tuple[str, ...]:
        """Every Keras argument name that means `param` (the registry's name first)."""
        return (param, *(n for n in self.renamed.get(param, {}).values() if n != param))

    def written(self, params: dict) -> dict:
        """The parameter values as Keras writes them (`write` applied)."""
        return {**params, **self.write(params)} if self.write else dict(params)

    def all_fixed(self) -> dict[str, Fixed]:
        """This type's fixed options and those every Keras layer has."""
        return {**{k: v for k, v in COMMON_FIXED.items() if k not in self.declares}, **self.fixed}


def _same(a, b) -> bool:
    """Equal as JSON values: lists and tuples alike, 1 and 1.0 alike, True is not 1."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


# the regularizer and constraint options of the layers that do not declare them (attention's)
NO_REGULARIZERS = {k: Fixed(None) for k in ("kernel_regularizer", "bias_regularizer", "kernel_constraint",
                                             "bias_constraint")}
CHANNELS_LAST = {"data_format": Fixed("channels_last", also=(None,))}
NO_LORA = {"lora_rank": Fixed(None, write=False), "quantization_config": Fixed(None, write=False)}

# Keras options every layer takes; VisualNet supports them at these values only, except where
# a type `declares` them (the layers with weights that Keras gives an `activity_regularizer`).
COMMON_FIXED = {"activity_regularizer": Fixed(None, write=False)}
