"""The README lists every declared layer type by category, with the counts (issue 24): the
list is compared with the registry, so it cannot drift. On a failure, paste the expected
section printed below into README.md."""

from visualnet.graph.registry import CATEGORIES, all_specs

TITLES = {"input": "Input", "core": "Core", "convolution": "Convolution", "pooling": "Pooling",
          "reshaping": "Reshaping", "normalization": "Normalization", "merging": "Merging and attention",
          "activation": "Activation", "regularization": "Regularization and augmentation",
          "recurrent": "Recurrent and wrappers"}


def expected_section() -> str:
    specs = all_specs()
    lines = [f"## Layers ({len(specs)} types)", "",
             "Each is declared once (`visualnet/graph/layer_types/`), with Keras's name, arguments and "
             "defaults, and is on the palette, in the Python API, in Keras files, ONNX and both code exports.", ""]
    for category in CATEGORIES:
        names = [s.type for s in specs if s.category == category]
        if names:
            lines.append(f"- **{TITLES.get(category, category.capitalize())}** ({len(names)}): {', '.join(names)}")
    return "\n".join(lines) + "\n"


def test_the_readme_lists_every_layer_type_by_category(pytestconfig):
    readme = (pytestconfig.rootpath / "README.md").read_text(encoding="utf-8")
    section = expected_section()
    assert section in readme, "README.md's layer list differs from the registry; it should read:\n\n" + section
