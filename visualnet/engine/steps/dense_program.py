"""A stack of Dense layers' training step as one compiled program (runtime/program.py).

From Python, a Dense model's step makes a few dozen kernel calls, splits and their
hand-overs, and the views and checks between them, whose interpreter cost is a sizeable
share of a small model's step (figures: benchmarks/RESULTS.md). For a model that is a
chain of Dense layers ending in an activation its loss fuses with, the step is written
once per batch shape as a program of the same kernels, in the same order, split the same
way (kernels/dense.py's `products`), so training is bit-identical to the step
run from Python (tests/engine/test_dense_program.py). A Flatten first (a view of the
input rows) and Dropout after a hidden Dense layer (its numbers drawn in Python before the
program runs, in the layer's order, and applied by a job: kernels/dropout.py) are part of
the chain. Anything else in the model or its
compile settings (other layers, clipping, a metric without a compiled count, more than
two cores' parts, weight regularizers or constraints, which add to the gradients and
follow the optimizer step) leaves the step to Python.
"""

from __future__ import annotations

import logging

import numpy as np

from ..layers.core import Dense, Dropout, Flatten
from ..kernels import dense, dropout, gemm
from ..rng import global_rng
from ..penalties import has_constraints, has_weight_penalties
from ..runtime import fpmode, program
from ..runtime.split import layer_parts
from .. import activations

_LINEAR = activations.get("linear")
log = logging.getLogger(__name__)


class DenseProgram:
    """The step of `fast` (a FusedStep) as programs, one per (rows, side, parts), made on
    first use; `__call__` runs one, or returns None where none can be made."""

    def __init__(self, fast, layers, drops):
        self.fast, self.layers = fast, layers
        rows = fast.batch_size
        self.drops = drops  # per Dense layer: the Dropout after it, or None
        self.uniforms = [None if d is None else np.empty((rows, layer.values["kernel"].shape[1]), np.float32)
                         for layer, d in zip(layers, drops)]  # the Dropouts' draws
        self.dropped = [None if d is None else np.empty_like(u) for d, u in zip(drops, self.uniforms)]
        self.mask_params = [None if d is None else dropout.mask_params(d.config["rate"]) for d in drops]
        self.z = [np.empty((rows, layer.values["kernel"].shape[1]), np.float32) for layer in layers]
        self.y = np.empty_like(self.z[-1])  # the output activation's
        self.dx = [np.empty((rows, layer.values["kernel"].shape[0]), np.float32) for layer in layers]
        self.scalars = np.zeros(2, np.float32)  # the loss kernel's scale and sum
        self.counts = [np.zeros(1, np.float64) for _ in fast.updates]
        self.next_idx = np.empty(rows, np.int64)
        self.tables: dict = {}
        self._keep: list = []  # scratch arrays the programs name
        self._optimizer = fast.model.compiled.optimizer
        self.runner = program.Runner()

    @classmethod
    def build(cls, fast):
        """A DenseProgram for `fast`'s model, or None if it is not a chain of Dense layers
        trained in a way programs cover."""
        model = fast.model
        ex, optimizer = model._executor, model.compiled.optimizer
        if not program.available() or not gemm.AVAILABLE or fast.slow_metrics or not optimizer.runs_as_jobs \
                or len(ex.input_ids) != 1 or len(fast.xs) != 1 or fast.xs[0].dtype != np.float32 \
                or has_constraints(model) or has_weight_penalties(model):
            return None
        layers, drops, previous, plan = [], [], ex.input_ids[0], list(ex._forward_plan)
        if plan and type(plan[0][1]) is Flatten and plan[0][2] == (previous,):
            previous = plan.pop(0)[0]
        elif fast.xs[0].ndim != 2:
            return None
        for node, layer, parents in plan:
            if parents != (previous,):
                return None
            if type(layer) is Dropout and layers and drops[-1] is None and 0 < layer.config["rate"] < 1 \
                    and layer.config.get("noise_shape") is None:
                drops[-1] = layer
            elif type(layer) is Dense and layer.values["kernel"].dtype == np.float32:
                layers.append(layer)
                drops.append(None)
            else:
                return None
            previous = node
        if not layers or previous != ex.output_id or drops[-1] is not None or not model._store.sizes or not all(
                layer.act.is_linear or layer.act.in_place for layer in layers[:-1]):
            return None
        return cls(fast, layers, drops)

    def __call__(self, n: int, side: int, ahead) -> tuple[float, bool] | None:
        """Train on the batch of n rows in the fast step's buffers `side`; `ahead`: the next
        batch's indices, gathered into the other buffers meanwhile where that applies.
        Returns (the loss, whether `ahead` was gathered), or None (run the step in Python).
        Between calls with an `ahead`, the worker stays held (`close` gives it back)."""
        fast = self.fast
        optimizer = fast.model.compiled.optimizer
        if optimizer is not self._optimizer:  # recompiled: the programs name the old state
            self.tables.clear()
            self._optimizer = optimizer
        key = (n, side, layer_parts() or 1)
        entry = self.tables.get(key, False)
        if entry is False:
            try:
                entry = self._program(n, side, key[2]) if key[2] <= 2 else None
            except program.Unsupported as why:
                log.debug("a step of %d rows runs from Python: %s", n, why)
                entry = None
            self.tables[key] = entry
        if entry is None:
            return None
        table, gather_row, _, scale = entry
        gathers = False
        if gather_row is not None:
            gathers = ahead is not None and not isinstance(ahead, slice) and len(ahead) <= len(self.next_idx) \
                and fast.gather_into(side ^ 1).takes(len(ahead))
            if gathers:
                self.next_idx[:len(ahead)] = ahead
            table[gather_row, 0] = program.WORKER if gathers else program.SKIP
            table[gather_row, 1 + 2] = len(ahead) if gathers else 0
        store = fast.model._store
        self.scalars[0] = scale
        for layer, u in zip(self.drops, self.uniforms):   # as each Dropout draws in its forward
            if layer is not None:
                (layer._rng or global_rng()).random(dtype=np.float32, out=u[:n])
        optimizer.begin_step(store.trainable, store.grads)
        self.runner.run(table, keep=ahead is not None)
        optimizer.iterations += 1
        for update, count in zip(fast.updates, self.counts):
            update.add(float(count[0]), n)
        return fast.kernel.reduce(self.scalars[1], scale), gathers

    def close(self) -> None:
        """Give back the worker held between steps (the loop ended or pauses)."""
        self.runner.close()

    def _program(self, n, side, parts):
        """(table, the gather's row or None, the rows' labels, the loss scale) for a batch
        of n rows in buffers `side`."""
        fast, p = self.fast, program.Program(fpmode.flushing())
        x, t, dz, y = fast.x_bufs[side][0][:n].reshape(n, -1), fast.t_bufs[side][:n], fast.dz[:n], self.y[:n]
        inputs, a = [], x
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            kernel, bias = layer.values["kernel"], layer.values.get("bias") if layer.config["use_bias"] else None
            if dense.is_small(n, *kernel.shape):
                raise program.Unsupported("a product small enough for Dense's loops")
            z = self.z[i][:n]
            count = dense.partial_sums(n, *kernel.shape)
            self._matmul(p, a, kernel, z, self._scratch((count, n, z.shape[1])) if count else None, f"layer {i} z = x @ W")
            out = y if i == last else z
            if bias is not None or not layer.act.is_linear or i == last:
                p.main(lambda s, act=layer.act, z=z, bias=bias, out=out: act.fill_bias_forward(s, z, bias, out),
                       f"layer {i} bias, {layer.act.name}")
            inputs.append(a)
            a = out
            if self.drops[i] is not None:
                a = self._dropout(p, i, out, self.dropped[i][:n], n, "forward")
        gather_row = None
        if parts > 1 and fast.gather_into(side ^ 1).applies(self.next_idx):
            gather_row = p.worker_early(lambda s: fast.gather_into(side ^ 1).fill(s, self.next_idx, 0),
                                        "gather the next batch")
        p.main(lambda s: fast.kernel.fill(s, t, y, dz, self.scalars), "loss and dL/dz")
        for update, count in zip(fast.updates, self.counts):
            p.main(lambda s, update=update, count=count: update.fill(s, t, y, count), f"{update.metric.name}")
        g = dz
        lowest = min(i for i, layer in enumerate(self.layers) if layer.trainable)  # frozen below: no gradient
        for i in reversed(range(lowest, len(self.layers))):
            layer = self.layers[i]
            learns = layer.trainable
            kernel = layer.values["kernel"]
            bias_grad = layer.grads.get("bias") if layer.config["use_bias"] and learns else None
            act = _LINEAR if i == last else layer.act  # the output layer's is fused into the loss
            if bias_grad is not None or not act.is_linear:
                p.main(lambda s, act=act, z=self.z[i][:n], g=g, db=bias_grad: act.fill_bias_backward(s, z, z, g, db),
                       f"layer {i} {act.name} gradient, bias gradient")
            if learns:
                self._matmul_tn(p, inputs[i], g, layer.grads["kernel"], f"layer {i} dW = x.T @ dz")
            if i > lowest:
                dx = self.dx[i][:n]
                self._matmul(p, g, kernel.T, dx, None, f"layer {i} dx = dz @ W.T")
                g = dx
                if self.drops[i - 1] is not None:
                    self._dropout(p, i - 1, g, g, n, "gradient")
        store, optimizer = fast.model._store, fast.model.compiled.optimizer
        optimizer.begin_step(store.trainable, store.grads)  # its fill needs the vectors' addresses
        edges = optimizer.part_edges(store.trainable.size)
        if len(edges) > 3:
            raise program.Unsupported("more than two parts")
        name = type(optimizer).__name__
        if len(edges) == 3:
            p.worker(lambda s: optimizer.fill(s, edges[1], edges[2]), f"{name} part 1")
        p.main(lambda s: optimizer.fill(s, edges[0], edges[1]), f"{name} part 0")
        return p.table(), gather_row, p.labels, fast.kernel.scale(n)

    def _dropout(self, p, i, x, out, n, what):
        """`out = x * mask` of the Dropout after layer i, as a job; returns `out`."""
        p.main(lambda s: dropout.fill_dropout(s, x, self.uniforms[i][:n], out, self.mask_params[i]),
               f"layer {i} dropout {what}")
        return out

    def _matmul(self, p, a, b, out, partials, label):
        """`dense.matmul(a, b, out, partials)` as jobs."""
        if dense.packs_b(b):
            packed = self._scratch(b.shape)
            p.main(lambda s, b=b: gemm.fill_copy(s, b, packed), f"{label}: copy W.T")
            b = packed
        parts, sums = dense.products(a, b, out, partials)
        self._parts(p, parts, label)
        for partial in sums:
            p.main(lambda s, partial=partial: dense.fill_add(s, out, partial), f"{label}: add the partial sum")

    def _matmul_tn(self, p, a, b, out, label):
        """`dense.matmul_tn(a, b, out)` as jobs."""
        if dense.transposes_tn(a, b, out):
            t = self._scratch((b.shape[1], a.shape[1]))
            p.main(lambda s: gemm.fill_2d(s, b.T, a, t), f"{label} (as dz.T @ x)")
            p.main(lambda s: gemm.fill_copy(s, t.T, out), f"{label}: copy transposed")
        else:
            self._parts(p, dense.products_tn(a, b, out), label)

    def _parts(self, p, parts, label):
        if len(parts) > 2:
            raise program.Unsupported("more than two parts")
        if len(parts) == 2:
            p.worker(lambda s: dense.fill_product(s, *parts[1]), f"{label} part 1")
        p.main(lambda s: dense.fill_product(s, *parts[0]), f"{label}" + (" part 0" if len(parts) == 2 else ""))
        p.wait()

    def _scratch(self, shape):
        array = np.empty(shape, np.float32)
        self._keep.append(array)
        return array
