"""Sizes of the canvas, in scene units (device-independent pixels at 100 % zoom)."""

GRID = 20            # snap step and background grid spacing
NODE_WIDTH = 180
NODE_HEIGHT = 80
HEADER_HEIGHT = 24
PORT_RADIUS = 6
PORT_SPACING = 20    # vertical distance between input ports of merging layers
COLUMN_GAP = 80      # horizontal room between layers (wide enough for a wire's shape label)
ROW_GAP = 40


def node_height(n_ports: int) -> float:
    """Height of a node with `n_ports` input ports: taller when a merging layer needs room."""
    return max(NODE_HEIGHT, PORT_SPACING * (n_ports + 1))


def snap(value: float, step: float = GRID) -> float:
    return round(value / step) * step

OVERVIEW_ZOOM = 0.75  # below this zoom, nodes show only type and shape in big letters, wires lose labels
