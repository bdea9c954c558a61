"""Where W1's training step goes, inside `fit`, per step: the cycles of each row of the
compiled program the step runs (engine/steps/dense_program.py; a worker row's figure is its
post, a wait's the time this thread waited for the worker), or with `--python` the step run
from Python, with timers around the Dense products and the optimizer step (this thread's
part and its wait for the worker's part shown apart).

    PYTHONPATH=. .venv/bin/python -m benchmarks.w1_phases [--python] [--parts 1]

`--parts 1` runs every product on this thread (no split), to see what the second core adds.
The Python timers cost about a microsecond each; compare runs, not absolute figures.
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np

import visualnet as vn
from benchmarks import workloads
from visualnet.engine import optimizers
from visualnet.engine.steps import dense_program, fused
from visualnet.engine.kernels import dense
from visualnet.engine.runtime import program, split, workers


def _instrument_programs(totals):
    """Time each program row, under its label (summed over the batch shapes' programs)."""
    labels, cycles = {}, {}
    build, run = dense_program.DenseProgram._program, program.Runner.run

    def built(self, n, side, parts):
        entry = build(self, n, side, parts)
        labels[id(entry[0])], cycles[id(entry[0])] = entry[2], np.zeros(len(entry[0]), np.int64)
        return entry

    def timed_run(self, table, keep=False, _=None):
        run(self, table, keep, cycles[id(table)])

    dense_program.DenseProgram._program, program.Runner.run = built, timed_run
    rate = program.cycles_per_second()

    def collect():
        totals.clear()
        for key, rows in labels.items():
            for i, label in enumerate(rows):
                totals[f"{i:2d} {label}"] += cycles[key][i] / rate
            cycles[key][:] = 0
    return collect


def _instrument(totals):
    current = ["step"]

    def timed(owner, name, label):
        original = getattr(owner, name)

        def call(*args, **kwargs):
            outer, current[0] = current[0], label(args)
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[current[0]] += time.perf_counter() - began
                current[0] = outer
        setattr(owner, name, call)

    def part(owner, name, suffix):
        original = getattr(owner, name)

        def call(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[f"{current[0]} {suffix}"] += time.perf_counter() - began
        setattr(owner, name, call)

    timed(dense, "matmul", lambda a: f"a @ b  {a[0].shape} @ {a[1].shape}")
    timed(dense, "matmul_tn", lambda a: f"a.T @ b {a[0].shape}.T @ {a[1].shape}")
    timed(optimizers.Optimizer, "apply", lambda a: "optimizer step")
    part(split, "_run", "(this thread's part)")
    part(workers.Worker, "collect", "(wait for the worker)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", type=int, default=None, help="force this many parts (default: the cores)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--python", action="store_true", help="the step run from Python, not as a program")
    args = ap.parse_args(argv)
    fused.FusedStep.programs = not args.python
    if args.parts is not None:
        set_parts = split.layer_parallel.set
        split.layer_parallel.set = staticmethod(lambda n: set_parts(args.parts))
    x, y, _, _ = workloads.load_mnist()
    x = (x.reshape(len(x), -1) / 255).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[y]
    model = vn.models.Sequential([vn.Input((784,)), vn.layers.Dense(512, activation="relu"),
                                  vn.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=vn.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)         # compiles, warms up
    totals = collections.defaultdict(float)
    collect = (lambda: None) if args.python else _instrument_programs(totals)
    if args.python:
        _instrument(totals)
    steps = -(-len(x) // 128) * 2
    for _ in range(args.repeats):
        totals.clear()
        began = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=2, verbose=0)
        seconds = time.perf_counter() - began
        collect()
        print(f"step {seconds / steps * 1e6:,.0f} us ({2 * len(x) / seconds:,.0f} samples/s), per step in us:")
        for key, total in sorted(totals.items()):
            if not total and not args.python:
                continue
            print(f"  {total / steps * 1e6:7,.0f}  {key}")


if __name__ == "__main__":
    main()
