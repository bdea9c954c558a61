"""The three peers, each building a workload's network the way its users would.

Every peer offers the same small interface to the worker:
  train(x, y, epochs, on_epoch_end)  one fit of `epochs` epochs; on_epoch_end(i, seconds)
                                     is called after each epoch (and may block: the
                                     orchestrator interleaves the peers epoch by epoch)
  predict(x) -> class scores         over the whole array, in the workload's batch size
VisualNet and Keras share one builder (VisualNet's API is Keras's); PyTorch is a plain,
idiomatic loop: tensor slicing by a random permutation, no DataLoader, and the loss and
accuracy accumulated every batch as the others' fit loops do.
"""

from __future__ import annotations

import time

import numpy as np


def _keras_like_model(api, w, seed):
    L = api.layers
    api.utils.set_random_seed(seed)
    stack = [L.Input(w.input_shape)]
    for layer in w.layers:
        kind = layer[0]
        if kind == "dense":
            stack.append(L.Dense(layer[1], activation=layer[2]))
        elif kind == "conv":
            stack.append(L.Conv2D(layer[1], layer[2], activation=layer[3]))
        elif kind == "pool":
            stack.append(L.MaxPooling2D(layer[1]))
        elif kind == "flatten":
            stack.append(L.Flatten())
        elif kind == "gap":
            stack.append(L.GlobalAveragePooling2D())
    model = api.models.Sequential(stack)
    model.compile(optimizer=api.optimizers.Adam(learning_rate=1e-3), loss=w.loss, metrics=["accuracy"])
    return model


class _KerasLike:
    """fit/predict through the Keras API (VisualNet's or Keras's own)."""

    api = None

    def __init__(self, w, seed):
        self.w = w
        self.model = _keras_like_model(self.api, w, seed)

    def train(self, x, y, epochs, on_epoch_end):
        class Pacer(self.api.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self._t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                on_epoch_end(epoch, time.perf_counter() - self._t0)

        self.model.fit(x, y, batch_size=self.w.batch_size, epochs=epochs, shuffle=True, verbose=0,
                       callbacks=[Pacer()])

    def predict(self, x):
        return np.asarray(self.model.predict(x, batch_size=self.w.batch_size, verbose=0))


class VisualNetPeer(_KerasLike):
    label = "VisualNet"

    def __init__(self, w, seed):
        import visualnet

        self.api = visualnet
        self.version = visualnet.__version__
        super().__init__(w, seed)


class KerasPeer(_KerasLike):
    def __init__(self, w, seed):
        import keras

        self.api = keras
        backend = keras.backend.backend()
        if backend == "torch":
            import torch

            torch.set_num_threads(2)
            self.label = "Keras (torch backend)"
            self.version = f"keras {keras.__version__}, torch {torch.__version__}"
        else:
            import tensorflow as tf

            self.label = "Keras (TensorFlow)"
            self.version = f"keras {keras.__version__}, tensorflow {tf.__version__}"
        super().__init__(w, seed)


class TorchPeer:
    label = "PyTorch"

    def __init__(self, w, seed):
        import torch
        from torch import nn

        torch.set_num_threads(2)
        torch.manual_seed(seed)
        self.torch, self.w = torch, w
        self.version = f"torch {torch.__version__}"
        mods, shape = [], tuple(w.input_shape)
        chw = len(shape) == 3
        if chw:
            shape = (shape[2], shape[0], shape[1])  # PyTorch's native NCHW layout
        for layer in w.layers:
            kind = layer[0]
            if kind == "dense":
                mods.append(nn.Linear(int(np.prod(shape)), layer[1]))
                shape = (layer[1],)
                act = layer[2]
            elif kind == "conv":
                mods.append(nn.Conv2d(shape[0], layer[1], layer[2]))
                shape = (layer[1], shape[1] - layer[2] + 1, shape[2] - layer[2] + 1)
                act = layer[3]
            else:
                act = None
                if kind == "pool":
                    mods.append(nn.MaxPool2d(layer[1]))
                    shape = (shape[0], shape[1] // layer[1], shape[2] // layer[1])
                elif kind == "flatten":
                    mods.append(nn.Flatten())
                    shape = (int(np.prod(shape)),)
                elif kind == "gap":
                    mods.append(nn.AdaptiveAvgPool2d(1))
                    mods.append(nn.Flatten())
                    shape = (shape[0],)
            if act == "relu":
                mods.append(nn.ReLU())
            # softmax / sigmoid outputs: the loss takes the logits (the idiomatic, fused form)
        self.model = nn.Sequential(*mods)
        for mod in self.model.modules():  # Keras's initialisation, so that accuracies compare training
            if isinstance(mod, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(mod.weight)  # = glorot_uniform (fans include the kernel area)
                nn.init.zeros_(mod.bias)
        self.binary = w.loss == "binary_crossentropy"
        self.loss_fn = nn.BCEWithLogitsLoss() if self.binary else nn.CrossEntropyLoss()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.chw = chw

    def _tensor(self, x):
        t = self.torch.from_numpy(np.ascontiguousarray(x))
        return t.permute(0, 3, 1, 2).contiguous() if self.chw else t

    def train(self, x, y, epochs, on_epoch_end):
        torch = self.torch
        X = self._tensor(x)
        Y = torch.from_numpy(y) if self.binary else torch.from_numpy(y.argmax(1))
        n, bs = len(X), self.w.batch_size
        self.model.train()
        for epoch in range(epochs):
            t0 = time.perf_counter()
            perm = torch.randperm(n)
            total, correct = 0.0, 0
            for i in range(0, n, bs):
                idx = perm[i:i + bs]
                xb, yb = X[idx], Y[idx]
                self.opt.zero_grad(set_to_none=True)
                out = self.model(xb)
                loss = self.loss_fn(out, yb)
                loss.backward()
                self.opt.step()
                total += loss.item() * len(idx)
                pred = (out > 0).float() if self.binary else out.argmax(1)
                correct += (pred == yb).sum().item()
            on_epoch_end(epoch, time.perf_counter() - t0)

    def predict(self, x):
        torch = self.torch
        X = self._tensor(x)
        bs = self.w.batch_size
        self.model.eval()
        outs = []
        with torch.no_grad():
            for i in range(0, len(X), bs):
                out = self.model(X[i:i + bs])
                outs.append(torch.sigmoid(out) if self.binary else torch.softmax(out, 1))
        self.model.train()
        return torch.cat(outs).numpy()


PEERS = {"visualnet": VisualNetPeer, "torch": TorchPeer, "keras": KerasPeer}


def keras_backend_env(choice: str) -> str | None:
    """The KERAS_BACKEND for the Keras worker: TensorFlow when installed, else torch."""
    import importlib.util

    if choice == "auto":
        return "tensorflow" if importlib.util.find_spec("tensorflow") else "torch"
    return choice


def quiet_env(env: dict) -> dict:
    env = dict(env)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env
