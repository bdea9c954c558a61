"""MultiHeadAttention's forward + backward, VisualNet against PyTorch (issue 24):

  self-attention on x (batch 32, 200 steps, d features), d in {32, 64}, 2 or 4 heads of
  d / heads features each (torch.nn.MultiheadAttention's split), with the gradients of the
  input and of every weight; `--mask` hides the last quarter of the keys of every other
  sample (VisualNet: the value's mask; PyTorch: key_padding_mask).

    python -m benchmarks.attention                 # every shape, 7 repetitions
    python -m benchmarks.attention --reps 3 -p visualnet,torch --mask --threads 1

The peers take turns within one process, their order rotating by repetition, so that a load
change on the machine hits both alike; both run on `--threads` threads (PyTorch's intra-op
threads, the OpenBLAS under VisualNet's NumPy; default 2; on a busy machine `fit`'s thread
governor holds OpenBLAS to one). The first call of each (JIT, allocation) is not timed. The
table gives the median milliseconds per forward + backward and VisualNet's ratio to
PyTorch; only ratios of one run mean anything.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

BATCH, STEPS = 32, 200
SHAPES = [(32, 2), (32, 4), (64, 2), (64, 4)]  # (d, heads)
PEERS = ("visualnet", "torch")


class VisualNetPeer:
    def __init__(self, d, heads, x, mask):
        from visualnet import layers

        self.layer = layers.MultiHeadAttention(num_heads=heads, key_dim=d // heads)
        self.layer(x[:1], x[:1])
        self.x, self.mask = x, None if mask is None else [None, mask]  # the value's (keys') mask
        self.dy = np.random.default_rng(1).normal(size=x.shape).astype(np.float32)

    def step(self):
        self.layer.forward([self.x, self.x], True, mask=self.mask)
        self.layer.backward(self.dy)


class TorchPeer:
    def __init__(self, d, heads, x, mask):
        import torch

        self.torch = torch
        self.layer = torch.nn.MultiheadAttention(d, heads, batch_first=True)
        self.x = torch.from_numpy(x).requires_grad_(True)
        self.mask = None if mask is None else torch.from_numpy(~mask)  # True: hidden
        self.dy = torch.from_numpy(np.random.default_rng(1).normal(size=x.shape).astype(np.float32))

    def step(self):
        self.layer.zero_grad(set_to_none=True)
        self.x.grad = None
        y, _ = self.layer(self.x, self.x, self.x, key_padding_mask=self.mask, need_weights=False)
        y.backward(self.dy)


def run(peers, reps, with_mask, threads) -> list[dict]:
    import torch

    from visualnet.engine.runtime.blas import openblas

    lib = openblas()
    if lib.set is None:
        raise SystemExit("the OpenBLAS under NumPy was not found: its threads cannot be set")
    lib.set(threads)
    torch.set_num_threads(threads)
    rows = []
    for d, heads in SHAPES:
        x = np.random.default_rng(0).normal(size=(BATCH, STEPS, d)).astype(np.float32)
        mask = None
        if with_mask:
            mask = np.ones((BATCH, STEPS), bool)
            mask[::2, STEPS * 3 // 4:] = False
        made = {p: (VisualNetPeer if p == "visualnet" else TorchPeer)(d, heads, x, mask) for p in peers}
        for peer in made.values():
            peer.step()  # not timed
        times = {p: [] for p in peers}
        for r in range(reps):
            for p in peers[r % len(peers):] + peers[:r % len(peers)]:
                t = time.perf_counter()
                made[p].step()
                times[p].append(time.perf_counter() - t)
        rows.append({"d": d, "heads": heads, **{p: statistics.median(times[p]) * 1000 for p in peers}})
    return rows


def table(rows, peers) -> str:
    head = "| d | heads | " + " | ".join(f"{p} ms" for p in peers) + (" | VisualNet / PyTorch |" if len(peers) > 1
                                                                       else " |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        cells = [str(r["d"]), str(r["heads"]), *(f"{r[p]:.1f}" for p in peers)]
        if "visualnet" in peers and "torch" in peers:
            cells.append(f"{r['visualnet'] / r['torch']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("-p", "--peers", default=",".join(PEERS))
    ap.add_argument("--mask", action="store_true", help="a padding mask on the keys and queries")
    ap.add_argument("--threads", type=int, default=2, help="threads of each peer (default 2)")
    args = ap.parse_args(argv)
    peers = [p for p in args.peers.split(",") if p]
    unknown = set(peers) - set(PEERS)
    if unknown:
        raise SystemExit(f"unknown peers {sorted(unknown)}; known: {', '.join(PEERS)}")
    print(f"MultiHeadAttention forward + backward, batch {BATCH}, {STEPS} steps, self-attention"
          f"{', padding mask' if args.mask else ''}, {args.threads} thread(s); median of {args.reps}")
    print(table(run(peers, args.reps, args.mask, args.threads), peers))


if __name__ == "__main__":
    main()
