"""`plot_model`: a picture of a model's layers and wires, drawn by VisualNet itself (no Graphviz).

Boxes are placed by the canvas's layered layout (`graph.layout`), top to bottom (rankdir
"TB") or left to right ("LR"); each shows the layer type and, as asked, its name, output
shape, dtype, activation and whether it trains, coloured by palette category. Wires are
straight arrows from a layer to the layers it feeds. SVG is written as text; PNG is drawn
with Pillow at `dpi` (96 dpi is one pixel per unit). A nested model is one box.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from ..graph import infer_shapes
from ..graph.layout import layered_positions
from .atomic import write_atomic

FONT = 12                 # text size in units
LINE = 16                 # line height in units
CHAR = 7.2                # estimated width of a character in units (0.6 em: the SVG's monospace font)
PAD_X, PAD_Y = 12, 8
GAP_ALONG, GAP_ACROSS = 36, 24    # between ranks (along the wires), between boxes of a rank
MARGIN = 16


@dataclass
class Box:
    nid: str
    lines: list[str]
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    fill: str = "#ffffff"


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], (tuple, list)):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _fill(category: str) -> str:
    """A light colour per palette category, the same on every run."""
    h = int(hashlib.sha1(category.encode()).hexdigest()[:6], 16)
    r, g, b = (h >> 16) & 255, (h >> 8) & 255, h & 255
    return "#{:02x}{:02x}{:02x}".format(*(200 + v * 55 // 255 for v in (r, g, b)))


def _boxes(model, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    graph = model.to_graph()
    info = infer_shapes(graph)
    boxes = {}
    for nid, node in graph.nodes.items():
        spec = node.spec
        kind = spec.keras_class if getattr(spec, "keras_class", None) else node.type
        lines = [f"{node.name} ({kind})" if show_layer_names else kind]
        if show_shapes:
            shapes = info[nid].shapes if len(info[nid].shapes) > 1 else info[nid].shape
            lines.append(f"output: {_shape_text(shapes)}")
        if show_dtype:
            lines.append(f"dtype: {node.params.get('dtype', 'float32') if node.type == 'Input' else 'float32'}")
        if show_layer_activations and node.params.get("activation") not in (None, ""):
            lines.append(f"activation: {node.params['activation']}")
        if show_trainable and node.type != "Input":
            lines.append(f"trainable: {node.params.get('trainable', True)}")
        width = max(len(t) for t in lines) * CHAR + 2 * PAD_X
        boxes[nid] = Box(nid, lines, w=width, h=len(lines) * LINE + 2 * PAD_Y, fill=_fill(spec.category))
    return graph, boxes


def layout(model, rankdir="TB", show_shapes=False, show_dtype=False, show_layer_names=False,
           show_layer_activations=False, show_trainable=False):
    """(boxes by node id, edges as (src, dst) node ids, width, height) in units."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' or 'LR'. Received: rankdir={rankdir!r}")
    graph, boxes = _boxes(model, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    tb = rankdir == "TB"
    along = max(b.h if tb else b.w for b in boxes.values())      # a rank's depth along the wires
    lane = min(b.w if tb else b.h for b in boxes.values())
    # the layout stacks columns left to right; top to bottom is the same layout with x and y swapped
    pos = layered_positions(graph, node_width=along, column_gap=GAP_ALONG, row_gap=GAP_ACROSS,
                            node_height=lambda nid: lane if nid is None else (boxes[nid].w if tb else boxes[nid].h))
    for nid, (a, b) in pos.items():
        box = boxes[nid]
        box.x, box.y = (b, a) if tb else (a, b)
        if tb:
            box.y += (along - box.h) / 2
        else:
            box.x += (along - box.w) / 2
    left = min(b.x for b in boxes.values())
    top = min(b.y for b in boxes.values())
    for box in boxes.values():
        box.x += MARGIN - left
        box.y += MARGIN - top
    width = max(b.x + b.w for b in boxes.values()) + MARGIN
    height = max(b.y + b.h for b in boxes.values()) + MARGIN
    edges = [(e.src, e.dst) for e in graph.edges.values()]
    return boxes, edges, width, height


def _ends(a: Box, b: Box, tb: bool):
    if tb:
        return (a.x + a.w / 2, a.y + a.h), (b.x + b.w / 2, b.y)
    return (a.x + a.w, a.y + a.h / 2), (b.x, b.y + b.h / 2)


def _arrow_head(p, q, size=7.0):
    (x0, y0), (x1, y1) = p, q
    d = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    return [(x1, y1), (x1 - size * ux + size * 0.5 * uy, y1 - size * uy - size * 0.5 * ux),
            (x1 - size * ux - size * 0.5 * uy, y1 - size * uy + size * 0.5 * ux)]


def svg_text(boxes, edges, width, height, tb: bool) -> str:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="{FONT}">',
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>']
    for src, dst in edges:
        p, q = _ends(boxes[src], boxes[dst], tb)
        head = " ".join(f"{x:.1f},{y:.1f}" for x, y in _arrow_head(p, q))
        out.append(f'<line x1="{p[0]:.1f}" y1="{p[1]:.1f}" x2="{q[0]:.1f}" y2="{q[1]:.1f}" stroke="#555555"/>'
                   f'<polygon points="{head}" fill="#555555"/>')
    for box in boxes.values():
        out.append(f'<g class="layer"><rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
                   f'rx="4" fill="{box.fill}" stroke="#333333"/>')
        for i, line in enumerate(box.lines):
            out.append(f'<text x="{box.x + box.w / 2:.1f}" y="{box.y + PAD_Y + (i + 0.75) * LINE:.1f}" '
                       f'text-anchor="middle">{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def png_image(boxes, edges, width, height, tb: bool, dpi: float):
    from PIL import Image, ImageDraw, ImageFont

    s = dpi / 96.0
    img = Image.new("RGB", (max(int(round(width * s)), 1), max(int(round(height * s)), 1)), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=max(FONT * s, 6))
    for src, dst in edges:
        p, q = _ends(boxes[src], boxes[dst], tb)
        draw.line([(p[0] * s, p[1] * s), (q[0] * s, q[1] * s)], fill="#555555", width=max(int(s), 1))
        draw.polygon([(x * s, y * s) for x, y in _arrow_head(p, q)], fill="#555555")
    for box in boxes.values():
        draw.rounded_rectangle([box.x * s, box.y * s, (box.x + box.w) * s, (box.y + box.h) * s], radius=4 * s,
                               fill=box.fill, outline="#333333", width=max(int(s), 1))
        for i, line in enumerate(box.lines):
            draw.text(((box.x + box.w / 2) * s, (box.y + PAD_Y + (i + 0.5) * LINE) * s), line, fill="black",
                      font=font, anchor="mm")
    return img


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, **kwargs):
    """Write the picture to `to_file` (.svg as text, else an image Pillow writes, e.g. .png);
    returns the PIL image for raster files (Keras returns an IPython image) and None for SVG."""
    unknown = set(kwargs) - {"splines", "show_layer_names_only"}
    if unknown:
        raise TypeError(f"plot_model() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    boxes, edges, width, height = layout(model, rankdir, show_shapes, show_dtype, show_layer_names,
                                         show_layer_activations, show_trainable)
    path = Path(to_file)
    tb = rankdir == "TB"
    if path.suffix.lower() == ".svg":
        text = svg_text(boxes, edges, width, height, tb)
        write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), keep_backup=False)
        return None
    img = png_image(boxes, edges, width, height, tb, dpi)
    fmt = path.suffix[1:].upper() or "PNG"
    fmt = "JPEG" if fmt == "JPG" else fmt
    write_atomic(path, lambda tmp: img.save(tmp, format=fmt, dpi=(dpi, dpi)), keep_backup=False)
    return img
