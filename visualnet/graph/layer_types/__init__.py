"""Every layer type VisualNet supports, declared once (Keras 3 names and defaults).

Importing this package registers them, family by family, in the palette's order. Rank-
generic families (convolution, pooling, global pooling) declare their 1-D, 2-D and 3-D
members from one definition, as Keras's `BaseConv(rank)` does. `recurrent` declares Embedding
(category core) and the recurrent family; `sequence` Masking and RepeatVector; `wrappers`
Bidirectional and TimeDistributed."""

from . import core, convolution, pooling, reshaping, normalization, activation, merging, recurrent  # noqa: F401
from . import convolution_transpose, convolution_depthwise  # noqa: F401  (issue 24's convolutions)
from . import sequence, wrappers  # noqa: F401  (register on import; wrappers read the types they wrap)
from . import norms, activation_layers, reordering, min_max_dot, regularization, preprocessing  # noqa: F401
from . import augmentation, feature_normalization, attention  # noqa: F401  (issue 24)
from . import conv_recurrent  # noqa: F401  (issue 23: ConvLSTM1D, ConvLSTM2D)
