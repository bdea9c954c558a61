"""The helper library of exported PyTorch scripts: source text by name, included only
when a layer's `TorchForm.helpers` names it (with what it needs)."""

from .torch_mask_helpers import MASK_HELPERS
from .torch_more_helpers import MORE_HELPERS
from .torch_rnn_helpers import RNN_HELPERS
from .torch_conv_rnn_helpers import CONV_RNN_HELPERS

SAME_PADDING = '''

def same_padding(x, window, stride, value=0.0):
    """Keras's 'same' padding of a channels-first tensor's spatial axes (the extra cell after)."""
    pads = []
    for size, k, s in reversed(list(zip(x.shape[2:], window, stride))):
        total = max((-(-size // s) - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)
'''

HELPERS = {
    "same_padding": ((), SAME_PADDING),
    "conv": (("same_padding",), '''

def conv(x, module, padding):
    """A channels-last convolution with Keras's padding (a dilated kernel spans (k - 1) * d + 1)."""
    x = x.movedim(-1, 1)
    span = [(k - 1) * d + 1 for k, d in zip(module.kernel_size, module.dilation)]
    if padding == "same":
        x = same_padding(x, span, module.stride)
    elif padding == "causal":  # Conv1D: span - 1 zeros before the steps
        x = F.pad(x, [span[0] - 1, 0])
    return module(x).movedim(1, -1)
'''),
    "conv_transpose": ((), '''

def conv_transpose(x, module, crops):
    """A channels-last transposed convolution with Keras's padding: the full output cropped
    by crops[axis] = (before, after) cells (negative: zeros added)."""
    y = module(x.movedim(-1, 1))
    pads = []
    for before, after in reversed(crops):
        pads += [-before, -after]
    return F.pad(y, pads).movedim(1, -1)
'''),
    "max_pool": (("same_padding",), '''

def max_pool(x, pool, stride, padding):
    """Keras's MaxPooling{1,2,3}D on a channels-last tensor."""
    x = x.movedim(-1, 1)
    if padding == "same":
        x = same_padding(x, pool, stride, value=float("-inf"))
    return (F.max_pool1d, F.max_pool2d, F.max_pool3d)[len(pool) - 1](x, pool, stride).movedim(1, -1)
'''),
    "average_pool": (("same_padding",), '''

def average_pool(x, pool, stride, padding):
    """Keras's AveragePooling{1,2,3}D on a channels-last tensor; with 'same' padding it
    divides by the number of real (unpadded) cells, as Keras does."""
    x = x.movedim(-1, 1)
    pool_fn = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[len(pool) - 1]
    if padding == "same":
        ones = same_padding(torch.ones_like(x[:1, :1]), pool, stride)
        y = pool_fn(same_padding(x, pool, stride), pool, stride) / pool_fn(ones, pool, stride)
    else:
        y = pool_fn(x, pool, stride)
    return y.movedim(1, -1)
'''),
    "BatchNormalization": ((), '''

class BatchNormalization(nn.Module):
    """Keras's BatchNormalization over the last axis (biased batch variance, Keras's momentum)."""

    def __init__(self, channels, momentum=0.99, epsilon=1e-3, center=True, scale=True):
        super().__init__()
        self.momentum, self.epsilon = momentum, epsilon
        self.gamma = nn.Parameter(torch.ones(channels)) if scale else None
        self.beta = nn.Parameter(torch.zeros(channels)) if center else None
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, x):
        if self.training:
            dims = tuple(range(x.dim() - 1))
            mean, var = x.mean(dim=dims), x.var(dim=dims, unbiased=False)
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(mean.detach() * (1 - self.momentum))
                self.moving_variance.mul_(self.momentum).add_(var.detach() * (1 - self.momentum))
        else:
            mean, var = self.moving_mean, self.moving_variance
        y = (x - mean) * torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * self.gamma
        if self.beta is not None:
            y = y + self.beta
        return y
'''),
}

HELPERS.update(MORE_HELPERS)  # the normalizations' and ActivityRegularization's, in their own module
HELPERS.update(RNN_HELPERS)  # the recurrent layers' calls with states (torch_rnn_helpers.py)
HELPERS.update(CONV_RNN_HELPERS)  # ConvLSTM1D/2D's module (torch_conv_rnn_helpers.py)
HELPERS.update(MASK_HELPERS)  # the layers' forward with Keras's masks (torch_mask_helpers.py)


def helper_source(names) -> str:
    """The source of the helpers `names` and of those they need, each once, in a fixed order."""
    wanted: set = set()

    def add(name):
        if name not in wanted:
            wanted.add(name)
            for dep in HELPERS[name][0]:
                add(dep)
    for n in names:
        add(n)
    return "".join(HELPERS[n][1] for n in HELPERS if n in wanted)
