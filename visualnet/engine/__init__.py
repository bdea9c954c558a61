"""The engine: NumPy and Numba, no Qt. A map for the reader:

* Where a batch is trained: `loop.TrainingLoop.train` runs the step strategy that
  `steps.choose_step` picked (steps/: fused, dense program, Python), which calls the
  `executor.Executor` (forward and backward over the layers in layers/) and the optimizer.
* Where a run's state lives: `session.TrainingSession` (epochs, batches, history, pause and
  changes between batches through `control.TrainingControl`); `training.fit` is a session
  run to the end with Keras callbacks; the app's runs are sessions driven by
  visualnet/workspace/controller.py.
* The Keras-compatible API: model.py, sequential.py, compiled.py (compile), prediction.py
  (predict and evaluate in chunks), callbacks.py, losses.py, metrics.py, optimizers.py.
* Speed: kernels/ (Numba kernels: GEMM, convolutions, pooling) on runtime/ (lock-free
  workers, parallel parts, the thread governor); steps -> kernels -> runtime, checked by
  import-linter.
"""
