"""Multiply-adds per layer (graph/costs.py), against PyTorch's FLOP counter (2 FLOPs per
multiply-add) on the same layers, and by hand for recurrent layers and attention."""

import pytest

from visualnet.graph import Graph, infer_shapes

torch = pytest.importorskip("torch")     # the oracle extra: installed by make test
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402


def _macs(shape, layer_type, **params):
    g = Graph()
    x = g.add_node("Input", {"shape": shape})
    n = g.add_node(layer_type, params)
    g.connect(x.id, n.id)
    return infer_shapes(g)[n.id].multiply_adds


def _torch_macs(module, *shape):
    with FlopCounterMode(display=False) as counter:
        module(torch.zeros(1, *shape))
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("vn,module,shape_vn,shape_torch", [
    (("Dense", {"units": 128}), torch.nn.Linear(784, 128), (784,), (784,)),
    (("Dense", {"units": 16}), torch.nn.Linear(8, 16), (5, 8), (5, 8)),
    (("Conv2D", {"filters": 32, "kernel_size": (3, 3)}), torch.nn.Conv2d(1, 32, 3), (28, 28, 1), (1, 28, 28)),
    (("Conv2D", {"filters": 8, "kernel_size": (3, 3), "strides": (2, 2), "padding": "same", "groups": 2}),
     torch.nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2), (16, 16, 4), (4, 16, 16)),
    (("Conv1D", {"filters": 6, "kernel_size": (5,)}), torch.nn.Conv1d(3, 6, 5), (40, 3), (3, 40)),
    (("DepthwiseConv2D", {"kernel_size": (3, 3), "depth_multiplier": 2}), torch.nn.Conv2d(4, 8, 3, groups=4),
     (10, 10, 4), (4, 10, 10)),
    (("Conv2DTranspose", {"filters": 5, "kernel_size": (3, 3), "strides": (2, 2)}),
     torch.nn.ConvTranspose2d(3, 5, 3, stride=2), (7, 7, 3), (3, 7, 7)),
])
def test_as_pytorch_counts_them(vn, module, shape_vn, shape_torch):
    assert _macs(shape_vn, vn[0], **vn[1]) == _torch_macs(module, *shape_torch)


def test_recurrent_layers_count_both_kernels_at_every_step():
    assert _macs((20, 10), "LSTM", units=32) == (10 * 128 + 32 * 128) * 20
    assert _macs((20, 10), "GRU", units=8) == (10 * 24 + 8 * 24) * 20
    assert _macs((None, 10), "SimpleRNN", units=8) is None          # any length: per sample unknown


def test_layers_without_products_cost_nothing_and_attention_counts_its_scores():
    assert _macs((6, 6, 3), "MaxPooling2D") == 0 and _macs((12,), "Dropout") == 0
    g = Graph()
    q, v = g.add_node("Input", {"shape": (4, 8)}), g.add_node("Input", {"shape": (6, 8)})
    a = g.add_node("Attention", {})
    g.connect(q.id, a.id, 0)
    g.connect(v.id, a.id, 1)
    assert infer_shapes(g)[a.id].multiply_adds == 4 * 6 * (8 + 8)
