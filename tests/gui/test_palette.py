"""The layer palette with every declared type: search by what a layer does (the
declarations' doc lines and keywords), categories folded with a click and remembered, the
Recent group, and names that fit the dock's default width. Driven with real mouse and key
events."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from visualnet.graph import all_specs, get_spec
from visualnet.gui.palette import RECENT, TEXT_LEFT, PaletteWidget
from visualnet.gui.settings import MAX_RECENT_LAYERS, Settings

from .helpers import LEFT, NONE


@pytest.fixture
def settings(tmp_path):
    return Settings(tmp_path / "settings.ini")


@pytest.fixture
def palette(qtbot, settings):
    p = PaletteWidget(settings=settings)
    qtbot.addWidget(p)
    p.resize(240, 700)
    p.show()
    qtbot.waitExposed(p)
    return p


def search(qtbot, palette, text: str) -> list[str]:
    palette.search.clear()
    qtbot.keyClicks(palette.search, text)
    return palette.visible_types()


def types_where(predicate) -> set:
    return {s.type for s in all_specs() if predicate(s)}


def test_search_finds_layers_by_what_they_do(qtbot, palette):
    found = search(qtbot, palette, "upsample")
    assert {"UpSampling1D", "UpSampling2D", "UpSampling3D", "Conv1DTranspose", "Conv2DTranspose"} == set(found)
    assert set(search(qtbot, palette, "attention")) == {"Attention", "AdditiveAttention", "MultiHeadAttention"}
    normalize = search(qtbot, palette, "normalize")
    assert types_where(lambda s: s.category == "normalization") <= set(normalize)
    assert "Dense" not in normalize
    sequence = set(search(qtbot, palette, "sequence"))
    assert {"LSTM", "GRU", "SimpleRNN", "Conv1D", "Embedding", "Masking", "MultiHeadAttention"} <= sequence
    assert "Conv2D" not in sequence
    dropout = set(search(qtbot, palette, "dropout"))
    assert types_where(lambda s: "Dropout" in s.type) <= dropout
    assert all("dropout" in get_spec(t).doc.lower() for t in dropout if "Dropout" not in t), dropout
    augment = set(search(qtbot, palette, "augment"))
    assert types_where(lambda s: s.type.startswith("Random")) <= augment and "Dense" not in augment
    # several words must all match; a search lists each type once, the Recent group left out
    palette.note_used("Conv2D")
    both = search(qtbot, palette, "image filter")
    assert both.count("Conv2D") == 1 and "Conv1D" not in both
    assert search(qtbot, palette, "no layer is called this") == []
    # every type is found by its own name
    for spec in all_specs():
        assert spec.type in search(qtbot, palette, spec.type.lower()), spec.type


def test_categories_fold_with_a_click_and_stay_folded(qtbot, palette, settings):
    tree = palette.tree
    conv = palette.index_of("Conv2D").parent()
    tree.scrollTo(conv)
    assert tree.isExpanded(conv) and tree.visualRect(palette.index_of("Conv2D")).height() > 0
    qtbot.mouseClick(tree.viewport(), LEFT, NONE, tree.visualRect(conv).center())   # the header
    assert not tree.isExpanded(conv) and palette.is_folded("convolution")
    assert settings.collapsed_categories == ["convolution"]
    assert tree.visualRect(palette.index_of("Conv2D")).height() == 0     # hidden under the header
    # a search unfolds what it finds; clearing it folds the category again
    assert "Conv2D" in search(qtbot, palette, "conv2d")
    assert tree.isExpanded(palette.index_of("Conv2D").parent())
    palette.search.clear()
    assert not tree.isExpanded(palette.index_of("Conv2D").parent())
    assert settings.collapsed_categories == ["convolution"]        # searching changed nothing kept
    # the next session (a new palette on the same settings) starts with it folded
    again = PaletteWidget(settings=Settings(settings.location))
    qtbot.addWidget(again)
    assert not again.tree.isExpanded(again.index_of("Conv2D").parent())
    assert again.tree.isExpanded(again.index_of("Dense").parent())
    # a second click unfolds it, and that is kept too
    qtbot.mouseClick(tree.viewport(), LEFT, NONE, tree.visualRect(palette.index_of("Conv2D").parent()).center())
    assert tree.isExpanded(palette.index_of("Conv2D").parent()) and settings.collapsed_categories == []


def test_recently_added_types_come_first_and_are_remembered(qtbot, palette, settings):
    added = []
    palette.layer_activated.connect(added.append)
    assert palette.recent_types() == [] and palette.index_of("Dense", RECENT).isValid() is False
    rect = palette.item_rect("Dense")
    qtbot.mouseClick(palette.tree.viewport(), LEFT, NONE, rect.center())
    qtbot.mouseDClick(palette.tree.viewport(), LEFT, NONE, rect.center())
    assert added == ["Dense"] and palette.recent_types() == ["Dense"]
    # the Recent group is the first row, above the categories
    top = palette.proxy.index(0, 0)
    assert top.data() == "Recent" and palette.proxy.index(0, 0, top).data() == "Dense"
    qtbot.keyClicks(palette.search, "layernorm")
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)              # Enter adds the first match
    assert added == ["Dense", "LayerNormalization"]
    palette.search.clear()
    assert palette.recent_types() == ["LayerNormalization", "Dense"]
    # an entry in the Recent group adds like any other
    rect = palette.item_rect("LayerNormalization", RECENT)
    assert rect.top() < palette.item_rect("Input").top()
    qtbot.mouseClick(palette.tree.viewport(), LEFT, NONE, rect.center())
    qtbot.mouseDClick(palette.tree.viewport(), LEFT, NONE, rect.center())
    assert added[-1] == "LayerNormalization" and palette.recent_types() == ["LayerNormalization", "Dense"]
    for t in ["Conv2D", "MaxPooling2D", "Flatten", "Dropout", "GRU", "Embedding"]:
        palette.note_used(t)
    assert palette.recent_types() == ["Embedding", "GRU", "Dropout", "Flatten", "MaxPooling2D", "Conv2D"]
    assert len(palette.recent_types()) == MAX_RECENT_LAYERS
    # kept across sessions; a type this version does not know is left out
    settings.add_recent_layer("NoSuchLayer")
    again = PaletteWidget(settings=Settings(settings.location))
    qtbot.addWidget(again)
    assert again.recent_types() == ["Embedding", "GRU", "Dropout", "Flatten", "MaxPooling2D"]


def test_names_and_search_hint_fit_the_default_dock_width(qtbot, window):
    palette = window.palette
    assert window.docks["palette"].width() <= 260          # the window's default width for the dock
    bold = QFont(palette.tree.font())
    bold.setWeight(QFont.Weight.DemiBold)
    room = palette.tree.viewport().width() - TEXT_LEFT - 4
    widest = max(all_specs(), key=lambda s: QFontMetrics(bold).horizontalAdvance(s.type)).type
    assert QFontMetrics(bold).horizontalAdvance(widest) <= room, (widest, room)
    hint = palette.search.placeholderText()
    assert "Search layers" in hint
    # the line edit's text area: its width less the frame, margins and the clear button
    assert QFontMetrics(palette.search.font()).horizontalAdvance(hint) <= palette.search.width() - 40


def test_double_click_in_the_window_adds_the_layer_and_lists_it_as_recent(qtbot, window):
    palette = window.palette
    try:
        palette.set_folded("core", True)
        rect = palette.item_rect("Dense")                      # unfolds the category to show it
        assert not palette.is_folded("core")
        qtbot.mouseClick(palette.tree.viewport(), LEFT, NONE, rect.center())
        qtbot.mouseDClick(palette.tree.viewport(), LEFT, NONE, rect.center())
        assert [n.type for n in window.graph.nodes.values()] == ["Dense"]
        assert palette.recent_types()[0] == "Dense" == palette.settings.recent_layers[0]
        assert get_spec("Dense").keywords            # the declaration's search words
    finally:
        palette.settings.store.remove("palette")
