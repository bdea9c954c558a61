"""Engine layers, one class per registry type."""

from .base import Layer
from .conv import Conv1D, Conv2D
from .conv_transpose import Conv1DTranspose, Conv2DTranspose
from .conv_depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from .conv3d import Conv3D
from .pooling3d import AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D
from .core import Activation, Dense, Dropout, Flatten, InputLayer, LeakyReLU, Reshape, Softmax
from .merging import Add, Average, Concatenate, Multiply, Subtract
from .normalization import BatchNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
                        ZeroPadding2D, ZeroPadding3D)
from .recurrent import GRU, LSTM, Embedding, SimpleRNN
from .sequence import Masking, RepeatVector
from .wrappers import Bidirectional, TimeDistributed
from . import activation_layers, min_max_dot, norms, preprocessing, regularization, reordering

LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.layer_type: cls
    for cls in (InputLayer, Dense, Flatten, Reshape, Conv1D, Conv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D,
                AveragePooling2D, GlobalAveragePooling1D, GlobalMaxPooling1D,
                GlobalAveragePooling2D, GlobalMaxPooling2D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
                ZeroPadding2D, ZeroPadding3D, Cropping1D, Cropping2D, Cropping3D, BatchNormalization, Dropout, Activation,
                LeakyReLU, Softmax, Concatenate, Add, Subtract, Multiply, Average, Embedding, SimpleRNN, LSTM,
                GRU, Masking, RepeatVector, Bidirectional, TimeDistributed)
}
LAYER_CLASSES.update((c.layer_type, c) for c in (Conv1DTranspose, Conv2DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D, Conv3D, MaxPooling3D, AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D))  # noqa: E501

LAYER_CLASSES.update((c.layer_type, c) for m in (norms, activation_layers, reordering, min_max_dot, regularization, preprocessing) for c in vars(m).values() if isinstance(c, type) and issubclass(c, Layer) and c.layer_type)  # noqa: E501

from . import attention, augmentation, feature_normalization  # noqa: E402  (issue 24)
LAYER_CLASSES.update((c.layer_type, c) for m in (augmentation, feature_normalization, attention) for c in vars(m).values() if isinstance(c, type) and issubclass(c, Layer) and c.layer_type)  # noqa: E501
from .multi_head_attention import MultiHeadAttention  # noqa: E402  (issue 24)
LAYER_CLASSES[MultiHeadAttention.layer_type] = MultiHeadAttention
from .conv_recurrent import ConvLSTM1D, ConvLSTM2D  # noqa: E402  (issue 23)
LAYER_CLASSES.update((c.layer_type, c) for c in (ConvLSTM1D, ConvLSTM2D))


def layer_class(layer_type: str) -> type[Layer]:
    """The engine class implementing a registry type (KeyError names the type)."""
    try:
        return LAYER_CLASSES[layer_type]
    except KeyError:
        raise KeyError(f"The engine has no implementation of layer type '{layer_type}'.") from None
