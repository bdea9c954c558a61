"""What `visualnet train` shows while it trains: a rich progress bar per epoch (loss,
metrics, samples/s, ETA) on stderr, or with `--json` one JSON object per epoch on stdout."""

from __future__ import annotations

import json
import math

from visualnet.workspace.controller import Listener

HIDDEN = {"epoch", "step", "batch", "loss", "loss_smoothed", "learning_rate", "batch_size", "duration", "logs"}


def _json_safe(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _metrics_text(values: dict) -> str:
    return "  ".join(f"{k} {v:.4f}" for k, v in values.items() if isinstance(v, float) and math.isfinite(v))


class JsonLines(Listener):
    """One JSON object per epoch on stdout: epoch (from 1), epochs, step, loss, metrics,
    learning_rate, duration (s); NaN and infinities as null."""

    def __init__(self, epochs: int):
        self.epochs = epochs

    def epoch(self, row: dict) -> None:
        out = {k: _json_safe(v) for k, v in row.items() if k != "logs"}
        out.update(epoch=row["epoch"] + 1, epochs=self.epochs)
        print(json.dumps(out), flush=True)


class ProgressBars(Listener):
    """A rich progress bar per epoch; the finished epochs stay with their metrics."""

    def __init__(self, epochs: int, steps_per_epoch: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.epochs, self.steps = epochs, steps_per_epoch
        self.bars = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(bar_width=20), MofNCompleteColumn(),
                             TextColumn("{task.fields[metrics]}"), TextColumn("{task.fields[rate]}"),
                             TextColumn("ETA"), TimeRemainingColumn(),
                             console=Console(stderr=True))
        self.task = None
        self.shown_epoch = -1

    def __enter__(self):
        self.bars.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bars.stop()

    def _bar(self, epoch: int):
        if epoch != self.shown_epoch:
            self.shown_epoch = epoch
            self.task = self.bars.add_task("", total=self.steps, epoch=f"{epoch + 1}/{self.epochs}",
                                           metrics="", rate="")
        return self.task

    def batches(self, rows: list) -> None:
        last = rows[-1]
        shown = {"loss": last["loss_smoothed"], **{k: v for k, v in last.items() if k not in HIDDEN}}
        self.bars.update(self._bar(last["epoch"]), completed=last["batch"] + 1, metrics=_metrics_text(shown))

    def progress(self, progress: dict) -> None:
        if progress["epoch"] < progress["epochs"]:
            self.bars.update(self._bar(progress["epoch"]), rate=f"{progress['samples_per_second']:,.0f} samples/s")

    def epoch(self, row: dict) -> None:
        shown = {k: v for k, v in row["logs"].items() if k != "learning_rate"}
        self.bars.update(self._bar(row["epoch"]), completed=self.steps, metrics=_metrics_text(shown))
