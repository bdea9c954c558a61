"""Engine layers, one class per registry type."""

from .base import Layer
from .conv import Conv1D, Conv2D
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

LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.layer_type: cls
    for cls in (InputLayer, Dense, Flatten, Reshape, Conv1D, Conv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D,
                AveragePooling2D, GlobalAveragePooling1D, GlobalMaxPooling1D,
                GlobalAveragePooling2D, GlobalMaxPooling2D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
                ZeroPadding2D, ZeroPadding3D, Cropping1D, Cropping2D, Cropping3D, BatchNormalization, Dropout, Activation,
                LeakyReLU, Softmax, Concatenate, Add, Subtract, Multiply, Average, Embedding, SimpleRNN, LSTM,
                GRU, Masking, RepeatVector, Bidirectional, TimeDistributed)
}


def layer_class(layer_type: str) -> type[Layer]:
    """The engine class implementing a registry type (KeyError names the type)."""
    try:
        return LAYER_CLASSES[layer_type]
    except KeyError:
        raise KeyError(f"The engine has no implementation of layer type '{layer_type}'.") from None
