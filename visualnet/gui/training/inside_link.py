"""What the Inside tab looks at, and where its snapshot is computed: `InsideLink` picks the
sample (from the test split, else the training split) and the 2-D points of a Playground-style
decision map, and computes the snapshot in the training thread between two batches while a
run is paused, off the GUI thread (the page's `EngineCalls`; a newer sample supersedes an
older one) when no run goes on and the tab is shown (else when it is shown next), and
(through `live()`, the controller's `inspect`) in the training thread while one trains and
the tab is shown."""

from __future__ import annotations

import logging

import numpy as np

from .inside_view import inspect

log = logging.getLogger("visualnet.training")


class InsideLink:
    def __init__(self, page, calls):
        self.page = page
        self.calls = calls
        self.view = page.inside
        self.points = None     # up to 1,000 training points of a 2-feature classifier (the map), or None
        self.sample = None     # the sample looked at (prepared input)
        self.shown = False     # the Inside tab is in front (`set_shown`; read in the training thread)
        self.stale = False     # a snapshot is due (a run ended, a sample changed) while the tab was not shown
        self.view.sample_spin.valueChanged.connect(self.sample_changed)

    def setup(self) -> None:
        """A new run or model: the map's points and the sample range from the data shown."""
        prepared = self.page.prepared
        fitted = prepared.recipe.fitted
        points = labels = None
        x, y = self.page.data_panel.training_arrays()
        if isinstance(x, dict):               # several Inputs (a column mapping): no decision map
            x = next(iter(x.values()), np.zeros((0, 0)))
        if not isinstance(y, dict) and x.ndim == 2 and x.shape[1] == 2 and fitted["task"] != "regression":
            points = x[:1000]
            labels = np.asarray(y[:1000]).reshape(len(points), -1)
            labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
        self.points = points
        self.view.reset(len(prepared.test) or len(x), points, labels, max(len(fitted["class_names"]), 2))
        self.sample_changed()

    def live(self):
        """The controller's `inspect(session)` for a run: the sample chosen when it is called."""
        points = self.points
        return lambda session: inspect(session, self.sample, points)

    def wanted(self) -> bool:
        """The controller's `inspect_wanted()` (training thread): whether the Inside tab is in
        front; otherwise a run's snapshot is taken only when it pauses, and when the tab is
        shown after the run ended (`set_shown`)."""
        return self.shown

    def set_shown(self, shown: bool) -> None:
        """The Inside tab came to the front (or left it)."""
        self.shown = shown
        if shown and self.stale and self.page.state not in ("running", "paused"):
            self.stale = False
            self.sample_changed()

    def run_ended(self) -> None:
        """A run ended: unseen, its final weights are looked inside when the tab is shown."""
        self.stale = not self.shown

    def _subset(self):
        prepared = self.page.prepared
        return prepared.test if len(prepared.test) else prepared.train

    def sample_changed(self, *_) -> None:
        page = self.page
        if page.prepared is None:
            return
        subset = self._subset()
        i = min(self.view.sample_spin.value(), len(subset) - 1)
        label = ""
        ys = next(iter(subset.y.values()), None) if isinstance(subset.y, dict) else subset.y   # the first output's
        if ys is not None:
            names = page.prepared.recipe.fitted["class_names"]
            yi = np.asarray(ys[i])
            if names:
                label = names[int(yi.argmax() if yi.size > 1 else yi.reshape(-1)[0])]
            elif yi.size == 1:
                label = f"{float(yi.reshape(-1)[0]):.4g}"
            else:                          # a horizon of values, an image (an autoencoder's target)
                shown = ", ".join(f"{float(v):.4g}" for v in yi.reshape(-1)[:4])
                label = f"[{shown}{', …' if yi.size > 4 else ''}] (shape {yi.shape})"
        self.view.sample_label.setText(f"label: {label}")
        if isinstance(subset.x, dict):         # several Inputs: one array each, in the model's input order
            order = [n.name for n in page.document.graph.input_nodes() if n.name in subset.x] or list(subset.x)
            self.sample = sample = [subset.x[name][i] for name in order]
        else:
            self.sample = sample = subset.x[i]
        if page.state == "paused":        # the training thread computes it, between batches
            worker, points = page.worker, self.points
            page.controller.call(lambda s: worker.inspected(inspect(s, sample, points)))
        elif page.state != "running" and (page.session is not None or page.model is not None):
            if page.session is not None and page.session.status == "ready":
                return                      # a run about to start: its first batches show it
            if not self.shown:              # computed when the tab is shown (set_shown)
                self.stale = True
                return
            try:
                session = page.view_session()
            except (ValueError, TypeError):
                return
            points = self.points
            self.calls.submit("inside", lambda: self._inspect(session, sample, points), self._inspected,
                              lambda message: log.info("no look inside: %s", message))

    @staticmethod
    def _inspect(session, sample, points):
        """Off the GUI thread: the snapshot, or None when the data do not fit the model."""
        try:
            return inspect(session, sample, points)
        except ValueError as exc:       # the data do not fit the model (the problems box says how)
            log.info("no look inside: %s", exc)
            return None

    def _inspected(self, snapshot) -> None:
        if snapshot is not None and self.page.state not in ("running", "paused"):   # a run shows its own
            self.view.show_snapshot(snapshot)
