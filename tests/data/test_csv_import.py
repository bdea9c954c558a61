import threading

import numpy as np
import pytest

from visualnet.data import (Cancelled, ColumnError, DataError, EmptyDataError, FormatError, MissingValueError,
                            NonNumericError, RaggedRowError, encode_rows, read_csv, sniff_csv)

from .helpers import UCI, write


# --- the real UCI files -------------------------------------------------------------------------

def test_pima_real_file():
    ds = read_csv(UCI / "pima-indians-diabetes.csv")
    assert ds.x.shape == (768, 8) and ds.x.dtype == np.float64
    assert ds.task == "binary" and ds.class_names == ["0", "1"]
    np.testing.assert_array_equal(ds.x[0], [6, 148, 72, 35, 0, 33.6, 0.627, 50])
    np.testing.assert_array_equal(ds.x[-1], [1, 93, 70, 31, 0, 30.4, 0.315, 23])
    assert ds.y[0] == 1 and ds.y[-1] == 0
    assert np.bincount(ds.y).tolist() == [500, 268]          # as pima-indians-diabetes.names says
    assert ds.columns["header"] is False and ds.columns["delimiter"] == ","


def test_iris_string_labels_become_sorted_classes():
    ds = read_csv(UCI / "iris.csv")
    assert ds.task == "multiclass"
    assert ds.class_names == ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    assert np.bincount(ds.y).tolist() == [50, 50, 50]
    assert ds.y[0] == 0 and ds.y[-1] == 2
    assert ds.columns["target"]["classes"] == ds.class_names


def test_sonar_labels():
    ds = read_csv(UCI / "sonar.csv")
    assert ds.x.shape == (208, 60) and ds.class_names == ["M", "R"]
    assert np.bincount(ds.y).tolist() == [111, 97]
    assert ds.y[0] == 1                                     # the first row is a rock


def test_banknote_and_wheat():
    bank = read_csv(UCI / "banknote_authentication.csv")
    assert bank.x.shape == (1372, 4) and np.bincount(bank.y).tolist() == [762, 610]
    wheat = read_csv(UCI / "wheat-seeds.csv")
    assert wheat.task == "multiclass" and wheat.class_names == ["1", "2", "3"]
    assert np.bincount(wheat.y).tolist() == [70, 70, 70]


def test_abalone_categorical_feature_is_one_hot_and_target_regression():
    ds = read_csv(UCI / "abalone.csv")
    assert ds.task == "regression" and ds.x.shape == (4177, 10)
    assert ds.feature_names[:4] == ["column 1=F", "column 1=I", "column 1=M", "column 2"]
    np.testing.assert_array_equal(ds.x[0, :4], [0, 0, 1, 0.455])     # M,0.455,...
    assert ds.y[0] == 15.0 and ds.y.dtype == np.float64
    assert ds.columns["features"][0] == {"index": 0, "name": "column 1", "type": "categorical",
                                         "categories": ["F", "I", "M"]}


# --- small generated files ----------------------------------------------------------------------

def test_header_detected_and_target_by_name(tmp_path):
    f = write(tmp_path / "t.csv", "height,colour,label\n1.5,red,yes\n2.5,blue,no\n3.0,red,yes\n")
    layout = sniff_csv(f)
    assert layout.header and layout.names == ["height", "colour", "label"]
    assert layout.numeric == [True, False, False]
    ds = read_csv(f, target="label")
    assert ds.feature_names == ["height", "colour=blue", "colour=red"]
    np.testing.assert_array_equal(ds.x, [[1.5, 0, 1], [2.5, 1, 0], [3.0, 0, 1]])
    assert ds.class_names == ["no", "yes"] and ds.y.tolist() == [1, 0, 1]


def test_target_by_index_and_case_insensitive_name(tmp_path):
    f = write(tmp_path / "t.csv", "Y,a,b\n0,1,2\n1,3,4\n0,5,6\n")
    assert read_csv(f, target=0).x.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert read_csv(f, target="y").y.tolist() == [0, 1, 0]
    assert read_csv(f, target=-3).y.tolist() == [0, 1, 0]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", " "])
def test_delimiter_sniffed(tmp_path, delimiter):
    rows = ["1.5", "2", "a"], ["2.5", "3", "b"], ["0.5", "1", "a"]
    f = write(tmp_path / "t.txt", "\n".join(delimiter.join(r) for r in rows) + "\n")
    ds = read_csv(f)
    assert sniff_csv(f).delimiter == delimiter
    np.testing.assert_array_equal(ds.x, [[1.5, 2], [2.5, 3], [0.5, 1]])
    assert ds.class_names == ["a", "b"]


def test_decimal_commas_of_a_comma_locale_spreadsheet_are_numbers(tmp_path):
    """'1,5' in a ';'-separated file is one and a half, not a category."""
    f = write(tmp_path / "eu.csv", "breite;höhe;klasse\n1,5;2,25;a\n3;-4,5e1;b\n2,5;1,0;a\n")
    layout = sniff_csv(f)
    assert (layout.delimiter, layout.decimal, layout.header, layout.numeric) == (";", ",", True, [True, True, False])
    ds = read_csv(f)
    assert ds.feature_names == ["breite", "höhe"] and ds.columns["decimal"] == ","
    np.testing.assert_array_equal(ds.x, [[1.5, 2.25], [3, -45], [2.5, 1]])
    np.testing.assert_array_equal(encode_rows(ds.columns, [["0,5", 2.0], ["7", "1.25"]]), [[0.5, 2], [7, 1.25]])
    assert "breite=1,5" in read_csv(f, decimal=".").feature_names  # asked for: such cells are text
    with pytest.raises(ValueError, match="decimal comma needs a delimiter other than ','"):
        read_csv(f, delimiter=",", decimal=",")
    bad = write(tmp_path / "bad.csv", "a;b\n1,5;0\n2,5;1\nzwei;0\n")
    with pytest.raises(NonNumericError) as e:
        read_csv(bad)
    assert "'zwei' is not a number" in str(e.value) and (e.value.row, e.value.column) == (4, 1)


def test_thousands_separators_in_groups_of_three_are_read(tmp_path):
    """'1,234.5' (quoted), '1 234' and "1'234" are numbers; a decimal-comma file groups with
    points ('1.234,5'); a comma that cannot be a separator stays an error."""
    f = write(tmp_path / "t.csv", 'price,area,label\n"1,234.5",1 200,a\n"-12,000",950,b\n7,"1\u00a0000",a\n'
                                  "\"1'000'000\",15,b\n")
    layout = sniff_csv(f)
    assert layout.numeric == [True, True, False]
    np.testing.assert_array_equal(read_csv(f).x, [[1234.5, 1200], [-12000, 950], [7, 1000], [1e6, 15]])
    eu = write(tmp_path / "eu.csv", "preis;menge;k\n1.234,5;2;a\n0,5;1.000;b\n2.000.000;3;a\n")
    assert sniff_csv(eu).decimal == ","
    ds = read_csv(eu)
    np.testing.assert_array_equal(ds.x, [[1234.5, 2], [0.5, 1000], [2e6, 3]])
    np.testing.assert_array_equal(encode_rows(ds.columns, [["12.345,25", "1 000"]]), [[12345.25, 1000]])
    for cell in ("1,23", "01,234", "1,2345", "1,234,56", "1 234,5"):  # not strict groups with a decimal point
        bad = write(tmp_path / "bad.csv", f'a,b\n1,0\n2,1\n"{cell}",0\n')
        with pytest.raises(NonNumericError, match="is not a number"):
            read_csv(bad)


def test_tsv_quotes_bom_blank_lines(tmp_path):
    text = "\ufeffname\tvalue\tclass\n\"a, b\"\t1\tx\n\n\"c\"\t2\ty\n\n"
    f = write(tmp_path / "t.tsv", text)
    ds = read_csv(f, ignore=["name"])
    assert ds.feature_names == ["value"] and ds.x[:, 0].tolist() == [1, 2]
    assert ds.class_names == ["x", "y"]


def test_forced_categorical_and_task_override(tmp_path):
    f = write(tmp_path / "t.csv", "zone,size,price\n1,10,100.5\n2,20,200\n1,30,300\n")
    ds = read_csv(f, categorical=["zone"])
    assert ds.feature_names == ["zone=1", "zone=2", "size"]
    assert ds.task == "regression"
    ds = read_csv(f, target="zone", task="binary")
    assert ds.class_names == ["1", "2"] and ds.y.tolist() == [0, 1, 0]


def test_numeric_target_with_few_integer_values_is_classification(tmp_path):
    f = write(tmp_path / "t.csv", "".join(f"{i},{i % 4}\n" for i in range(20)))
    ds = read_csv(f)
    assert ds.task == "multiclass" and ds.class_names == ["0", "1", "2", "3"]


def test_no_target_for_prediction_inputs(tmp_path):
    f = write(tmp_path / "t.csv", "1,2\n3,4\n")
    ds = read_csv(f, target=None)
    assert ds.y is None and ds.x.shape == (2, 2)


def test_names_override(tmp_path):
    f = write(tmp_path / "t.csv", "1,2,0\n3,4,1\n")
    ds = read_csv(f, header=False, names=["a", "b", "c"], target="c")
    assert ds.feature_names == ["a", "b"]
    with pytest.raises(ColumnError, match="2 column names were given but the file has 3"):
        read_csv(f, names=["a", "b"])


def test_encode_rows_reuses_the_import_encoding():
    ds = read_csv(UCI / "abalone.csv")
    rows = [["M", 0.455, 0.365, 0.095, 0.514, 0.2245, 0.101, 0.15], ["I", "0.3", 1, 1, 1, 1, 1, 1]]
    x = encode_rows(ds.columns, rows)
    np.testing.assert_array_equal(x[0], ds.x[0])
    assert x[1, :3].tolist() == [0, 1, 0]
    with pytest.raises(DataError, match=r"unknown category 'X' in column 'column 1'; known: 'F', 'I', 'M'"):
        encode_rows(ds.columns, [["X", 1, 1, 1, 1, 1, 1, 1]])
    with pytest.raises(RaggedRowError, match="8 feature columns"):
        encode_rows(ds.columns, [["M", 1]])
    with pytest.raises(NonNumericError) as e:
        encode_rows(ds.columns, [["M", "abc", 1, 1, 1, 1, 1, 1]])
    assert (e.value.row, e.value.column) == (1, 2)


def test_progress_and_cancel(tmp_path):
    f = write(tmp_path / "t.csv", "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(100_000)))
    seen = []
    ds = read_csv(f, progress=seen.append)
    assert len(ds) == 100_000 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 2
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        read_csv(f, cancel=stop)
    calls = []
    with pytest.raises(Cancelled):
        read_csv(f, cancel=lambda: len(calls) > 2, progress=calls.append)


# --- broken files: each a specific error naming the file and the place ----------------------------

def _error(tmp_path, text, kind, **kwargs):
    f = write(tmp_path / "bad.csv", text) if isinstance(text, str) else tmp_path / "bad.csv"
    if not isinstance(text, str):
        f.write_bytes(text)
    with pytest.raises(kind) as info:
        read_csv(f, **kwargs)
    assert info.value.file == str(f)
    assert str(info.value).startswith(str(f))
    return info.value


def test_empty_file(tmp_path):
    err = _error(tmp_path, "", EmptyDataError)
    assert "empty" in err.message
    _error(tmp_path, "\n \n", EmptyDataError)


def test_header_only(tmp_path):
    err = _error(tmp_path, "a,b,label\n", EmptyDataError)
    assert "no data rows below its header" in err.message


def test_ragged_row(tmp_path):
    text = "a,b,c\n" + "1,2,0\n" * 5 + "1,2\n"
    err = _error(tmp_path, text, RaggedRowError)
    assert (err.row, err.column) == (7, None)
    assert "this row has 2 cells but row 1 has 3" in err.message


def test_ragged_row_found_after_the_first_chunk(tmp_path):
    text = "1,2,0\n" * 20_000 + "1,2,0,4\n"
    err = _error(tmp_path, text, RaggedRowError)
    assert err.row == 20_001


def test_wrong_delimiter_given(tmp_path):
    err = _error(tmp_path, "1,2,0\n3,4,1\n", FormatError, delimiter=";")
    assert "only one column found with delimiter ';'" in err.message
    assert "the file seems to use ','" in err.message


def test_target_name_not_in_header(tmp_path):
    err = _error(tmp_path, "a,b,label\n1,2,0\n", ColumnError, target="class")
    assert err.message == "the target column 'class' does not exist; the columns are: 'a', 'b', 'label'"


def test_target_index_out_of_range(tmp_path):
    err = _error(tmp_path, "1,2,0\n", ColumnError, target=5)
    assert "index 5 does not exist: the file has 3 columns" in err.message


def test_wrong_header_length(tmp_path):
    err = _error(tmp_path, "a,b\n1,2,0\n3,4,1\n", RaggedRowError)
    assert err.row == 2 and "row 1 has 2" in err.message


def test_mixed_types_in_a_numeric_column(tmp_path):
    text = "a,b,label\n" + "".join(f"{i},{i},0\n" for i in range(30)) + "5,five,1\n"
    err = _error(tmp_path, text, NonNumericError)
    assert (err.row, err.column) == (32, 2)
    assert err.message == "'five' is not a number, but column 2 ('b') holds numbers"
    assert str(err) == f"{err.file}, row 32, column 2: {err.message}"


def test_mixed_types_beyond_the_sample(tmp_path):
    text = "".join(f"{i},{i},0\n" for i in range(50_000)) + "1,x,0\n"
    err = _error(tmp_path, text, NonNumericError)
    assert (err.row, err.column) == (50_001, 2)


@pytest.mark.parametrize("cell", ["", "?", "NA", "nan"])
def test_missing_cell(tmp_path, cell):
    text = f"a,b,label\n1,2,0\n3,{cell},1\n"
    err = _error(tmp_path, text, MissingValueError)
    assert (err.row, err.column) == (3, 2)


def test_infinite_value(tmp_path):
    err = _error(tmp_path, "1,2,0\n1,inf,1\n", NonNumericError)
    assert (err.row, err.column) == (2, 2)


def test_missing_target(tmp_path):
    err = _error(tmp_path, "a,b,label\n1,2,x\n3,4,\n", MissingValueError)
    assert (err.row, err.column) == (3, 3)


def test_binary_file(tmp_path):
    err = _error(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", FormatError)
    assert "binary" in err.message


def test_not_utf8(tmp_path):
    err = _error(tmp_path, "a,b\n1,caf\xe9\n2,th\xe9\n".encode("latin-1"), FormatError)
    assert "not valid utf-8" in err.message and err.row == 2
    ds = read_csv(tmp_path / "bad.csv", encoding="latin-1", target=0)
    assert ds.feature_names == ["b=café", "b=thé"]


def test_single_valued_target(tmp_path):
    err = _error(tmp_path, "1,a\n2,a\n", DataError)
    assert "holds a single value ('a')" in err.message


def test_binary_task_with_three_classes(tmp_path):
    err = _error(tmp_path, "1,a\n2,b\n3,c\n", DataError, task="binary")
    assert "task='binary' needs 2 classes" in err.message


def test_too_many_categories(tmp_path):
    text = "".join(f"id{i},{i},{i % 2}\n" for i in range(100))
    err = _error(tmp_path, text, DataError, max_categories=50)
    assert "more than 50 different text values" in err.message and err.column == 1


def test_regression_target_with_text(tmp_path):
    err = _error(tmp_path, "1,2.5\n2,3.5\n3,abc\n", NonNumericError, task="regression")
    assert (err.row, err.column) == (3, 2)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_csv(tmp_path / "nope.csv")


# --- memory: about the size of the decoded arrays -------------------------------------------------

@pytest.mark.slow
def test_large_csv_streams_within_a_small_multiple_of_the_decoded_size(tmp_path):
    import tracemalloc
    rng = np.random.default_rng(0)
    block = rng.normal(size=(10_000, 8))
    text = "".join(",".join(f"{v:.5f}" for v in row) + f",{i % 2}\n" for i, row in enumerate(block))
    f = tmp_path / "big.csv"
    with open(f, "w") as out:
        for _ in range(70):
            out.write(text)
    size = f.stat().st_size
    assert size > 45e6
    tracemalloc.start()
    try:
        ds = read_csv(f)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    decoded = ds.x.nbytes + ds.y.nbytes
    assert ds.x.shape == (700_000, 8)
    assert peak < 2.0 * decoded, f"peak {peak / 1e6:.0f} MB for {decoded / 1e6:.0f} MB decoded"
