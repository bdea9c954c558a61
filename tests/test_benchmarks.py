"""The issue-3 benchmark: its FLOP counts, and one quick end-to-end run of the harness
(worker processes, the JSON protocol, the markdown table) on VisualNet alone; the issue-22
sequence workloads (benchmarks/sequences.py): their windows, table and one worker."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.workloads import WORKLOADS, flops, layer_macs

ROOT = Path(__file__).resolve().parents[1]


def test_flops_count_the_products_a_framework_must_do():
    train, infer = flops(WORKLOADS["W1"])
    macs = 784 * 512 + 512 * 10
    assert infer == 2 * macs
    assert train == 2 * macs + 2 * macs + 2 * 512 * 10  # forward, weight grads, input grad of layer 2 only


def test_convolution_macs_are_the_direct_products():
    assert layer_macs(WORKLOADS["W4"])[:3] == [("conv", 26 * 26 * 9 * 1 * 64), ("conv", 24 * 24 * 9 * 64 * 64),
                                               ("conv", 10 * 10 * 9 * 64 * 128)]


@pytest.mark.slow
def test_a_quick_run_writes_the_table(tmp_path):
    md = tmp_path / "results.md"
    run = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "-w", "W3", "-p", "visualnet",
                          "--no-gil", "--predict-reps", "2", "--markdown", str(md)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    text = md.read_text(encoding="utf-8")
    rows = {line.split("|")[2].strip(): line for line in text.splitlines() if line.startswith("| W3 |")}
    assert {"train samples/s ↑", "inference samples/s ↑", "peak RSS MB ↓"} <= set(rows)
    peak_line = next(line for line in text.splitlines() if "float32 matmul peak" in line)
    assert "NumPy's BLAS" in peak_line and "VisualNet's kernels.gemm" in peak_line
    assert float(rows["train samples/s ↑"].split("|")[3].replace(",", "")) > 0
    seeds = text.split("W3 VisualNet ")[1].split("(")[1].split(")")[0].split("/")
    assert len(seeds) == WORKLOADS["W3"].accuracy_seeds
    assert all(0 <= float(a) <= 100 for a in seeds)


def test_w1_ab_switches_each_feature_off_and_back_on():
    from benchmarks import w1_ab
    from visualnet.engine import optimizers
    from visualnet.engine.steps import fused
    from visualnet.engine.layers import core

    switch = w1_ab._switch("program")
    switch(False)
    assert fused.FusedStep.programs is False
    switch(True)
    assert fused.FusedStep.programs is True
    fill = optimizers.Optimizer.fill
    switch = w1_ab._switch("optimizer-job")
    switch(False)
    assert optimizers.Optimizer.fill is not fill
    switch(True)
    assert optimizers.Optimizer.fill is fill
    switch = w1_ab._switch("relu-over-dy")
    switch(False)
    assert core.Dense.overwrites_dy is False
    switch(True)
    assert core.Dense.overwrites_dy is True
    assert fused.FusedStep.programs is False  # the Python step's features: compared without programs
    fused.FusedStep.programs = True
    with pytest.raises(SystemExit, match="unknown feature"):
        w1_ab._switch("no-such-feature")


def test_sequence_workloads_hold_the_issue_22_windows():
    from benchmarks import sequences

    w5 = sequences.review_windows()
    assert w5["x"].shape == (8000, 100) and w5["xt"].shape == (2000, 100) and w5["y"].shape == (8000, 1)
    assert w5["x"].max() < 10002 and w5["x"].min() >= 1  # whole windows of words: no padding
    assert 0.3 < w5["y"].mean() < 0.7
    w6 = sequences.temperature_windows()
    assert w6["x"].shape[1:] == (30, 1) and len(w6["x"]) + len(w6["xt"]) == 3650 - 30
    row = dict(train=2.0, infer=4.0, rss=100.0, first=1.0, quality=70.0)
    text = sequences.table({"W5": {"visualnet": [row], "torch": [dict(row, train=1.0, quality=60.0)]}},
                           ["visualnet", "torch"])
    assert "| W5 | train samples/s ↑ | 2 | 1 | 2.00x |" in text and "+10.00" in text


@pytest.mark.slow
def test_a_sequence_worker_reports_its_measures(tmp_path):
    import numpy as np

    from benchmarks import sequences

    path = tmp_path / "W6.npz"
    np.savez(path, **sequences.temperature_windows())
    run = subprocess.run([sys.executable, "-m", "benchmarks.sequences", "--worker", "visualnet", "W6", str(path), "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert set(result) == {"train", "infer", "rss", "first", "quality"} and result["train"] > 0
    assert result["quality"] < 5  # mean absolute error in degrees
