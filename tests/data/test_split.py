import numpy as np
import pytest

from visualnet.data import SplitSpec, load_builtin, split_indices
from visualnet.data.seeded import SeededStream


def test_raw_stream_is_pcg64():
    """The words every shuffle derives from: PCG64 seeded via SeedSequence, fixed by NumPy's stream policy."""
    assert SeededStream(123).words(2).tolist() == [12587170189557361101, 992822559630912803]
    assert SeededStream(123).permutation(12).tolist() == [1, 4, 3, 2, 11, 7, 10, 0, 5, 8, 9, 6]


def test_hard_coded_split_for_seed_42():
    s = split_indices(20, SplitSpec(validation=0.2, test=0.25, seed=42))
    assert s.train.tolist() == [17, 4, 8, 15, 10, 1, 14, 9, 16, 19, 12]
    assert s.validation.tolist() == [3, 6, 0, 7]
    assert s.test.tolist() == [13, 18, 2, 11, 5]


def test_hard_coded_stratified_split_for_seed_7():
    y = np.array([0] * 10 + [1] * 5 + [2] * 5)
    s = split_indices(20, SplitSpec(test=0.2, seed=7, stratify=True), y)
    assert s.train.tolist() == [6, 3, 12, 11, 4, 10, 13, 9, 15, 18, 0, 2, 17, 8, 7, 19]
    assert s.test.tolist() == [14, 5, 1, 16]
    assert np.bincount(y[s.test]).tolist() == [2, 1, 1]


def test_same_seed_same_split_other_seed_other_split():
    a = split_indices(1000, SplitSpec(validation=0.1, test=0.2, seed=3))
    b = split_indices(1000, SplitSpec(validation=0.1, test=0.2, seed=3))
    c = split_indices(1000, SplitSpec(validation=0.1, test=0.2, seed=4))
    for part in ("train", "validation", "test"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    assert not np.array_equal(a.test, c.test)


def test_partition_and_sizes_round_half_up():
    s = split_indices(10, SplitSpec(validation=0.25, test=0.25, seed=0))   # 2.5 -> 3 each
    assert (len(s.train), len(s.validation), len(s.test)) == (4, 3, 3)
    together = np.concatenate([s.train, s.validation, s.test])
    assert sorted(together.tolist()) == list(range(10))


def test_no_shuffle_takes_the_last_rows_for_test():
    s = split_indices(10000, SplitSpec(test=0.2, shuffle=False))
    assert s.train.tolist() == list(range(8000)) and s.test.tolist() == list(range(8000, 10000))
    s = split_indices(10, SplitSpec(validation=0.2, test=0.2, shuffle=False))
    assert s.validation.tolist() == [6, 7] and s.test.tolist() == [8, 9]


def test_stratified_keeps_class_proportions_on_real_data():
    pima = load_builtin("pima")
    s = split_indices(len(pima), SplitSpec(validation=0.1, test=0.2, seed=1, stratify=True), pima.y)
    assert np.bincount(pima.y[s.test]).tolist() == [100, 54]     # 500 * 0.2, 268 * 0.2 rounded
    assert np.bincount(pima.y[s.validation]).tolist() == [50, 27]
    assert len(set(s.train) | set(s.validation) | set(s.test)) == 768


def test_bad_specs():
    with pytest.raises(ValueError, match=r"test must be a fraction in \[0, 1\); received: test=1.5"):
        SplitSpec(test=1.5)
    with pytest.raises(ValueError, match="must leave samples to train on"):
        SplitSpec(validation=0.5, test=0.5)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        SplitSpec(seed=-1)
    with pytest.raises(ValueError, match="needs the class labels"):
        split_indices(10, SplitSpec(stratify=True))
    with pytest.raises(ValueError, match="unknown split settings: fraction"):
        SplitSpec.from_dict({"fraction": 0.1})
    assert SplitSpec.from_dict(SplitSpec(test=0.3, seed=5).to_dict()) == SplitSpec(test=0.3, seed=5)
