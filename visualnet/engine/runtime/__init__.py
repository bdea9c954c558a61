"""The lock-free runtime that runs kernels in parallel: worker threads that spin for the
next part (`workers`, `spin`), compiled jobs posted to them through an int64 slot array
(`jobs`, each job's slot layout declared once with `jobs.layout`), a batch split into
parts (`split`), whole training steps as compiled programs (`program`), a worker gathering
the next batch (`gather`), the floating-point mode parts run in (`fpmode`) and OpenBLAS's
thread count (`blas`).

The bottom of the engine's compute stack: runtime imports only `engine._jit`, never
`engine.kernels` or `engine.steps` (import-linter checks this; see pyproject.toml).
"""
