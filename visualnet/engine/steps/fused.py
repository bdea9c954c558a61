"""fit()'s fast path for unweighted batches whose loss fuses with the output activation."""

from __future__ import annotations

import numpy as np

from .. import metrics as metrics_mod
from ..penalties import has_weight_penalties, weight_penalty
from .dense_program import DenseProgram
from .python import apply_gradients
from ..runtime import gather, workers
from ..runtime.split import layer_parts


class FusedStep:
    """One training step, prepared once per fit: the targets are checked and converted once
    (on the first batch, raising what the per-batch path would), batches are gathered into
    two sets of buffers reused from batch to batch, the loss and dL/dz come from one
    compiled kernel, and the accuracy metrics count matches in one kernel each. Per batch,
    nothing but the layers' own work is left in Python.

    Given the next batch's indices (`ahead`), a step inside `layer_parallel` has a worker
    gather that batch into the other buffers while it runs its serial part (runtime/gather.py).
    A chain of Dense layers runs the whole step as one compiled program (dense_program.py)."""

    programs = True  # whether steps may run as compiled programs (off: every step in Python)

    def __init__(self, model, kernel, xs, y, batch_size, updates, slow_metrics):
        self.model, self.kernel, self.xs, self.y = model, kernel, xs, y
        self.updates, self.slow_metrics = updates, slow_metrics
        self.pred_shape = (len(y), *model.output_shape[1:])
        self.t = None
        batch_size = max(1, min(batch_size, len(y)))  # buffers for no more samples than there are (as Keras)
        self.batch_size = batch_size
        self.x_bufs = [[np.empty((batch_size, *a.shape[1:]), a.dtype) for a in xs] for _ in range(2)]
        self.dz = np.empty((batch_size, *self.pred_shape[1:]), np.float32)
        self.t_bufs = self.y_buf = None
        self.side = 0  # the buffers this step gathers into
        self.ahead = None  # the indices a worker is gathering into the other buffers
        self.gathers = None  # gather.Ahead into each set of buffers, made on first use
        self.program = DenseProgram.build(self) if self.programs else None
        self.penalized = has_weight_penalties(model)  # weight regularizers: added to the loss and gradients

    @classmethod
    def build(cls, model, xs, y, weights, batch_size):
        c = model.compiled
        if weights is not None:
            return None
        act = model._layers_by_id[model._output_id].output_activation
        kernel = c.loss_fn.fused_kernel(act, (len(y), *model.output_shape[1:])) if act else None
        if kernel is None:
            return None
        updates, slow = [], []
        for m in c.metrics:
            u = metrics_mod.fast_update(m, kernel.sparse)
            (updates.append(u) if u is not None else slow.append(m))
        return cls(model, kernel, xs, y, batch_size, updates, slow)

    def _gather(self, a, idx, buf, n):
        if not isinstance(idx, slice):
            return np.take(a, idx, axis=0, out=buf[:n], mode="clip")
        if self.program is None:
            return a[idx]
        buf[:n] = a[idx]  # a program reads the buffers
        return buf[:n]

    def _gathered(self, idx) -> bool:
        """Whether batch `idx` was gathered ahead (into the buffers `side` now names)."""
        if self.ahead is None:
            return False
        workers.settle()
        ahead, self.ahead = self.ahead, None
        self.side ^= 1
        return ahead is idx or np.array_equal(ahead, idx)  # fit passes the same array; a session an equal one

    def _batch(self, idx, n):
        """The inputs and targets of batch `idx`: gathered ahead, or now."""
        if self._gathered(idx):
            return [buf[:n] for buf in self.x_bufs[self.side]], self.t_bufs[self.side][:n]
        xb = [self._gather(a, idx, buf, n) for a, buf in zip(self.xs, self.x_bufs[self.side])]
        return xb, self._gather(self.t, idx, self.t_bufs[self.side], n)

    def gather_into(self, side: int) -> gather.Ahead:
        """The gather of a batch into buffers `side` (made on first use)."""
        if self.gathers is None:
            self.gathers = [gather.Ahead([*self.xs, self.t], [*self.x_bufs[s], self.t_bufs[s]]) for s in (0, 1)]
        return self.gathers[side]

    def _gather_ahead(self, idx) -> None:
        """Start gathering batch `idx` into the other buffers on a worker, where that pays."""
        if isinstance(idx, slice) or (layer_parts() or 1) < 2:
            return
        ahead = self.gather_into(self.side ^ 1)
        if ahead.applies(idx) and ahead.post(idx):
            self.ahead = idx

    def close(self) -> None:
        """Wait for a gather still running ahead and give back a worker held between
        steps (the loop ended, pauses or raised)."""
        if self.program is not None:
            self.program.close()
        if self.ahead is not None:
            self.ahead = None
            workers.settle()

    def __call__(self, idx, n, ahead=None) -> float:
        """Train on batch `idx` (n samples); `ahead`: the next batch's indices, or None."""
        if self.t is None:
            self.t = self.kernel.targets(self.y, self.pred_shape)
            self.t_bufs = [np.empty((self.batch_size, *self.t.shape[1:]), self.t.dtype) for _ in range(2)]
            if self.slow_metrics:
                self.y_buf = np.empty((self.batch_size, *self.y.shape[1:]), self.y.dtype)
        if self.program is not None:
            if not self._gathered(idx):
                for a, buf in zip(self.xs, self.x_bufs[self.side]):
                    self._gather(a, idx, buf, n)
                self._gather(self.t, idx, self.t_bufs[self.side], n)
            done = self.program(n, self.side, ahead)
            if done is not None:
                loss_value, gathered = done
                if gathered:
                    self.ahead = ahead
                return loss_value
            xb, tb = [buf[:n] for buf in self.x_bufs[self.side]], self.t_bufs[self.side][:n]
        else:
            xb, tb = self._batch(idx, n)
        ex = self.model._executor
        y_pred = ex.forward(xb, training=True)
        if ahead is not None:
            self._gather_ahead(ahead)  # the worker gathers while this thread runs the serial part
        dz = self.dz[:n]
        loss_value = self.kernel(tb, y_pred, dz, n)
        ex.backward(dz, fused_activation=True)
        for update in self.updates:
            update(tb, y_pred)
        if self.slow_metrics:
            yb = self._gather(self.y, idx, self.y_buf, n)
            for m in self.slow_metrics:
                m.update_state(yb, y_pred)
        if self.penalized:   # Keras's model.losses: the regularizers' penalties, their gradients added
            loss_value += weight_penalty(self.model, gradients=True)
        apply_gradients(self.model)
        return loss_value
