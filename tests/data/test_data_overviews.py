"""What the Train page's Data tab shows, computed by `data`: the text overview (vocabulary,
tokens, lengths against the sequence length) and the series overview (each window's target
placed in time, the split boundaries, predictions turned back into the series' units)."""

import numpy as np

from visualnet.data import Recipe, SplitSpec, VectorizeText, prepare
from visualnet.data.series_overview import series_overview
from visualnet.data.text_overview import text_overview


def test_raw_texts_are_counted_in_tokens_before_the_cut():
    step = VectorizeText(max_tokens=3000, output_sequence_length=300).get_config()
    prepared = prepare(Recipe.builtin("movie_reviews_text", steps=[step]))
    o = text_overview(prepared, n_samples=2, n_tokens=8)
    vectorizer = VectorizeText.from_config(prepared.recipe.steps[0]).vectorizer()
    texts = [str(prepared.dataset.x[i, 0]) for i in prepared.train.indices]
    assert o.lengths.tolist() == [len(vectorizer.tokenize(t)) for t in texts]
    assert o.vocabulary_size == 3000 and o.sequence_length == 300
    assert o.cut_texts == np.mean(o.lengths > 300) and 0 < o.cut_tokens < 1
    label, pairs = o.samples[0]
    assert label in ("negative", "positive") and len(pairs) == 8
    assert all(prepared.train.x[0, k] == i for k, (i, _) in enumerate(pairs))     # the ids the model receives
    centres, counts, width = o.histogram
    assert counts.sum() == len(texts) == 1600 and width > 0 and len(centres) == len(counts)
    assert "vocabulary 3,000" in o.summary() and "cut" in o.summary()


def test_word_ids_are_counted_without_the_padding():
    prepared = prepare(Recipe.builtin("movie_reviews"))
    o = text_overview(prepared)
    ids = prepared.dataset.x[prepared.train.indices]
    assert o.lengths.tolist() == np.count_nonzero(ids, axis=1).tolist()
    assert o.sequence_length == ids.shape[1] and o.cut_texts == 0
    assert o.vocabulary_size == len(prepared.dataset.vocabulary)
    assert [w for _, w in o.samples[0][1]] == [prepared.dataset.vocabulary[i] for i, _ in o.samples[0][1]]


def test_not_texts_have_no_text_overview_and_not_series_no_series_overview():
    iris = prepare(Recipe.builtin("iris"))
    assert text_overview(iris) is None and series_overview(iris) is None


def test_a_series_source_is_placed_at_its_rows_with_the_split_between_parts():
    split = SplitSpec(validation=0.1, test=0.2, shuffle=False)
    prepared = prepare(Recipe.builtin("airline_passengers", split=split))
    o = series_overview(prepared)
    lookback = prepared.train.x.shape[1]
    assert o.name == "Passengers" and o.x_label == "row of the series"
    # the first training window's target is the row after its window
    assert o.x[0] == lookback and o.values[0] == prepared.dataset.y[0, 0]
    train, val, test = (o.x[s.indices] for s in (prepared.train, prepared.validation, prepared.test))
    assert np.all(np.diff(o.x) > 0)                                 # in time order
    assert train.max() < o.bounds[0] < val.min() and val.max() < o.bounds[1] < test.min()
    assert val.min() - train.max() > lookback                      # each part is windowed on its own
    assert test.max() == 143                                        # the last of the 144 months
    # the prepared (standardized) targets come back in passengers
    x, values = o.forecast(prepared.test.y)
    np.testing.assert_array_equal(x, test)
    np.testing.assert_allclose(values, prepared.dataset.y[prepared.test.indices, 0], rtol=1e-5)


def test_windows_built_in_time_order_are_placed_by_number():
    prepared = prepare(Recipe.builtin("daily_temperatures"))
    o = series_overview(prepared)
    assert o.x_label.startswith("window") and o.x.tolist() == list(range(len(prepared.dataset)))
    assert o.bounds[0] == o.bounds[1] and len(o.test_x) == len(prepared.test)
    x, values = o.forecast(prepared.test.y)
    np.testing.assert_allclose(values, prepared.test.y[:, 0] if prepared.test.y.ndim > 1 else prepared.test.y)
