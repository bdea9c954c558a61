"""One small model per declared layer type, for tests/test_layer_completeness.py.

A case gives the input shape(s), the constructor arguments of the layer under test (named
`probe`) and, if it needs one, layers to put between each input and the probe. The same
case builds the model in VisualNet and in Keras (their APIs match). Arguments are chosen
away from the defaults where that is cheap, so that the files and scripts carry them.

Adding a layer type to the registry without a case here fails every completeness test of
that type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from visualnet.graph import get_spec

PROBE = "probe"


@dataclass(frozen=True)
class LayerCase:
    shapes: tuple  # one input shape (batch excluded) per model input
    kwargs: dict = field(default_factory=dict)
    before: tuple = ()  # (layer type, kwargs) applied in turn to each input before the probe
    # the inputs hold integer ids in 0..ids-1 (as floats, as the engine feeds them) instead of
    # normal samples: Embedding's; their gradient is not checked (ids are not differentiable)
    ids: int | None = None
    # a wrapper's case: the type it wraps. `kwargs` are VisualNet's (flat: the wrapped layer's
    # parameters among the wrapper's); `build` nests them as Keras takes them
    wraps: str | None = None


def _one(shape, before=(), **kwargs) -> LayerCase:
    return LayerCase((shape,), kwargs, before)


def _two(shape_a, shape_b, **kwargs) -> LayerCase:
    return LayerCase((shape_a, shape_b), kwargs)


CASES: dict[str, LayerCase] = {
    "Dense": _one((5,), units=3),  # the default activation=None: the common case, and Keras writes "linear"
    "Flatten": _one((4, 3, 2)),
    "Reshape": _one((12,), target_shape=(3, -1)),
    # 'causal', Conv1D's own padding ('same' is Conv2D's path); kernel 3 dilated by 2, 2 groups
    "Conv1D": _one((9, 2), filters=4, kernel_size=3, dilation_rate=2, groups=2, padding="causal", activation="relu"),
    # uneven 'same' padding along the width (kernel 2, stride 1)
    "Conv2D": _one((7, 6, 2), filters=3, kernel_size=(3, 2), strides=(2, 1), padding="same", activation="relu",
                   kernel_regularizer={"class_name": "L2", "config": {"l2": 0.05}}, bias_constraint="non_neg"),
    # uneven 'same' padding with output_padding (the full output cropped unevenly)
    "Conv2DTranspose": _one((4, 3, 2), filters=3, kernel_size=(3, 2), strides=(2, 1), padding="same",
                            output_padding=(1, 0), activation="relu"),
    "Conv1DTranspose": _one((5, 2), filters=3, kernel_size=3, dilation_rate=2),
    "DepthwiseConv2D": _one((7, 6, 3), kernel_size=(3, 2), strides=2, padding="same", depth_multiplier=2),
    "DepthwiseConv1D": _one((9, 2), kernel_size=3, dilation_rate=2, padding="same", activation="relu"),
    "SeparableConv2D": _one((7, 6, 3), filters=4, kernel_size=3, strides=2, padding="same", depth_multiplier=2,
                            activation="relu"),
    "SeparableConv1D": _one((9, 3), filters=4, kernel_size=3, dilation_rate=2, padding="same"),
    "Conv3D": _one((4, 5, 4, 2), filters=4, kernel_size=(2, 3, 2), strides=(2, 1, 1), padding="same", groups=2,
                   activation="relu"),
    "MaxPooling3D": _one((5, 4, 5, 2), pool_size=(2, 3, 2), strides=(2, 1, 2), padding="same"),
    "AveragePooling3D": _one((6, 4, 5, 2), pool_size=(3, 2, 2), strides=(2, 1, 2)),  # 'valid': see AveragePooling2D
    "GlobalAveragePooling3D": _one((3, 4, 2, 3), keepdims=True),
    "GlobalMaxPooling3D": _one((3, 4, 2, 3)),
    "MaxPooling1D": _one((7, 2), pool_size=3, strides=2, padding="same"),
    "MaxPooling2D": _one((7, 7, 2), pool_size=3, strides=2, padding="same"),
    # 'valid': Keras on PyTorch pads uneven 'same' average pooling unlike Keras on TensorFlow
    # (see tests/io/test_code_export.py), which would make the Keras oracle the odd one out
    "AveragePooling1D": _one((7, 2), pool_size=3, strides=2),
    "AveragePooling2D": _one((6, 7, 2), pool_size=(2, 3), strides=(1, 2)),
    "GlobalAveragePooling1D": _one((5, 3), keepdims=True),
    "GlobalMaxPooling1D": _one((5, 3)),
    "GlobalAveragePooling2D": _one((5, 4, 3), keepdims=True),
    "GlobalMaxPooling2D": _one((5, 4, 3)),
    "UpSampling1D": _one((4, 3), size=3),
    "UpSampling2D": _one((3, 4, 2), size=(2, 3)),
    "UpSampling3D": _one((2, 3, 2, 2), size=(1, 2, 3)),
    # uneven (before, after) pairs, so that the files and scripts must keep the order
    "ZeroPadding1D": _one((4, 3), padding=(1, 2)),
    "ZeroPadding2D": _one((3, 4, 2), padding=((1, 2), (0, 3))),
    "ZeroPadding3D": _one((2, 3, 2, 2), padding=((1, 0), (0, 2), (2, 1))),
    "Cropping1D": _one((6, 3), cropping=(2, 1)),
    "Cropping2D": _one((6, 7, 2), cropping=((1, 2), (0, 3))),
    "Cropping3D": _one((4, 5, 6, 2), cropping=((1, 0), (0, 2), (2, 1))),
    # moving statistics come from the randomised weights, so predict() really normalises
    "BatchNormalization": _one((4, 3), momentum=0.9, epsilon=0.01),
    # the identity at predict time, between weights that must still line up
    "Dropout": _one((5,), before=(("Dense", {"units": 4, "activation": "relu"}),), rate=0.4),
    "Activation": _one((6,), activation="softplus"),
    "LeakyReLU": _one((6,), negative_slope=0.1),
    "Softmax": _one((2, 5), axis=1),
    "Concatenate": _two((2, 4), (3, 4), axis=1),
    "Add": _two((5,), (5,)),
    "Subtract": _two((5,), (5,)),
    "Multiply": _two((5,), (5,)),
    "Average": _two((5,), (5,)),
    # ids drawn over the whole table; a 2-D id grid per sample (Keras takes any rank)
    "Embedding": LayerCase(((4, 3),), {"input_dim": 10, "output_dim": 3}, ids=10),
    "SimpleRNN": _one((5, 3), units=4, activation="relu"),
    # every step's output, read from the end: both orders must agree in files and scripts
    "LSTM": _one((5, 3), units=3, return_sequences=True, go_backwards=True,
                 recurrent_regularizer={"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}},
                 kernel_constraint={"class_name": "MaxNorm", "config": {"max_value": 1.5, "axis": 0}}),
    "GRU": _one((5, 3), units=4),
    # uneven 'same' padding (kernel 3x2, stride 2 down the rows) in both convolutions; every step's output,
    # read from the end (issue 23)
    "ConvLSTM2D": _one((3, 5, 4, 2), filters=3, kernel_size=(3, 2), strides=(2, 1), padding="same",
                       return_sequences=True, go_backwards=True,
                       recurrent_regularizer={"class_name": "L2", "config": {"l2": 0.01}}),
    # a dilated window, 'valid', Keras's other activations
    "ConvLSTM1D": _one((4, 9, 2), filters=3, kernel_size=3, dilation_rate=2, activation="softsign",
                       recurrent_activation="hard_sigmoid"),
    # a value that the random samples never hold: nothing is masked, the layer passes its input
    "Masking": _one((5, 3), mask_value=0.5),
    "RepeatVector": _one((4,), n=3),
    # every step's output, summed step by step: both directions must line up in files and scripts
    "Bidirectional": LayerCase(((5, 3),), {"wrapped": "GRU", "units": 3, "merge_mode": "sum",
                                           "return_sequences": True}, wraps="GRU"),
    # Conv2D over the frames of a clip: the steps folded into the batch and back (Dense: tests/engine/test_masks.py)
    "TimeDistributed": LayerCase(((3, 5, 4, 2),), {"wrapped": "Conv2D", "filters": 3, "kernel_size": (2, 2),
                                                   "padding": "same", "activation": "relu"}, wraps="Conv2D"),
    # the last axis: Keras's PyTorch backend normalizes a single other axis wrongly (F.layer_norm on the last)
    "LayerNormalization": _one((4, 3), epsilon=0.01),
    "GroupNormalization": _one((5, 6), groups=3, epsilon=0.01),
    "UnitNormalization": _one((4, 3), axis=1),
    # every option away from its default: cap, slope and threshold
    "ReLU": _one((6,), max_value=1.5, negative_slope=0.1, threshold=0.3),
    "ELU": _one((6,), alpha=0.5),
    # one slope per channel, shared over the height and width
    "PReLU": _one((3, 4, 2), shared_axes=(1, 2)),
    "Identity": _one((5,)),
    "Permute": _one((2, 3, 4), dims=(3, 1, 2)),
    "Maximum": _two((5,), (5,)),
    "Minimum": _two((5,), (5,)),
    # a (3, 5) matrix of cosines between the steps of both inputs
    "Dot": _two((3, 4), (5, 4), axes=(2, 2), normalize=True),
    # the random layers are the identity at predict time (their training is in tests/engine)
    "SpatialDropout1D": _one((5, 3), rate=0.3),
    "SpatialDropout2D": _one((4, 4, 3), rate=0.3),
    "GaussianNoise": _one((5,), stddev=0.2, seed=3),
    "GaussianDropout": _one((5,), rate=0.3),
    "AlphaDropout": _one((5,), rate=0.2),
    "ActivityRegularization": _one((5,), before=(("Dense", {"units": 4}),), l1=0.01, l2=0.02),
    "Rescaling": _one((4, 4, 2), scale=0.5, offset=-1.0),
    "CenterCrop": _one((6, 7, 2), height=3, width=4),
    # the 5x7 image cropped to the output's 1:3 ratio (2x7), then bilinear: up along both axes
    "Resizing": _one((5, 7, 2), height=3, width=9, crop_to_aspect_ratio=True),
    # augmentation: the identity at predict time (their training is in tests/engine/test_augmentation.py)
    "RandomFlip": _one((4, 5, 2), mode="horizontal", seed=2),
    "RandomTranslation": _one((4, 5, 2), height_factor=0.2, width_factor=-0.3, fill_mode="constant", fill_value=0.5,
                              interpolation="nearest", seed=1),
    "RandomZoom": _one((4, 5, 2), height_factor=0.3, width_factor=0.1, fill_mode="wrap", seed=1),
    # the input's own size: Keras 3.15 passes any input through at predict time (keras-team/keras#21868),
    # VisualNet cuts the fixed window of Keras's code (tests/engine/test_augmentation.py)
    "RandomCrop": _one((3, 4, 2), height=3, width=4, seed=5),
    "RandomRotation": _one((4, 5, 2), factor=(-0.2, 0.1), fill_mode="nearest", seed=1),
    "RandomContrast": _one((4, 5, 2), factor=0.3, value_range=(-2, 2), seed=1),
    "RandomBrightness": _one((4, 5, 2), factor=(-0.2, 0.4), value_range=(-3, 3)),
    # per-feature statistics along the steps axis, as weights (mean, variance, count)
    "Normalization": _one((4, 3), axis=1),
    # [query, value, key], scaled concat scores, causal
    "Attention": LayerCase(((3, 4), (5, 2), (5, 4)), {"use_scale": True, "score_mode": "concat",
                                                      "use_causal_mask": True}),
    # [query, value]: the value is the key
    "AdditiveAttention": _two((3, 4), (5, 4)),
    # [query, value, key] of three widths, value heads and output features of their own, causal
    "MultiHeadAttention": LayerCase(((3, 4), (5, 2), (5, 6)), {"num_heads": 2, "key_dim": 3, "value_dim": 2,
                                                               "output_shape": (5,), "use_causal_mask": True}),
}


# types whose output is random while training: their gradients are checked at predict time
RANDOM_WHILE_TRAINING = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                         "AlphaDropout"}
# (type, file extension) real Keras cannot save (Keras's bug, named); the test that opens its file skips
KERAS_CANNOT_SAVE = {("RandomBrightness", ".h5"): "Keras 3.15 cannot save RandomBrightness to .h5: its value_range "
                                                  "is a TrackedList, which the legacy writer fails to deep-copy"}
RANDOM_WHILE_TRAINING |= {"RandomFlip", "RandomTranslation", "RandomZoom", "RandomCrop", "RandomRotation",
                          "RandomContrast", "RandomBrightness"}


def build(case: LayerCase, layer_type: str, make, Input, Model, name: str = "completeness"):
    """The case's model: `make(type, **kwargs)` makes a layer, `Input` and `Model` as in Keras."""
    inputs = [Input(shape, name=f"in{i}") for i, shape in enumerate(case.shapes)]
    branches = []
    for i, x in enumerate(inputs):
        for j, (before_type, kwargs) in enumerate(case.before):
            x = make(before_type, name=f"before{i}_{j}", **kwargs)(x)
        branches.append(x)
    kwargs = _nested(case, make)
    call = {k: kwargs.pop(k) for k in get_spec(layer_type).keras.call_args if k in kwargs}  # Keras takes them when calling
    args = branches if get_spec(layer_type).keras.call_inputs else [branches[0] if len(branches) == 1 else branches]
    out = make(layer_type, name=PROBE, **kwargs)(*args, **call)  # MultiHeadAttention(query, value, key)
    return Model(inputs[0] if len(inputs) == 1 else inputs, out, name=name)


def _nested(case: LayerCase, make) -> dict:
    """The probe's arguments as Keras takes them: a wrapper's wrapped layer made first."""
    if case.wraps is None:
        return dict(case.kwargs)
    inner_names = set(get_spec(case.wraps).param_names)
    inner = {k: v for k, v in case.kwargs.items() if k in inner_names}
    own = {k: v for k, v in case.kwargs.items() if k not in inner_names and k != "wrapped"}
    return {"layer": make(case.wraps, **inner), **own}
