"""One editor widget per parameter kind, generated from the registry's `Param`:
spin boxes with the parameter's range, combo boxes for choices, check boxes, tuple and
shape editors, and the class-and-arguments editors of initializers, regularizers and
constraints. Each emits `edited(value)` with the value as typed (possibly invalid: the
inspector checks it with `Param.coerce` and shows the message inline).

base.py (`ParamEditor`), scalars.py, tuples.py, class_configs.py; `editor_for(param)` picks
the editor of the parameter's kind."""

from __future__ import annotations

from .base import ParamEditor
from .class_configs import InitializerEditor, WeightRuleEditor
from .scalars import BoolEditor, ChoiceEditor, FloatEditor, IntEditor
from .tuples import PairsEditor, RangeEditor, ShapeEditor, TupleEditor

EDITORS = {"int": IntEditor, "float": FloatEditor, "bool": BoolEditor, "choice": ChoiceEditor,
           "activation": ChoiceEditor, "initializer": InitializerEditor, "ints": TupleEditor, "shape": ShapeEditor,
           "pairs": PairsEditor, "range": RangeEditor, "regularizer": WeightRuleEditor,
           "constraint": WeightRuleEditor}


def editor_for(param, parent=None) -> ParamEditor:
    return EDITORS[param.kind](param, parent)
