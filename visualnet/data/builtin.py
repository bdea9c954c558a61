"""The built-in datasets, by name, with what the GUI needs to show and configure them.

Real data ship under `resources/datasets/` (see its README for sources and licences):
the MNIST 10,000-digit test set, six UCI tables, the movie review polarity corpus (text)
and Melbourne's daily minimum temperatures (a time series). The synthetic sets are generated
from their parameters (see `synthetic`).
"""

from dataclasses import dataclass, field

from ..resources import resource_path
from . import sequence_builtins, series_builtins, synthetic
from .csv_import import read_csv
from .dataset import Dataset
from .idx import read_idx_pair
from .split import SplitSpec

UCI_CITATION = ("UCI Machine Learning Repository (Dua & Graff), via J. Brownlee's Datasets collection; "
                "see resources/datasets/README.md")
MNIST_CITATION = "Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of handwritten digits; CC BY-SA 3.0"
REVIEWS_CITATION = ("B. Pang and L. Lee, A Sentimental Education: Sentiment Analysis Using Subjectivity "
                    "Summarization Based on Minimum Cuts, Proceedings of the ACL 2004 (polarity dataset v2.0)")
TEMPERATURES_CITATION = ("Australian Bureau of Meteorology, via R. Hyndman's Time Series Data Library and "
                         "J. Brownlee's Datasets collection; see resources/datasets/README.md")


@dataclass(frozen=True)
class Param:
    """A numeric parameter of a generated dataset, with its range for a GUI control."""
    name: str
    default: float
    minimum: float
    maximum: float
    integer: bool
    doc: str


@dataclass(frozen=True)
class BuiltinDataset:
    name: str
    title: str
    task: str
    kind: str
    description: str
    n_samples: int                 # with the default parameters
    input_shape: tuple
    citation: str = ""
    params: tuple = ()             # Param: generation settings, or a real set's window/vocabulary sizes
    split: SplitSpec = field(default_factory=SplitSpec)   # the split the tutorials use

    @property
    def synthetic(self) -> bool:
        return self.name in synthetic.GENERATORS

    def defaults(self) -> dict:
        return {p.name: (int(p.default) if p.integer else float(p.default)) for p in self.params}


def _size(default):
    return Param("n_samples", default, 10, 20000, True, "number of points")


def _noise(default, maximum=1.0, doc="jitter added to the points"):
    return Param("noise", default, 0.0, maximum, False, doc)


SEED = Param("seed", 0, 0, 2 ** 31 - 1, True, "random seed (same seed, same points)")

_UCI = {
    "pima": ("pima-indians-diabetes.csv", "Pima Indians diabetes", "binary",
             ["pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi",
              "diabetes_pedigree", "age", "diabetes"],
             ["tested negative", "tested positive"],
             "Onset of diabetes within five years from 8 medical measurements of 768 women (the Keras "
             "tutorials' first example). Zeros stand for missing measurements."),
    "iris": ("iris.csv", "Iris flowers", "multiclass",
             ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"], None,
             "Three iris species from 4 flower measurements (cm), 50 flowers each."),
    "sonar": ("sonar.csv", "Sonar: mines vs rocks", "binary",
              [f"band_{i}" for i in range(1, 61)] + ["object"], ["M (mine)", "R (rock)"],
              "Sonar returns bounced off a metal cylinder or a rock: the energy in 60 frequency bands."),
    "banknote": ("banknote_authentication.csv", "Banknote authentication", "binary",
                 ["variance", "skewness", "curtosis", "entropy", "class"], None,
                 "Genuine vs forged banknotes from 4 wavelet features of their images."),
    "wheat_seeds": ("wheat-seeds.csv", "Wheat seeds", "multiclass",
                    ["area", "perimeter", "compactness", "kernel_length", "kernel_width", "asymmetry",
                     "groove_length", "variety"], ["Kama", "Rosa", "Canadian"],
                    "Three wheat varieties from 7 geometric measurements of X-rayed kernels."),
    "abalone": ("abalone.csv", "Abalone age", "regression",
                ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight",
                 "shell_weight", "rings"], None,
                "Number of shell rings (age - 1.5 years) from sex (M/F/I, one-hot encoded) and 7 measurements."),
}

_UCI_SIZES = {"pima": (768, 8), "iris": (150, 4), "sonar": (208, 60), "banknote": (1372, 4),
              "wheat_seeds": (210, 7), "abalone": (4177, 10)}

_SYNTHETIC = {
    "circles": ("Circles", "binary", "A disc of one class inside a ring of the other (TensorFlow Playground).",
                (_size(500), _noise(0.0), SEED)),
    "moons": ("Two moons", "binary", "Two interleaving half circles (scikit-learn's make_moons).",
              (_size(500), _noise(0.1, 1.0, "standard deviation of Gaussian noise"), SEED)),
    "xor": ("XOR", "binary", "Class by the sign of x1 * x2: not linearly separable (TensorFlow Playground).",
            (_size(500), _noise(0.0), SEED)),
    "spirals": ("Two spirals", "binary", "Two interleaved spirals, the hardest Playground set.",
                (_size(500), _noise(0.0), SEED)),
    "blobs": ("Gaussian blobs", "binary", "Gaussian clusters (two, or up to ten with centers=...).",
              (_size(500), _noise(0.0, 1.0, "cluster spread"), SEED,
               Param("centers", 2, 2, 10, True, "number of clusters (classes)"))),
    "regression_curve": ("Regression curve", "regression", "y = sin(2x) + 0.1x^2 plus Gaussian noise, x in [-3, 3].",
                         (_size(200), _noise(0.1, 2.0, "standard deviation of the noise on y"), SEED)),
}


_SEQUENCES = {
    "movie_reviews": BuiltinDataset(
        "movie_reviews", "Movie reviews (sentiment)", "binary", "text",
        "2,000 real movie reviews, positive or negative (Pang & Lee polarity v2.0), as word ids: the last "
        "`maxlen` words of each review (padded with 0 in front), the most frequent words of the training part "
        "numbered from 2 by frequency, 1 for any other word; every id is below `num_words`, so "
        "Embedding(num_words, ...) as with Keras's datasets. Train on the first 1,600 reviews of a fixed shuffle, "
        "test on the last 400.",
        2000, (200,), REVIEWS_CITATION,
        (Param("maxlen", 200, 10, 2000, True, "words per review (longer reviews keep their last words)"),
         Param("num_words", 10000, 10, 50000, True, "vocabulary size (most frequent training words)")),
        SplitSpec(validation=0.0, test=0.2, shuffle=False)),
    "movie_reviews_text": BuiltinDataset(
        "movie_reviews_text", "Movie reviews (raw text)", "binary", "text",
        "The same 2,000 movie reviews as raw texts, for a recipe that turns them into word ids itself "
        "(the vectorize-text step, fitted on the training reviews). Same order and split as the word-id version: "
        "train on the first 1,600, test on the last 400.",
        2000, (1,), REVIEWS_CITATION, split=SplitSpec(validation=0.0, test=0.2, shuffle=False)),
    "daily_temperatures": BuiltinDataset(
        "daily_temperatures", "Daily minimum temperatures (Melbourne)", "regression", "timeseries",
        "Daily minimum temperature (deg C) in Melbourne, 1981-1990, as windows of `window` days, one every `step` "
        "days; the target is the temperature `horizon` days after the window (1: the next day). Split by time: "
        "the last 20% of the windows test, never shuffled.",
        3620, (30, 1), TEMPERATURES_CITATION,
        (Param("window", 30, 2, 365, True, "days in each input window"),
         Param("horizon", 1, 1, 365, True, "days ahead of the window's last day to predict"),
         Param("step", 1, 1, 365, True, "days between the starts of consecutive windows")),
        SplitSpec(validation=0.0, test=0.2, shuffle=False)),
}


def _registry() -> dict:
    reg = {"mnist": BuiltinDataset(
        "mnist", "MNIST digits (10,000-digit sample)", "multiclass", "image",
        "Real handwritten digits 0-9, 28x28 grayscale: the MNIST test set. Train on the first 8,000 and "
        "test on the last 2,000 (the default split here); figures are not comparable to full-MNIST ones.",
        10000, (28, 28, 1), MNIST_CITATION, split=SplitSpec(validation=0.0, test=0.2, shuffle=False))}
    for name, (_, title, task, _, _, desc) in _UCI.items():
        n, d = _UCI_SIZES[name]
        reg[name] = BuiltinDataset(name, title, task, "table", desc, n, (d,), UCI_CITATION)
    for name, (title, task, desc, params) in _SYNTHETIC.items():
        n = int(params[0].default)
        reg[name] = BuiltinDataset(name, title, task, "table", desc, n, (1,) if name == "regression_curve" else (2,),
                                   "", params)
    reg.update(_SEQUENCES)
    return reg


BUILTINS = _registry()
BUILTINS.update(series_builtins.entries())


def builtin_names() -> list:
    return list(BUILTINS)


def builtin_info(name: str) -> BuiltinDataset:
    if name not in BUILTINS:
        raise KeyError(f"no built-in dataset {name!r}; available: {', '.join(BUILTINS)}")
    return BUILTINS[name]


def load_builtin(name: str, *, progress=None, cancel=None, **params) -> Dataset:
    """The built-in dataset `name`; synthetic sets take their parameters (see `builtin_info(name).params`)."""
    info = builtin_info(name)
    if info.params:
        allowed = {p.name: p for p in info.params}
        unknown = set(params) - set(allowed)
        if unknown:
            raise TypeError(f"{name} takes {', '.join(allowed)}; received: {', '.join(sorted(unknown))}")
        for key, value in params.items():
            p = allowed[key]
            if not p.minimum <= value <= p.maximum:
                raise ValueError(f"{key} must be in [{p.minimum}, {p.maximum}]; received: {key}={value!r}")
            if p.integer and (isinstance(value, bool) or int(value) != value):
                raise ValueError(f"{key} must be a whole number; received: {key}={value!r}")
    if name in series_builtins.NAMES:
        return series_builtins.load(name, progress=progress, cancel=cancel, **params)
    if name == "movie_reviews":
        ds = sequence_builtins.movie_reviews(resource_path("datasets", "text", "review_polarity.tar.gz"),
                                             **{**info.defaults(), **params})
        ds.source = f"{info.title}: {info.citation}"
        return ds
    if name == "movie_reviews_text":
        ds = sequence_builtins.movie_review_texts(resource_path("datasets", "text", "review_polarity.tar.gz"))
        ds.source = f"{info.title}: {info.citation}"
        return ds
    if name == "daily_temperatures":
        ds = sequence_builtins.daily_temperatures(
            resource_path("datasets", "timeseries", "daily-min-temperatures.csv"), **{**info.defaults(), **params})
        ds.source = f"{info.title}: {info.citation}"
        return ds
    if info.synthetic:
        ds = synthetic.GENERATORS[name](**{**info.defaults(), **params})
        ds.source = f"{ds.source}; VisualNet built-in '{name}'"
        return ds
    if params:
        raise TypeError(f"{name} takes no parameters; received: {', '.join(sorted(params))}")
    if name == "mnist":
        folder = resource_path("datasets", "mnist")
        ds = read_idx_pair(folder / "t10k-images-idx3-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz",
                           num_classes=10, name="mnist", progress=progress, cancel=cancel)
    else:
        file, _, task, columns, class_names, _ = _UCI[name]
        ds = read_csv(resource_path("datasets", "uci", file), header=False, names=columns, target=-1,
                      task=task, name=name, progress=progress, cancel=cancel)
        if class_names is not None:
            ds.class_names = list(class_names)
    ds.source = f"{info.title}: {info.citation}"
    return ds
