"""`python -m visualnet [PROJECT_OR_TEMPLATE] [--screenshot OUT.png [--size 1400x900]]`,
`python -m visualnet --self-test`; `visualnet info|train|evaluate|predict|export ...` and
`visualnet --version` run headless (visualnet/cli/)."""

from __future__ import annotations

import argparse
import os
import re
import sys


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match or min(int(match[1]), int(match[2])) < 200:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT of at least 200x200, e.g. 1400x900; got {text!r}")
    return int(match[1]), int(match[2])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="visualnet", description="Build and train neural networks visually.",
                                epilog="Without a window: visualnet info|train|evaluate|predict|export FILE ... "
                                       "(visualnet COMMAND -h for each), visualnet --version")
    p.add_argument("target", nargs="?", metavar="PROJECT_OR_TEMPLATE",
                   help="a project (.vnet), a Keras model (.keras, .h5), a model description (.json) or a "
                        "template name: mnist_mlp, mnist_cnn, tabular_binary, resnet_block, two_branch")
    p.add_argument("--screenshot", metavar="OUT.png", help="render the main window to a PNG file and exit")
    p.add_argument("--size", type=_size, default=(1400, 900), metavar="WxH",
                   help="window size (default 1400x900)")
    p.add_argument("--theme", choices=("system", "light", "dark"), default=None,
                   help="colour theme (default: as set in Preferences, else follow the system)")
    p.add_argument("--import-child", nargs=2, metavar=("SRC", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--self-test", action="store_true",
                   help="check this installation offscreen (window, template, one epoch of training, save and "
                        "reopen a project), print what was checked and exit 0 if all passed")
    return p


def _thread_setting() -> None:
    """The number of compute threads from the settings, before NumPy and Numba start theirs."""
    from visualnet.gui.settings import Settings

    n = Settings().threads
    if n:
        for var in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(var, str(n))


def main(argv: list[str] | None = None) -> int:
    for name in ("stdout", "stderr"):  # a windowed Windows executable has neither
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    argv = sys.argv[1:] if argv is None else list(argv)
    from visualnet.cli import is_command
    if is_command(argv):
        from visualnet.cli import main as command
        return command(argv)
    args = parser().parse_args(argv)
    if args.import_child:
        from visualnet.io.foreign import child_main
        return child_main(*args.import_child)
    if args.self_test:
        from visualnet.gui.self_test import run_self_test
        return run_self_test()
    _thread_setting()
    from visualnet.gui.app import run
    return run(args.target, args.screenshot, args.size, args.theme)


if __name__ == "__main__":
    sys.exit(main())
