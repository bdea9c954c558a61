"""The Train page's side of a model with several Inputs or Outputs (issue 23), a mixin of
`TrainingPage`: the model's Input and output names go to the Data tab (which then shows
its column mapping), each mapped output gets its loss and metrics defaulted from its
target's task, and the data checks take the loss by output and offer the mapping's fixes."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from visualnet.data.compatibility import recommended_loss
from visualnet.graph import infer_shapes

from .evaluation_outputs import OutputsReport

DEFAULT_METRICS = {"regression": ["mean_absolute_error"]}     # else ["accuracy"], as for one output


class OutputsSide:
    def _output_choice(self) -> QComboBox:
        """The Evaluation tab's choice of the output whose confusion matrix (or errors) it shows."""
        combo = getattr(self, "_evaluated_output", None)
        if combo is None:
            combo = self._evaluated_output = QComboBox()
            combo.setObjectName("evaluated_output")
            combo.setToolTip("The output whose confusion matrix (or errors) the evaluation shows")
            combo.hide()
            self.evaluation.layout().insertWidget(0, combo)
            combo.currentIndexChanged.connect(self._show_evaluated_output)
            self.workspace.on("run_tested", lambda *_: self._show_evaluated_output())
        return combo

    def _show_evaluated_output(self, *_) -> None:
        report, name = self.evaluation.report, self._output_choice().currentData()
        if isinstance(report, OutputsReport) and name in report.per_output and name != report.output:
            self.evaluation.show_report(report.for_output(name))

    def _model_nodes_changed(self, *_) -> None:
        graph = self.document.graph
        self.data_panel.set_model_nodes([n.name for n in graph.input_nodes()],
                                        [n.name for n in graph.output_nodes()])

    def _set_output_settings(self, prepared) -> None:
        """Per-output settings for the outputs the data map targets to (none: one loss)."""
        recipe = prepared.recipe
        mapped = (recipe.fitted or {}).get("mapping")
        combo = self._output_choice()
        combo.blockSignals(True)
        combo.clear()
        if recipe.mapping is not None and mapped is not None:
            for name, target in sorted(mapped["outputs"].items(), key=lambda item: item[1]["task"] == "regression"):
                kind = "a number" if target["task"] == "regression" else f"{len(target['class_names'])} classes"
                combo.addItem(f"Output '{name}' ({kind})", name)
        combo.blockSignals(False)
        combo.setVisible(combo.count() > 1)
        if recipe.mapping is None or mapped is None:
            self.settings.set_outputs([])
            return
        graph = self.document.graph
        info = infer_shapes(graph)
        units = {n.name: (info[n.id].shape or (None,))[-1] if n.id in info else None for n in graph.output_nodes()}
        rows = []
        for name, target in mapped["outputs"].items():
            loss = recommended_loss(recipe, units.get(name) or len(target["class_names"]) or 1, name)
            rows.append((name, loss, DEFAULT_METRICS.get(target["task"], ["accuracy"])))
        self.settings.set_outputs(rows)

    @staticmethod
    def _describe_data(prepared) -> str:
        """The log's line on the data: the dataset's, and what the column mapping makes of it."""
        text = prepared.dataset.describe()
        mapped = (prepared.recipe.fitted or {}).get("mapping")
        if prepared.recipe.mapping is None or mapped is None:
            return text
        inputs = ", ".join(f"{n} ({g['output_shape'][0]} features)" for n, g in mapped["inputs"].items())
        outputs = ", ".join(f"{n} (" + ("a number" if t["task"] == "regression" else f"{len(t['class_names'])} classes")
                            + ")" for n, t in mapped["outputs"].items())
        return f"{text}; mapped to the inputs {inputs or 'none'} and the outputs {outputs or 'none'}"

    def _loss_setting(self):
        """The loss(es) the data checks use; a form with a bad value checks without one."""
        try:
            return self.settings.loss_setting()
        except ValueError:
            return None

    def _apply_output_fix(self, problem) -> bool:
        """The mapping and per-output loss fixes; False if `problem` has another fix."""
        if problem.fix == "set_mapping":
            self.data_panel.set_mapping(problem.detail["mapping"])
            self.log_line("Data mapping: " + problem.detail.get("fix_label", "set"))
            return True
        if problem.fix == "set_loss" and self.settings.outputs.rows and problem.node_id in self.document.graph.nodes:
            name = self.document.graph.nodes[problem.node_id].name
            self.settings.set_output_loss(name, problem.detail["loss"])
            self.log_line(f"Loss of '{name}' set to {problem.detail['loss']}")
            return True
        return False
