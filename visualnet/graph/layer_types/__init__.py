"""Every layer type VisualNet supports, declared once (Keras 3 names and defaults).

Importing this package registers them, family by family, in the palette's order. Rank-
generic families (convolution, pooling, global pooling) declare their 1-D, 2-D and 3-D
members from one definition, as Keras's `BaseConv(rank)` does. `recurrent` declares Embedding
(category core) and the recurrent family."""

from . import core, convolution, pooling, reshaping, normalization, activation, merging, recurrent  # noqa: F401  (register on import)
