"""The text sources and the "vectorize_text" recipe step: fitted on the training split only,
stored in the project file, and applied identically after reopening it."""

import json
import warnings

import numpy as np
import pytest

from visualnet import layers, models
from visualnet.data import DataError, Recipe, TextVectorization, VectorizeText, prepare, transform_for_prediction
from visualnet.data.preview import preview
from visualnet.data.sources import guess_source_type
from visualnet.io.project import Project, open_project, save_project

from .keras_text_reference import read_reviews

NEW_TEXTS = ["A great, moving film!", "the plot was awful and boring", "zzzz unknownword"]


@pytest.fixture(scope="module")
def reviews():
    all_reviews = read_reviews()
    return all_reviews[:60], all_reviews[1000:1060]


@pytest.fixture
def folder(tmp_path, reviews):
    for name, texts in zip(("neg", "pos"), reviews):
        (tmp_path / "reviews" / name).mkdir(parents=True)
        for i, text in enumerate(texts):
            (tmp_path / "reviews" / name / f"cv{i:03d}.txt").write_text(text, encoding="utf-8")
    return tmp_path / "reviews"


def keras_layer(train_texts, **kwargs):
    layer = TextVectorization(**kwargs)
    layer.adapt(train_texts)
    return layer


def save_and_reopen(recipe, tmp_path, input_shape):
    model = models.Sequential([layers.Input(input_shape), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    save_project(Project.from_model(model, recipe=recipe), tmp_path / "text.vnet")
    return open_project(tmp_path / "text.vnet").recipe


def test_text_folder_recipe_round_trip(folder, tmp_path):
    assert guess_source_type(folder) == "text_folder"
    step = VectorizeText(max_tokens=1500, output_sequence_length=80)
    recipe = Recipe.from_file(None, folder, steps=[step.get_config()], split={"test": 0.25, "seed": 3})
    prepared = prepare(recipe)
    train_texts = prepared.dataset.x[prepared.train.indices, 0].tolist()
    layer = keras_layer(train_texts, max_tokens=1500, output_sequence_length=80)
    fitted = prepared.recipe.steps[0]["stats"]["vocabulary"]
    assert fitted == layer.get_vocabulary()            # learned from the training split only
    test_texts = prepared.dataset.x[prepared.test.indices, 0].tolist()
    np.testing.assert_array_equal(prepared.test.x, layer(test_texts).astype(np.float32))
    assert prepared.train.x.shape == (90, 80) and prepared.recipe.fitted["output_shape"] == [80]

    back = save_and_reopen(prepared.recipe, tmp_path, (80,))
    assert back.to_dict() == prepared.recipe.to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = prepare(back)
    np.testing.assert_array_equal(again.train.x, prepared.train.x)
    np.testing.assert_array_equal(again.test.x, prepared.test.x)
    np.testing.assert_array_equal(transform_for_prediction(back, NEW_TEXTS), layer(NEW_TEXTS).astype(np.float32))
    np.testing.assert_array_equal(transform_for_prediction(back, NEW_TEXTS[0]), layer(NEW_TEXTS[:1]))


def test_text_csv_tf_idf_recipe_round_trip(tmp_path, reviews):
    rows = [(t, "neg") for t in reviews[0]] + [(t, "pos") for t in reviews[1]]
    csv_path = tmp_path / "reviews.csv"
    csv_path.write_text("review,label\n" + "".join('"' + t.replace('"', '""') + f'",{c}\n' for t, c in rows),
                        encoding="utf-8")
    step = VectorizeText(max_tokens=400, output_mode="tf_idf", output_sequence_length=None)
    recipe = Recipe({"type": "text_csv", "path": str(csv_path), "options": {"text_column": "review",
                                                                            "target": "label"}},
                    steps=[step.get_config()], split={"test": 0.2, "seed": 1, "stratify": True})
    prepared = prepare(recipe)
    train_texts = prepared.dataset.x[prepared.train.indices, 0].tolist()
    layer = keras_layer(train_texts, max_tokens=400, output_mode="tf_idf")
    np.testing.assert_array_equal(prepared.test.x, layer(prepared.dataset.x[prepared.test.indices, 0].tolist()))
    json.loads(prepared.recipe.to_json())               # plain JSON: strings and floats
    back = save_and_reopen(prepared.recipe, tmp_path, (400,))
    np.testing.assert_array_equal(prepare(back).train.x, prepared.train.x)
    np.testing.assert_array_equal(transform_for_prediction(back, NEW_TEXTS), layer(NEW_TEXTS))


def test_folder_type_is_guessed(tmp_path):
    for rel in ("cats/README.txt", "cats/a.png", "cats/b.jpg", "dogs/c.png", "notes/x.txt", "notes/y.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    assert guess_source_type(tmp_path) == "images"
    assert guess_source_type(tmp_path / "cats") == "images"
    (tmp_path / "texts" / "a").mkdir(parents=True)
    (tmp_path / "texts" / "a" / "one.txt").write_text("hello")
    assert guess_source_type(tmp_path / "texts") == "text_folder"


def test_preview_of_raw_texts(folder):
    from visualnet.data import read_text_folder
    shown = preview(read_text_folder(folder), n_samples=3)
    assert [s.name for s in shown.feature_stats] == ["characters per text", "words per text"]
    assert all(s.text and len(s.text) <= 403 for s in shown.samples)


def test_vectorize_step_errors():
    with pytest.raises(ValueError, match="output_sequence_length must be 1 or more"):
        VectorizeText(output_sequence_length=None)
    with pytest.raises(ValueError, match="output_mode must be one of"):
        VectorizeText(output_mode="one_hot")
    with pytest.raises(DataError, match="put this step first, on a text source"):
        prepare(Recipe.builtin("iris", steps=[VectorizeText().get_config()]))
    bad = {"step": "vectorize_text", "max_tokens": 10, "output_sequence_length": 5,
           "stats": {"vocabulary": ["a", "b"]}}
    with pytest.raises(DataError, match=r"must be a list of strings starting with \['', '\[UNK\]'\]"):
        Recipe.builtin("iris", steps=[bad])
