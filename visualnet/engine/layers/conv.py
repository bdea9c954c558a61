"""Conv2D (channels last), on the engine's im2col + BLAS kernels."""

from __future__ import annotations

from ..ops.conv import conv2d_backward, conv2d_forward
from .core import _Activated


class Conv2D(_Activated):
    layer_type = "Conv2D"
    positional = ("filters", "kernel_size", "strides", "padding")
    unsupported = {"data_format": (None, "channels_last"), "dilation_rate": ((1, 1), 1, [1, 1]), "groups": (1,),
                   "kernel_regularizer": (None,), "bias_regularizer": (None,), "activity_regularizer": (None,),
                   "kernel_constraint": (None,), "bias_constraint": (None,), "lora_rank": (None,)}

    def forward(self, inputs, training):
        bias = self.values["bias"] if self.config["use_bias"] else None
        z, self._ctx = conv2d_forward(inputs[0], self.values["kernel"], bias, self.config["strides"],
                                      self.config["padding"])
        return self._activate(z)

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = self._activation_grad(dy, skip_activation)
        dx, dkernel, dbias = conv2d_backward(dz, self._ctx, need_dx=need_dx)
        self.grads["kernel"][...] = dkernel
        if self.config["use_bias"]:
            self.grads["bias"][...] = dbias
        return [dx]
