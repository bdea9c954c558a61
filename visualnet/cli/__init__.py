"""The `visualnet` commands, headless (no Qt): info, train, evaluate, predict, export,
import-weights.

`visualnet COMMAND ...` and `visualnet --version` come here (visualnet/__main__.py sends
them); anything else opens the app. Exit status: 0 on success, 1 when training fails or
diverges, 2 on bad input (one line naming the file and the problem), 130 after Ctrl+C
(a training run stops after its batch and is saved; a second Ctrl+C aborts)."""

from __future__ import annotations

import argparse
import sys

from . import evaluate, export, import_weights, info, predict, train
from .inputs import BadInput

COMMANDS = {
    "info": (info, "describe a project or model file: layers, parameters, data recipe, runs"),
    "train": (train, "train a project with its data recipe and settings, and save the run"),
    "evaluate": (evaluate, "the test split's metrics, confusion matrix and per-class scores"),
    "predict": (predict, "predict new inputs through the project's data recipe"),
    "export": (export, "write a Keras model file or a Keras/PyTorch script"),
    "import-weights": (import_weights, "put weights trained elsewhere (.npz from an exported script, Keras "
                                       ".weights.h5) into a project"),
}


class Parser(argparse.ArgumentParser):
    """Bad arguments: one line and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message}\n")


def is_command(argv: list[str]) -> bool:
    """Whether these arguments ask for a command rather than the app."""
    return bool(argv) and (argv[0] in COMMANDS or argv[0] == "--version")


def parser() -> argparse.ArgumentParser:
    from visualnet import __version__

    p = Parser(prog="visualnet", description="Build and train neural networks: the commands that need no window.")
    p.add_argument("--version", action="version", version=f"visualnet {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for name, (module, text) in COMMANDS.items():
        module.add_arguments(sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + "."))
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command][0].run(args)
    except BadInput as exc:
        print(f"visualnet {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"visualnet {args.command}: interrupted; nothing was written", file=sys.stderr)
        return 130
