"""Keras's GRU on the recurrent layers' shared base (layers/recurrent.py: input projection,
dropout, masks, go_backwards, states; kernels/recurrent.py's compiled steps)."""

from __future__ import annotations

import numpy as np

from ..kernels import recurrent as compiled
from .recurrent import _Recurrent, _matmul


class GRU(_Recurrent):
    """Keras's GRU: gates z, r, h; h_t = z h_(t-1) + (1 - z) hh. With reset_after (Keras 3's
    default) hh = activation(x_h + r (h_(t-1) · R_h + b_rh)) and the bias is (2, 3*units):
    input bias, recurrent bias; otherwise hh = activation(x_h + (r h_(t-1)) · R_h) and one bias."""

    layer_type = "GRU"
    gates = 3

    def _input_bias(self):
        if not self.config["use_bias"]:
            return None
        b = self.values["bias"]
        return b[0] if self.config["reset_after"] else b

    def _input_bias_grad(self):
        g = self.grads["bias"]
        return g[0] if self.config["reset_after"] else g

    def _steps(self, xw, training):
        steps, n, k = xw.shape
        u = k // 3
        rk = self.values["recurrent_kernel"]
        after = self.config["reset_after"]
        rbias = self.values["bias"][1] if after and self.config["use_bias"] else None
        dtype = xw.dtype
        fast = self._compile(xw, training)
        slots = self._slots[0]
        self._pre = np.empty((slots, n, k), dtype)      # pre-activations of z, r, hh
        self._gs = np.empty((slots, n, k), dtype)       # z, r, hh
        self._rh = np.empty((slots, n, u), dtype)  # reset_after: h_(t-1) · R_h (+ b); else r h_(t-1)
        hs = self._hs = np.empty((self._slots[1], n, u), dtype)
        if fast:
            act, rec, keep, masked, tiles = self._kargs
            rk_main = np.ascontiguousarray(rk if after else rk[:, :2 * u])
            rbias_arg = np.zeros(0, dtype) if rbias is None else np.ascontiguousarray(rbias)
            compiled.gru_forward(xw, rk_main, np.ascontiguousarray(rk[:, 2 * u:]), rbias_arg, rbias is not None,
                                 after, self._h0, keep, masked, act, rec, tiles, self._pre, self._gs, self._rh, hs)
            return hs
        h = self._h0
        ra, act = self.rec_act, self.act
        for t in range(steps):
            pre, g = self._pre[t], self._gs[t]
            if after:
                inner = h @ rk
                if rbias is not None:
                    inner += rbias
                pre[:, :2 * u] = xw[t, :, :2 * u] + inner[:, :2 * u]
                g[:, :2 * u] = ra.forward(pre[:, :2 * u])
                self._rh[t] = inner[:, 2 * u:]
                pre[:, 2 * u:] = xw[t, :, 2 * u:] + g[:, u:2 * u] * inner[:, 2 * u:]
            else:
                pre[:, :2 * u] = xw[t, :, :2 * u] + h @ rk[:, :2 * u]
                g[:, :2 * u] = ra.forward(pre[:, :2 * u])
                rh = self._rh[t] = g[:, u:2 * u] * h
                pre[:, 2 * u:] = xw[t, :, 2 * u:] + rh @ rk[:, 2 * u:]
            g[:, 2 * u:] = act.forward(pre[:, 2 * u:])
            z = g[:, :u]
            h_new = z * h + (1 - z) * g[:, 2 * u:]
            h = hs[t] = h_new if self._keep is None else np.where(self._keep[t], h_new, h)
        return hs

    def _bptt(self, dhs):
        steps, n, u = self._hs.shape
        rk = self.values["recurrent_kernel"]
        after = self.config["reset_after"]
        ra, act = self.rec_act, self.act
        dxw = np.empty_like(self._pre)
        # the gradient of each step's recurrent product (reset_after: of h_(t-1) · R + b; else of
        # h_(t-1) · R_zr and of (r h_(t-1)) · R_h): the kernel's gradient takes them all at once
        dinner = self._dinner = np.empty_like(self._pre)
        if self._kargs is not None:
            act, rec, keep, masked, tiles = self._kargs
            rk_t = np.ascontiguousarray((rk if after else rk[:, :2 * u]).T)
            compiled.gru_backward(self._pre, self._gs, self._rh, self._hs, self._h0, dhs, after, keep, masked, act,
                                  rec, rk_t, np.ascontiguousarray(rk[:, 2 * u:].T), tiles, dxw, dinner, self._dh0)
            return dxw
        dh_next = np.zeros((n, u), self._hs.dtype)
        for t in range(steps - 1, -1, -1):
            pre, g = self._pre[t], self._gs[t]
            z, r, hh = g[:, :u], g[:, u:2 * u], g[:, 2 * u:]
            h_prev = self._hs[t - 1] if t else self._h0
            dh = dhs[t] + dh_next
            if self._keep is not None:   # a masked step passes the state's gradient to the step before
                carry, dh = np.where(self._keep[t], 0, dh), np.where(self._keep[t], dh, 0)
            d = dxw[t]
            d[:, 2 * u:] = dah = act.backward(pre[:, 2 * u:], hh, dh * (1 - z))
            d[:, :u] = ra.backward(pre[:, :u], z, dh * (h_prev - hh))
            dh_prev = dh * z
            di = dinner[t]
            if after:
                d[:, u:2 * u] = ra.backward(pre[:, u:2 * u], r, dah * self._rh[t])
                di[:, :2 * u] = d[:, :2 * u]
                di[:, 2 * u:] = dah * r
                dh_prev += di @ rk.T
            else:
                drh = dah @ rk[:, 2 * u:].T
                d[:, u:2 * u] = ra.backward(pre[:, u:2 * u], r, drh * h_prev)
                di[...] = d
                dh_prev += drh * r
                dh_prev += d[:, :2 * u] @ rk[:, :2 * u].T
            dh_next = dh_prev if self._keep is None else dh_prev + carry
        self._dh0[...] = dh_next
        return dxw

    def _recurrent_grad(self, h_prev, dz):
        steps, n, k = self._dinner.shape
        u = k // 3
        dinner = self._dinner.reshape(steps * n, k)
        grad = self.grads["recurrent_kernel"]
        if self.config["reset_after"]:
            _matmul(h_prev.T, dinner, grad)
            if self.config["use_bias"]:
                self.grads["bias"][1] = dinner.sum(axis=0)
        else:
            _matmul(h_prev.T, dinner[:, :2 * u], grad[:, :2 * u])
            _matmul(self._rh.reshape(steps * n, u).T, dinner[:, 2 * u:], grad[:, 2 * u:])
