"""The Train page's side of a project file: it takes part in the File menu (the workspace
fills in the project saved) and shows a project opened (its data and recipe, settings,
trained weights and runs), forgetting the one before. A mixin of `TrainingPage`."""

from __future__ import annotations

import warnings
from pathlib import Path

from visualnet.data import UnreadRecipe

from ..wording import count


class ProjectSide:
    """Open and save for the Train page (see the module docstring)."""

    def connect_files(self, files) -> None:
        """Take part in the File menu: the workspace fills in the project saved, and the
        page shows the project opened."""
        files.add_contributor(self.workspace.contribute)
        files.opened.connect(self.restore)
        self._document = files.document

    def restore(self, project) -> None:
        """Show an opened project's training side (File controller `opened`): its data and
        recipe, settings, trained weights (the next Train or Evaluate uses them) and runs."""
        self._forget()
        notes = []
        unread = isinstance(project.recipe, UnreadRecipe)
        if unread:
            notes.append(f"{project.recipe.problem}. It is kept in the project as written until you choose data")
        if project.recipe is not None and (unread or not self._load_recipe(project.recipe)):
            self.workspace.pending_recipe, self.workspace.data_recipe = project.recipe, None
            self.prepared = self.data_panel.prepared = None
            self.data_panel.hold = True
            self.data_panel.description.setText("<b>The project's data was not loaded</b> (see the log); it "
                                                 "is kept in the project. Choose a dataset to train.")
            self.check_problems()
        if project.training:
            notes += self.settings.set_state(project.training)
            known = {*self.settings.state(), "training_samples"}
            self._kept_training = {k: v for k, v in project.training.items() if k not in known}
            if self._kept_training:
                notes.append("training settings this version does not use are kept in the project: "
                             + ", ".join(sorted(map(str, self._kept_training))))
            samples = project.training.get("training_samples")
            if isinstance(samples, int) and not isinstance(samples, bool) and samples >= 0:
                self.data_panel.subset.setValue(samples)
            self._settings_changed()
        notes += self.workspace.restore(project)
        if self.model is not None:
            self.continue_check.setChecked(True)
        for record in self.runs:
            self._add_run_row(record)
        if self.runs:
            self.show_run(len(self.runs) - 1)
        if self.model is not None and self.prepared is not None and not any(
                p.severity == "error" for p in self.check_problems()):    # a mismatch shows there instead
            self.inside_link.setup()
        if self.state in ("running", "paused"):      # the replaced project's run is still stopping
            self._update_continue()
        else:
            self.set_state("idle")
        parts = [count(len(self.runs), "run")] + (["trained weights"] if self.model is not None else []) + \
            (["optimizer state"] if self.workspace.saved_optimizer is not None else [])
        self.log_line("Opened the project's training: " + ", ".join(parts))
        for note in notes:
            self.log_line(f"Note: {note}")

    def _load_recipe(self, recipe) -> bool:
        path = self._document.path if self._document is not None else None
        return self.data_panel.open_project_recipe(recipe, Path(path).parent if path else None)

    def _forget(self) -> None:
        """A different project: no trained weights, runs or curves from the one before (a
        run still going on is stopped and not recorded)."""
        if self.state in ("running", "paused") and self.controller is not None:
            worker = self.worker
            for signal, slot in ((worker.batches_ready, self.curves.add_batches),
                                 (worker.epoch_finished, self.curves.add_epoch),
                                 (worker.marker_added, self.curves.add_marker),
                                 (worker.inspected_ready, self.inside.show_snapshot)):
                with warnings.catch_warnings():  # PySide warns (or raises) when the run already disconnected it
                    warnings.simplefilter("ignore", RuntimeWarning)
                    try:
                        signal.disconnect(slot)
                    except (RuntimeError, TypeError):
                        pass
            self.log_line("The project was replaced: training stopped")
        self.workspace.forget()
        self._restored_view = None
        self._kept_training = {}
        self.data_panel.hold = False
        self.continue_check.setChecked(False)
        self.runs_view.clear()
        self.curves.reset(["loss"])
        self.inside.reset(1)
        self._clear_results("Not evaluated yet.")
        if self.state not in ("running", "paused"):
            self.set_state("idle")
