"""What a model's augmentation layers do to a few training images: the Train page's preview.

`augmentation_chain(graph)` finds the layers the preview applies: the chain that starts at
the model's one Input and goes on through layers that only prepare or augment images
(RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomBrightness,
RandomCrop, GaussianNoise, and Rescaling, Resizing, CenterCrop, Reshape, Identity between
them), up to its last random layer. `augment_examples` calls those layers as training calls
them (`layer(x, training=True)`), each with a seed of its own derived from `seed`: the same
seed gives the same pictures, and the engine's global generator (which training draws from)
is left alone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..graph.model import Graph, Node
from .layers import layer_class

AUGMENTATION_TYPES = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
                      "RandomBrightness", "RandomCrop", "GaussianNoise")
PASS_THROUGH = ("Rescaling", "Resizing", "CenterCrop", "Reshape", "Identity")


@dataclass
class AugmentedExamples:
    original: np.ndarray      # uint8 (n, h, w) or (n, h, w, 3): the images as the model receives them
    augmented: np.ndarray     # uint8 (copies, n, h', w'[, 3]): each image after the chain, `copies` draws
    layers: list              # the names of the layers applied, in order
    seed: int


def augmentation_chain(graph: Graph) -> list[Node]:
    """The layers the preview applies (see the module docstring); [] when the model has no
    random layer right after its Input."""
    inputs = graph.input_nodes()
    if len(inputs) != 1:
        return []
    chain, node = [], inputs[0]
    while True:
        after = [graph.nodes[e.dst] for e in graph.out_edges(node.id)]
        if len(after) != 1 or after[0].type not in AUGMENTATION_TYPES + PASS_THROUGH:
            break
        node = after[0]
        chain.append(node)
    while chain and chain[-1].type not in AUGMENTATION_TYPES:
        chain.pop()
    return chain


def augment_examples(graph: Graph, x, seed: int = 0, copies: int = 2) -> AugmentedExamples:
    """`x`'s images (n, h, w, c), as the model's first layers change them while training:
    `copies` random draws of each. ValueError when the model has no augmentation to show
    or the samples are not images."""
    chain = augmentation_chain(graph)
    if not chain:
        raise ValueError("The model has no augmentation layer (RandomFlip, RandomRotation, ...) after its Input.")
    x = np.asarray(x, dtype=np.float32)
    batch = np.concatenate([x] * copies) if copies > 1 else x
    for k, node in enumerate(chain):
        params = dict(node.params)
        if "seed" in params:
            params["seed"] = (int(seed) * 1_000_003 + 7_919 * k + (params["seed"] or 0)) % 2 ** 31
        layer = layer_class(node.type)(**params)
        batch = np.asarray(layer(batch, training=True))
    if x.ndim != 4 or batch.ndim != 4:
        raise ValueError(f"The augmentation preview shows images (batch, height, width, channels); the samples "
                         f"have shape {x.shape[1:]} and the last augmentation layer gives {batch.shape[1:]}.")
    lo, hi = float(x.min()), float(x.max())     # one scale for all: a brighter copy looks brighter
    augmented = display_images(batch, lo, hi)
    return AugmentedExamples(display_images(x, lo, hi), augmented.reshape(copies, len(x), *augmented.shape[1:]),
                             [n.name for n in chain], int(seed))


def display_images(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Float images (n, h, w, c) as uint8 grey (c == 1) or RGB (the first 3 channels), with
    `lo`..`hi` mapped to 0..255."""
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    out = np.clip((x - lo) * scale, 0, 255).round().astype(np.uint8)
    if out.shape[-1] == 1:
        return out[..., 0]
    if out.shape[-1] >= 3:
        return np.ascontiguousarray(out[..., :3])
    return out[..., 0]
