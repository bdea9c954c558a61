"""Keras 3's `keras.ops` on NumPy, each op with its local backward rule for the tape
(tape.py). Arguments may be arrays, numbers, tracked tensors or weights; the result is
tracked when an argument is, else an eager `Tensor` (a NumPy array with `.numpy()`).

The ops live in three modules by kind: ops_core (conversion, creation, arithmetic, linear
algebra, comparisons, random numbers), ops_math (reductions, element-wise functions,
activations), ops_shapes (shapes, joining, indexing, padding, one-hot); this module gathers
them, as `visualnet.ops` and the tape's operators read them."""

from .ops_core import *  # noqa: F401,F403
from .ops_core import __all__ as _core
from .ops_math import *  # noqa: F401,F403
from .ops_math import __all__ as _math
from .ops_shapes import *  # noqa: F401,F403
from .ops_shapes import __all__ as _shapes

from .ops_elementwise import *  # noqa: F401,F403,E402  (issue 23: the rest of keras.ops)
from .ops_elementwise import __all__ as _elementwise  # noqa: E402
from .ops_activations import *  # noqa: F401,F403,E402
from .ops_activations import __all__ as _activations  # noqa: E402
from .ops_arrays import *  # noqa: F401,F403,E402
from .ops_arrays import __all__ as _arrays  # noqa: E402
from .ops_reductions import *  # noqa: F401,F403,E402
from .ops_reductions import __all__ as _reductions  # noqa: E402
from .ops_linalg import *  # noqa: F401,F403,E402
from .ops_linalg import __all__ as _linalg  # noqa: E402
from .ops_nn import *  # noqa: F401,F403,E402
from .ops_nn import __all__ as _nn  # noqa: E402
from .ops_control import *  # noqa: F401,F403,E402
from .ops_control import __all__ as _control  # noqa: E402

__all__ = [*_core, *_math, *_shapes, *_elementwise, *_activations, *_arrays, *_reductions, *_linalg, *_nn,
           *_control]
