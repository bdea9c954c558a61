"""Small graph builders shared by the graph tests."""

from visualnet.graph import Graph


def chain(*layers, graph=None):
    """Build Input -> ... as a chain from (type, params) pairs; returns (graph, [node ids])."""
    graph = graph or Graph()
    ids = []
    for layer_type, params in layers:
        node = graph.add_node(layer_type, params)
        if ids:
            graph.connect(ids[-1], node.id)
        ids.append(node.id)
    return graph, ids


MNIST_CNN = [
    ("Input", {"shape": (28, 28, 1)}),
    ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {}),
    ("Conv2D", {"filters": 64, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {}),
    ("Flatten", {}),
    ("Dense", {"units": 128, "activation": "relu"}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]
