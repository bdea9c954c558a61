"""W1 trained in one process by two models in alternating epochs, one with an engine
feature switched off: the ratio of their speeds, pair by pair, shows what the feature
gives even while the shared machine's speed drifts (as it does by 20-30% over minutes).

    PYTHONPATH=. .venv/bin/python -m benchmarks.w1_ab FEATURE [--pairs 40]

FEATURE: program (the whole step as one compiled program, engine/steps/dense_program.py, rather
than run from Python), optimizer-job (an optimizer step's worker part as a compiled job
rather than a Python part) or relu-over-dy (a Dense layer's ReLU gradient written over the
incoming gradient); the last two are features of the step run from Python, so both models
then run it so. Prints the medians and the median and mean of the per-pair ratios (on / off).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import visualnet as vn
from benchmarks import workloads
from visualnet.engine import optimizers
from visualnet.engine.steps import fused
from visualnet.engine.layers import core


def _switch(feature: str):
    """A function turning `feature` on (True) or off (False)."""
    if feature == "program":
        return lambda on: setattr(fused.FusedStep, "programs", on)
    fused.FusedStep.programs = False
    if feature == "optimizer-job":
        fill = optimizers.Optimizer.fill
        return lambda on: setattr(optimizers.Optimizer, "fill", fill if on else lambda self, slots, lo, hi: None)
    if feature == "relu-over-dy":
        return lambda on: setattr(core.Dense, "overwrites_dy", on)
    raise SystemExit(f"unknown feature {feature!r}: program, optimizer-job or relu-over-dy")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("feature")
    ap.add_argument("--pairs", type=int, default=40)
    args = ap.parse_args(argv)
    switch = _switch(args.feature)
    x8, labels, _, _ = workloads.load_mnist()
    x = (x8.reshape(len(x8), -1) / np.float32(255)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[labels]
    models = []
    for _ in range(2):
        m = vn.models.Sequential([vn.Input((784,)), vn.layers.Dense(512, activation="relu"),
                                  vn.layers.Dense(10, activation="softmax")])
        m.compile(optimizer=vn.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
        models.append(m)
    rates = {False: [], True: []}
    for pair in range(args.pairs):
        for on in (False, True) if pair % 2 else (True, False):  # alternate which goes first
            switch(on)
            began = time.perf_counter()
            models[on].fit(x, y, batch_size=128, epochs=1, verbose=0)
            if pair >= 2:  # the first pairs compile and warm up
                rates[on].append(len(x) / (time.perf_counter() - began))
    switch(True)
    fused.FusedStep.programs = True
    ratio = np.array(rates[True]) / np.array(rates[False])
    print(f"{args.feature}: off {np.median(rates[False]):,.0f} samples/s, on {np.median(rates[True]):,.0f}; "
          f"on/off per pair: median {np.median(ratio):.3f}, mean {ratio.mean():.3f} ({len(ratio)} pairs)")


if __name__ == "__main__":
    main()
