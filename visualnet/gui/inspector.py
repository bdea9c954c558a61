"""The inspector: the selected layer's name and parameters as a form generated from the
registry, validated as typed (the ParamError message appears under the field) and applied
live through undo commands; below it, what shape inference knows about the layer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QLabel, QLineEdit, QScrollArea, QSizePolicy, QVBoxLayout,
                               QWidget)

from visualnet.graph import GraphError, ParamError, get_spec

from . import icons, theme
from .commands import RenameCommand, SetParamsCommand
from .formatting import count_text, shape_text
from .param_editors import editor_for


class InspectorWidget(QScrollArea):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self.editors: dict = {}
        self.errors: dict[str, QLabel] = {}
        self._epoch = 0
        self._graph = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._layout: QVBoxLayout | None = None
        document.graph_replaced.connect(self._watch)
        document.analysed.connect(self._refresh_info)
        self._watch(document.graph)

    # ---------------------------------------------------------------- what is shown
    def _watch(self, graph) -> None:
        if self._graph is not None:
            self._graph.unsubscribe(self._on_event)
        self._graph = graph
        graph.subscribe(self._on_event)
        self.show_selection([], [])

    def show_selection(self, node_ids: list, edge_ids: list) -> None:
        if len(node_ids) == 1 and not edge_ids:
            self.show_node(node_ids[0])
        elif node_ids or edge_ids:
            self._build_message(node_ids, edge_ids)
        else:
            self._build_message([], [])

    def show_node(self, node_id: str | None) -> None:
        if node_id is None or node_id not in self._graph.nodes:
            self._build_message([], [])
            return
        self._epoch += 1
        self.node_id = node_id
        self._build_form(self._graph.nodes[node_id])

    def focus_name(self) -> None:
        if self.node_id is not None:
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.name_edit.selectAll()

    # ---------------------------------------------------------------- building
    def _clear(self) -> None:
        """Start a new page; `_finish` puts it in place (built whole, so shown at once)."""
        self.node_id = None
        self.editors, self.errors = {}, {}
        self._page = QWidget()
        self._layout = QVBoxLayout(self._page)
        self._layout.setContentsMargins(10, 10, 10, 10)
        self._layout.setSpacing(8)

    def _finish(self) -> None:
        self._layout.addStretch(1)
        self.setWidget(self._page)  # deletes the previous page

    def _build_message(self, node_ids, edge_ids) -> None:
        self._clear()
        g = self._graph
        if not node_ids and not edge_ids:
            text = ("<b>Nothing selected</b><br>Select a layer to edit its parameters. "
                    "Drag layers from the palette; wire an output port (right) to an input port (left).")
        elif edge_ids and not node_ids and len(edge_ids) == 1 and edge_ids[0] in g.edges:
            e = g.edges[edge_ids[0]]
            info = self.document.info.get(e.src)
            text = (f"<b>Wire</b><br>{g.nodes[e.src].name} → {g.nodes[e.dst].name} (input {e.dst_port + 1})<br>"
                    f"Carries {shape_text(info.shape if info else None)}<br><br>"
                    "Press Delete to remove it, or drag its end away from the input port.")
        else:
            total = sum(self.document.info[n].params for n in node_ids if n in self.document.info)
            text = (f"<b>{len(node_ids)} layers, {len(edge_ids)} wires selected</b><br>"
                    f"{count_text(total)} parameters in the selected layers.")
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        self._layout.addWidget(label)
        self._finish()

    def _build_form(self, node) -> None:
        self._clear()
        self.node_id = node.id
        spec = get_spec(node.type)
        t = theme.current()
        head = QLabel()
        head.setPixmap(icons.category_icon(spec.category).pixmap(28, 28))
        title = QLabel(f"<span style='font-size:13pt; font-weight:600'>{spec.type}</span>"
                       f"<br><span style='color:{t.dim}'>{spec.category.capitalize()}</span>")
        row = QWidget()
        lay = QFormLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addRow(head, title)
        self._layout.addWidget(row)
        doc = QLabel(spec.doc)
        doc.setWordWrap(True)
        self._layout.addWidget(doc)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)   # a narrow dock: fields under their labels
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.name_edit = QLineEdit(node.name)
        self.name_edit.setObjectName("name")
        self.name_edit.setToolTip("The layer's name (unique in the model), as Keras shows it.")
        self.name_edit.editingFinished.connect(self._rename)
        form.addRow("name", self.name_edit)
        self.name_error = self._error_label()
        form.addRow("", self.name_error)
        for param in spec.params:
            editor = editor_for(param)
            editor.setObjectName(param.name)
            _let_shrink(editor)
            editor.set_value(node.params.get(param.name, param.default))
            editor.edited.connect(lambda value, p=param: self._edited(p, value))
            label = QLabel(param.name + ("*" if param.required else ""))
            label.setToolTip(editor.toolTip())
            label.setBuddy(editor.focus_widget())
            form.addRow(label, editor)
            error = self._error_label()
            form.addRow("", error)
            self.editors[param.name] = editor
            self.errors[param.name] = error
        if not spec.params:
            form.addRow("", QLabel(f"<i>{spec.type} has no parameters.</i>"))
        box = QWidget()
        box.setLayout(form)
        self._layout.addWidget(box)

        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.info_label.setTextFormat(Qt.TextFormat.RichText)
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(_separator())
        self._layout.addWidget(self.info_label)
        self._refresh_info()
        self._finish()

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {theme.current().error};")
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        label.hide()
        return label

    # ---------------------------------------------------------------- editing
    def _edited(self, param, value) -> None:
        nid = self.node_id
        if nid is None or nid not in self._graph.nodes:
            return
        error = self.errors[param.name]
        try:
            value = param.coerce(value)
        except ParamError as exc:
            _show_error(error, str(exc))
            return
        if self._graph.nodes[nid].params.get(param.name) == value:
            _show_error(error, None)
            return
        command = SetParamsCommand(self._graph, nid, {param.name: value}, session=(self._epoch, param.name))
        if self.document.push(command):
            _show_error(error, None)
        else:
            _show_error(error, self.document.last_error)

    def _rename(self) -> None:
        nid = self.node_id
        if nid is None or nid not in self._graph.nodes:
            return
        name = self.name_edit.text().strip()
        if name == self._graph.nodes[nid].name:
            _show_error(self.name_error, None)
            return
        try:
            if not name:
                raise GraphError("A layer name cannot be empty.")
            other = self._graph.node_by_name(name)
            if other is not None and other.id != nid:
                raise GraphError(f"The name '{name}' is already used by another layer; names must be unique.")
        except GraphError as exc:
            _show_error(self.name_error, str(exc))
            return
        if self.document.push(RenameCommand(self._graph, nid, name)):
            _show_error(self.name_error, None)
        else:
            _show_error(self.name_error, self.document.last_error)

    # ---------------------------------------------------------------- following the graph
    def _on_event(self, event) -> None:
        if event.node_id != self.node_id or self.node_id is None:
            return
        if event.kind == "node_removed":
            self._build_message([], [])
        elif event.kind == "params_changed":
            node = self._graph.nodes[self.node_id]
            for name, editor in self.editors.items():
                editor.set_value(node.params.get(name))
                self.errors[name].hide()
        elif event.kind == "node_renamed":
            self.name_edit.setText(self._graph.nodes[self.node_id].name)
            self.name_error.hide()
        elif event.kind == "node_added":  # re-created by undo
            self.show_node(self.node_id)

    def _refresh_info(self) -> None:
        nid = self.node_id
        if nid is None or nid not in self._graph.nodes or not hasattr(self, "info_label"):
            return
        try:
            self.info_label.text()
        except RuntimeError:  # the form was rebuilt
            return
        info = self.document.info.get(nid)
        node = self._graph.nodes[nid]
        spec = get_spec(node.type)
        t = theme.current()
        rows = []
        if info is not None:
            ins = ", ".join(shape_text(s) for s in info.input_shapes) or "—"
            rows.append(f"<b>Input</b> {ins}")
            rows.append(f"<b>Output</b> {shape_text(info.shape)}")
            rows.append(f"<b>Parameters</b> {count_text(info.params)}"
                        + (f" ({count_text(info.non_trainable_params)} non-trainable)"
                           if info.non_trainable_params else ""))
            if info.shape is not None and all(s is not None for s in info.input_shapes):
                try:
                    weights = spec.weights(spec.normalize(node.params), info.input_shapes)
                except (ParamError, ValueError):
                    weights = []
                for w in weights:
                    dims = " × ".join(str(d) for d in w.shape)
                    extra = "" if w.trainable else " (non-trainable)"
                    rows.append(f"&nbsp;&nbsp;<span style='color:{t.dim}'>{w.name}</span> {dims}{extra}")
        for p in self.document.problems_of_node(nid):
            colour = t.severity(p.severity).name()
            rows.append(f"<span style='color:{colour}'>● {_html(p.message)}</span>")
        self.info_label.setText("<br>".join(rows))


def _show_error(label: QLabel, message: str | None) -> None:
    if message:
        label.setText(message)
        label.show()
    else:
        label.hide()


def _let_shrink(editor: QWidget) -> None:
    """Combo boxes as narrow as the dock (their longest choice shows in the open list), so
    the form fits instead of being clipped on the right."""
    for combo in editor.findChildren(QComboBox) + ([editor] if isinstance(editor, QComboBox) else []):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
