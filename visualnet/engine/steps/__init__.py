"""How one batch is trained: the strategies `fit` chooses between for a training step. The
general step lives in engine/training.py; `fused.FastStep` is the fast path for unweighted
batches whose loss fuses with the output activation, and `dense_program.DenseProgram` runs
a chain of Dense layers' whole step as one compiled program. Steps sit above kernels and
runtime and may import both (and the layers, losses and metrics); nothing in kernels or
runtime imports a step.
"""
