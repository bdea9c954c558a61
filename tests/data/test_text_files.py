"""Text readers: encodings, bad files, CSV text columns, and `text_dataset_from_directory`
against Keras's own file indexing and split (keras.src.utils.dataset_utils, which needs no
TensorFlow)."""

import codecs
import os

import numpy as np
import pytest

from visualnet import layers, models, utils
from visualnet.data import (ColumnError, DataError, EmptyDataError, FormatError, MissingValueError, RaggedRowError,
                            decode_text, list_text_files, read_text_csv, read_text_file, read_text_folder)
from visualnet.data.memory import DataTooLargeError

from .helpers import write

TEXT = "Café déjà vu — naïve “quotes”\nsecond line"


@pytest.mark.parametrize("encoding,prefix", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                                             ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                             ("utf-32-le", codecs.BOM_UTF32_LE)])
def test_detected_encodings(encoding, prefix):
    assert decode_text(prefix + TEXT.encode(encoding)) == TEXT


def test_latin1_fallback_and_named_encodings(tmp_path):
    latin = write(tmp_path / "latin.txt", "Café crème, señor", "latin-1")
    assert read_text_file(latin) == "Café crème, señor"
    assert read_text_file(write(tmp_path / "cp.txt", "l’été", "cp1252"), encoding="cp1252") == "l’été"
    assert read_text_file(write(tmp_path / "bom.txt", "\ufeffabc", "utf-8"), encoding="utf-8") == "abc"
    assert read_text_file(latin, max_length=4) == "Café"


def test_bad_text_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"first line\nsecond \xe9t\xe9 line\n")
    with pytest.raises(FormatError, match=r"bad.txt, row 2, column 8: the text is not valid utf-8.*0xe9 at line 2, "
                                          r"byte 8"):
        read_text_file(bad, encoding="utf-8")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(FormatError, match="binary.txt: the file holds NUL bytes"):
        read_text_file(binary)
    with pytest.raises(DataError, match="unknown text encoding 'klingon'"):
        read_text_file(bad, encoding="klingon")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_text_file(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="not a file"):
        read_text_file(tmp_path)


def test_sizes_are_checked_before_reading(tmp_path, monkeypatch):
    big = write(tmp_path / "big.txt", "x" * 5000)
    monkeypatch.setenv("VISUALNET_MEMORY_LIMIT", "1K")
    with pytest.raises(DataTooLargeError, match="big.txt: the text of big.txt would need 20.0 KB"):
        read_text_file(big)


def make_folder(root, layout: dict):
    for rel, text in layout.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


FOLDER = {"pos/b.txt": "good fun", "pos/a.txt": "great film", "pos/nested/z.txt": "fine", "pos/A.TXT": "upper",
          "pos/skip.md": "not text", "neg/c.txt": "awful", "neg/d.txt": "boring plot", "neg/e.txt": "dull",
          "neutral/f.txt": "ok", ".hidden/g.txt": "ignored", "loose.txt": "not in a class"}


def keras_index(directory, **kwargs):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    from keras.src.utils import dataset_utils
    return dataset_utils, dataset_utils.index_directory(str(directory), formats=(".txt",), verbose=False, **kwargs)


@pytest.mark.parametrize("class_names", [None, ["pos", "neg"]])
def test_file_order_is_keras(tmp_path, class_names):
    root = make_folder(tmp_path, FOLDER)
    _, (paths, labels, names) = keras_index(root, labels="inferred", class_names=class_names, shuffle=False)
    ours = list_text_files(root, "inferred", class_names)
    assert ours[0] == list(paths) and ours[1].tolist() == list(labels) and ours[2] == names
    _, (paths, _, _) = keras_index(root, labels=None, shuffle=False)
    assert list_text_files(root, None)[0] == list(paths)


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_shuffle_and_split_are_keras(tmp_path, subset):
    root = make_folder(tmp_path, FOLDER)
    du, (paths, labels, names) = keras_index(root, labels="inferred", shuffle=True, seed=7)
    paths, labels = du.get_training_or_validation_split(paths, labels, 0.3, subset)
    ds = utils.text_dataset_from_directory(root, seed=7, validation_split=0.3, subset=subset, batch_size=2,
                                           verbose=False)
    texts, y = ds.arrays()
    assert texts.tolist() == [open(p, encoding="utf-8").read() for p in paths]
    assert y.tolist() == list(labels) and y.dtype == np.int32 and ds.class_names == names
    assert len(ds) == -(-len(paths) // 2) and [len(b[0]) for b in ds][0] == 2


def test_text_dataset_options(tmp_path):
    root = make_folder(tmp_path / "two", {k: v for k, v in FOLDER.items() if not k.startswith("neutral")})
    binary = utils.text_dataset_from_directory(root, label_mode="binary", shuffle=False, max_length=4, verbose=False)
    texts, y = binary.arrays()
    assert texts.tolist() == ["awfu", "bori", "dull", "uppe", "grea", "good", "fine"]
    assert y.dtype == np.float32 and y.shape == (7, 1) and y[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 1]
    categorical, _ = utils.text_dataset_from_directory(root, label_mode="categorical", seed=1, validation_split=0.2,
                                                       subset="both", verbose=False)
    assert categorical.arrays()[1].shape == (6, 2)
    unlabelled = utils.text_dataset_from_directory(root, labels=None, shuffle=False, batch_size=None, verbose=False)
    assert next(iter(unlabelled)) == "not in a class" and unlabelled.arrays()[1] is None
    given = utils.text_dataset_from_directory(root, labels=[0, 1] * 4 + [1], shuffle=False, verbose=False)
    assert given.class_names == ["0", "1"] and given.arrays()[1].tolist() == [0, 1] * 4 + [1]    # .hidden too
    with pytest.raises(ValueError, match="you must provide a `seed` argument"):
        utils.text_dataset_from_directory(root, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="there must be exactly 2 class_names"):
        utils.text_dataset_from_directory(make_folder(tmp_path / "three", FOLDER), label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="No training text files found"):
        utils.text_dataset_from_directory(root, seed=1, validation_split=0.1, subset="both", verbose=False)
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        utils.text_dataset_from_directory(root, class_names=["pos", "other"], verbose=False)


def test_dataset_map_and_fit(tmp_path):
    """Keras's pattern: dataset.map(lambda x, y: (vectorize_layer(x), y)), then fit on the dataset."""
    texts = {f"pos/{i}.txt": f"a good great film number {i}" for i in range(12)}
    texts.update({f"neg/{i}.txt": f"a bad awful plot number {i}" for i in range(12)})
    train = utils.text_dataset_from_directory(make_folder(tmp_path, texts), batch_size=8, seed=3, verbose=False)
    vectorize = layers.TextVectorization(max_tokens=50, output_sequence_length=6)
    vectorize.adapt(train.map(lambda x, y: x))
    mapped = train.map(lambda x, y: (vectorize(x), y))
    x, y = mapped.arrays()
    assert x.shape == (24, 6) and x.dtype == np.int64 and next(iter(mapped))[0].shape == (8, 6)
    model = models.Sequential([layers.Input((6,)), layers.Embedding(50, 4), layers.GlobalAveragePooling1D(),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(mapped, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and model.predict(mapped, verbose=0).shape == (24, 1)


def test_read_text_folder(tmp_path):
    root = make_folder(tmp_path / "two", {k: v for k, v in FOLDER.items() if not k.startswith("neutral")})
    (root / "neg" / "latin.txt").write_bytes("très mauvais".encode("latin-1"))
    ds = read_text_folder(root)
    assert ds.kind == "text" and ds.task == "binary" and ds.class_names == ["neg", "pos"]
    assert ds.x.shape == (8, 1) and ds.x[3, 0] == "très mauvais" and ds.y.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    with pytest.raises(DataError, match="at least 2 class subfolders"):
        read_text_folder(make_folder(tmp_path / "one", {"a/x.txt": "x"}))
    with pytest.raises(EmptyDataError, match="no .txt files"):
        read_text_folder(make_folder(tmp_path / "none", {"a/x.md": "x", "b/y.md": "y"}))


CSV = 'review,stars,label\n"Great, really great.",5,pos\n"Awful;\nboring",1,neg\n\nfine film,4,pos\n'


def test_read_text_csv(tmp_path):
    ds = read_text_csv(write(tmp_path / "r.csv", CSV), text_column="review", target="label")
    assert ds.x[:, 0].tolist() == ["Great, really great.", "Awful;\nboring", "fine film"]
    assert ds.class_names == ["neg", "pos"] and ds.y.tolist() == [1, 0, 1] and ds.task == "binary"
    stars = read_text_csv(write(tmp_path / "s.csv", CSV), text_column=0, target=1, task="regression")
    assert stars.task == "regression" and stars.y.tolist() == [5.0, 1.0, 4.0]
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes(codecs.BOM_UTF16_LE + CSV.replace("fine", "très").encode("utf-16-le"))
    assert read_text_csv(utf16, text_column="review", target="label").x[2, 0] == "très film"
    latin = write(tmp_path / "latin.csv", CSV.replace("fine", "très"), "latin-1")
    assert read_text_csv(latin, text_column="review", target="label").x[2, 0] == "très film"


def test_text_csv_errors(tmp_path):
    path = write(tmp_path / "r.csv", CSV)
    with pytest.raises(ColumnError, match=r"r.csv: the text column 'text' does not exist; the columns are: 'review'"):
        read_text_csv(path, text_column="text", target="label")
    with pytest.raises(RaggedRowError, match=r"ragged.csv, row 3: the row has 1 cells"):
        read_text_csv(write(tmp_path / "ragged.csv", "text,label\na,1\nb\n"), target="label")
    with pytest.raises(MissingValueError, match=r"missing.csv, row 3, column label: the target is missing"):
        read_text_csv(write(tmp_path / "missing.csv", "text,label\na,x\nb,\nc,y\n"), target="label")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"text,label\nok,1\nbad \xff byte,0\n")
    with pytest.raises(FormatError, match=r"bad.csv, row 3, column 5: the text is not valid utf-8"):
        read_text_csv(bad, encoding="utf-8")
    with pytest.raises(DataError, match="single class"):
        read_text_csv(write(tmp_path / "one.csv", "text,label\na,x\nb,x\n"))
    with pytest.raises(DataError, match="are the same"):
        read_text_csv(path, text_column="label", target="label")
