"""`python -m visualnet [PROJECT_OR_TEMPLATE] [--screenshot OUT.png [--size 1400x900]]`."""

from __future__ import annotations

import argparse
import re
import sys


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match or min(int(match[1]), int(match[2])) < 200:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT of at least 200x200, e.g. 1400x900; got {text!r}")
    return int(match[1]), int(match[2])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="visualnet", description="Build and train neural networks visually.")
    p.add_argument("target", nargs="?", metavar="PROJECT_OR_TEMPLATE",
                   help="a model file (.json) or a template name: mnist_mlp, mnist_cnn, tabular_binary, "
                        "resnet_block, two_branch")
    p.add_argument("--screenshot", metavar="OUT.png", help="render the main window to a PNG file and exit")
    p.add_argument("--size", type=_size, default=(1400, 900), metavar="WxH",
                   help="window size (default 1400x900)")
    p.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                   help="colour theme (default: follow the system)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from visualnet.gui.app import run
    return run(args.target, args.screenshot, args.size, args.theme)


if __name__ == "__main__":
    sys.exit(main())
