"""`TrainingWorkspace`: the training side of the open project, without Qt.

It holds what the Train page shows and the project file keeps: the data recipe and the
training settings (as the page's forms last showed them), the trained model and the graph
structure its weights were trained on, the optimizer state a project brought (a next run
continues from it), the runs (workspace/runs.py records), a data recipe kept while its
data could not be loaded, and the run going on (its session and `TrainingController`).
`contribute(project)` (what File ▸ Save calls) and `restore(project)` move these parts to
and from a project; `capture()` takes weights, optimizer state and the history so far
together, between two batches when a run goes on. Listeners registered with `on(event,
fn)` hear "run_recorded" (the new run's record) and "run_tested" (a run's test-set metrics).
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np

from visualnet.engine.optimizers import serialize
from visualnet.engine.rng import global_rng

from .runs import model_weights, project_runs, record_from_run, structure

log = logging.getLogger(__name__)


class TrainingWorkspace:
    def __init__(self):
        self._listeners: dict[str, list] = {}
        self.generation = 0           # bumped when the project is replaced: a late run end is ignored
        self.run_generation = 0       # the generation the last run began in
        self.data_recipe = None       # the recipe of the data the page shows (None: none loaded)
        self.training: dict = {}      # the training settings, as the project file keeps them
        self._clear()

    def _clear(self) -> None:
        self.model = None
        self.session = None
        self.controller = None
        self.saved_optimizer = None   # a project's OptimizerState (for `model` restored from it)
        self.trained_structure = None  # structure() of the graph `model`'s weights were trained on
        self.weights_finite = True
        self.pending_recipe = None    # a project's recipe whose data could not be loaded (kept)
        self.runs: list[dict] = []
        self.graph_snapshot = self.recipe = None
        self.started = 0.0

    # ----------------------------------------------------------------- events
    def on(self, event: str, fn) -> None:
        self._listeners.setdefault(event, []).append(fn)

    def _emit(self, event: str, *args) -> None:
        for fn in self._listeners.get(event, []):
            fn(*args)

    # ----------------------------------------------------------------- runs
    def begin_run(self, model, session, controller, graph: dict, recipe: dict) -> None:
        self.model, self.session, self.controller = model, session, controller
        self.graph_snapshot, self.recipe = graph, recipe
        self.trained_structure = structure(graph)
        self.saved_optimizer = None
        self.weights_finite = True
        session.history.graph, session.history.recipe = graph, recipe
        self.run_generation = self.generation
        self.started = time.time()

    @property
    def stale_run(self) -> bool:
        """The run that just ended belongs to a project that has been replaced since."""
        return self.run_generation != self.generation

    def record_run(self) -> dict:
        """Keep the session's run (it ended) and say so to the listeners."""
        h = self.session.history
        record = {"history": h.to_dict(), "graph": self.graph_snapshot, "recipe": self.recipe,
                  "duration": time.time() - self.started, "started_at": self.started}
        self.runs.append(record)
        self.weights_finite = h.status != "diverged" and all(
            np.isfinite(a).all() for arrays in model_weights(self.model, copy=False).values() for a in arrays.values())
        self._emit("run_recorded", record)
        return record

    def record_test(self, logs: dict) -> None:
        """Keep the test-set metrics of the trained model with the run that trained it (the
        last one) and say so to the listeners ("run_tested": index, logs)."""
        if not self.runs or self.model is None:
            return
        self.runs[-1]["test"] = {k: float(v) if math.isfinite(v) else None         # JSON: NaN as null
                                 for k, v in logs.items() if isinstance(v, (int, float))}
        self._emit("run_tested", len(self.runs) - 1, self.runs[-1]["test"])

    def weights_fit(self, graph) -> bool:
        """Whether the trained weights (finite) still fit every layer of `graph`."""
        if self.model is None or not self.weights_finite:
            return False
        from visualnet.io.project import Project
        probe = Project(graph, weights=model_weights(self.model, copy=False))
        return not probe.drop_stale_weights()

    @staticmethod
    def load_weights(model, weights: dict) -> list[str]:
        """Put `weights` (node id -> name -> array) into a fresh model; layers whose weights
        are missing or no longer fit keep their initial ones (a note says so)."""
        notes = []
        for nid, layer in model.layers_by_node_id.items():
            if not layer.weight_specs:
                continue
            arrays = weights.get(nid)
            try:
                if arrays is None:
                    raise ValueError("new layer")
                layer.set_weights([arrays[w.name] for w in layer.weight_specs])
            except (KeyError, ValueError):
                notes.append(f"'{layer.name}' starts from initial weights (it has no trained weights that fit)")
        return notes

    def resume_optimizer(self, session, state, now) -> str:
        """Give a new run the optimizer state it continues from; a note of what happened."""
        if state is None:
            return "The optimizer starts afresh (no saved state)"
        if now != self.trained_structure:
            return "The optimizer starts afresh: the model's layers or wires changed since it was trained"
        name = str(state.config.get("class_name", "")).lower()
        if name != session.config.optimizer:
            return f"The optimizer starts afresh: it was {name}, now {session.config.optimizer}"
        try:
            session.optimizer.set_state(state.arrays)
        except (ValueError, KeyError) as exc:
            return f"The optimizer starts afresh: {exc}"
        return f"The optimizer continues from iteration {session.optimizer.iterations}"

    # ----------------------------------------------------------------- the project file
    @property
    def running(self) -> bool:
        """A run goes on (training or paused)."""
        return self.controller is not None and self.controller.running

    def capture(self) -> dict | None:
        """The current weights (copies, by node id), the optimizer state and, while a run goes
        on, that run's history so far; taken in the training thread between two batches when
        a run goes on, so that they belong together."""
        running = self.running
        model = self.model
        if model is None:
            return None
        session = self.session if self.session is not None and self.session.model is model else None

        def grab(_session=None) -> dict:
            opt = self.saved_optimizer
            if session is not None and session.optimizer.built:
                from visualnet.io.project import OptimizerState
                opt = OptimizerState(serialize(session.optimizer),
                                     {k: np.asarray(v).copy() for k, v in session.optimizer.get_state().items()},
                                     global_rng().bit_generator.state)
            going = session is not None and session.status in ("running", "ready") and running
            return {"weights": model_weights(model), "optimizer": opt,
                    "history": session.history.to_dict() if going and session.step_count else None}

        if session is None or self.controller is None or self.controller.session is not session:
            return grab()
        try:
            return self.controller.call(grab).result(timeout=60)
        except FutureTimeout:             # a batch that takes very long: read them now
            log.info("weights read outside the training thread")
            return grab()

    def contribute(self, project) -> None:
        """Fill in the data recipe, training settings, weights, optimizer state and runs of a
        project about to be saved."""
        recipe = self.data_recipe if self.data_recipe is not None else self.pending_recipe
        if recipe is not None:
            project.recipe = recipe
        if self.training:
            project.training = dict(self.training)
        captured = self.capture()
        unfinished = None
        if captured is not None and captured["history"] is not None:
            batches = len((captured["history"].get("batch") or {}).get("step", []))
            h = dict(captured["history"], status="unfinished", reason=f"Saved while training, after {batches} batch(es).")
            unfinished = {"history": h, "graph": self.graph_snapshot, "recipe": self.recipe,
                          "duration": time.time() - self.started, "started_at": self.started}
        project.runs = project_runs(self.runs, unfinished)
        if captured is None:
            return
        weights, optimizer = captured["weights"], captured["optimizer"]
        if not all(np.isfinite(a).all() for arrays in weights.values() for a in arrays.values()):
            log.info("the weights hold NaN or infinite values (a diverged run): not saved")
            weights, optimizer = {}, None
        project.weights = weights
        project.optimizer = optimizer if structure(project.graph) == self.trained_structure else None
        stale = project.drop_stale_weights()      # layers edited since training: their weights no longer fit
        if stale:
            names = [project.graph.nodes[n].name for n in stale if n in project.graph.nodes]
            log.info("weights not saved (the layers changed since training): %s", ", ".join(names) or stale)

    def restore(self, project) -> list[str]:
        """Take an opened project's trained weights, optimizer state and runs; notes on what
        could not be used. (Call `forget()` first.)"""
        notes = []
        if project.weights:
            try:
                self.model = project.build_model(compile=False)
            except (ValueError, TypeError, KeyError) as exc:
                notes.append(f"the trained weights cannot be used: {exc}")
            else:
                self.saved_optimizer = project.optimizer
                self.trained_structure = structure(project.graph)
                self.weights_finite = True
        self.runs = [record_from_run(run) for run in project.runs]
        return notes

    def forget(self) -> None:
        """Another project: no trained weights or runs from the one before; a run still going
        on is asked to stop (its end is then ignored: `stale_run`)."""
        if self.controller is not None and self.controller.running:
            self.controller.stop()
        self.generation += 1
        self._clear()
