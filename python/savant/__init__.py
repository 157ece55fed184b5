"""savant from Python: the library of the `savant` program, with NumPy arrays.

A thin layer over the C++ library (src/savant/): every number comes from the same functions as
the command line, so that `savant.reproduce()` gives what `savant reproduce` prints and
`savant.train(...)` the weights `savant train` writes, bit for bit. README.md, "From Python",
shows the use; docs/notebook.ipynb reproduces the article with it.

Errors: what the library reports is a savant.Error (a RuntimeError), of a subclass per kind that
is also the matching built-in: SettingError and UsageError (ValueError) for a bad setting or
call, InputError (ValueError) for a file or array whose content savant cannot use,
TrainingError for training that diverged, FileError (OSError, with errno and filename) when the
operating system refuses, ResourceError (MemoryError) over a limit or out of memory. An array of
the wrong dtype, shape or layout is a plain ValueError. A model that trained but did not learn
(the command line's "did not learn") is a NotLearningWarning, through Python's warnings.

pandas is imported only where a DataFrame is asked for (Table.to_pandas(), read_sweep); NumPy by
the first function that makes an array.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
import pathlib
import textwrap
import warnings
from typing import TYPE_CHECKING, Optional

from . import _savant
from ._savant import (Error, FileError, InputError, Model, ResourceError, SettingError,
                      TrainingError, UsageError)
from .progress import ProgressArg, TextProgress
from .progress import callback as _progress_callback
from .table import Table
from .table import fixed as _fixed
from .table import percent as _percent

#NumPy is imported by the first function that makes an array, not by `import savant`: the
#whole experiment(savant.reproduce) needs none, and the import costs about 0.1 s.
if TYPE_CHECKING:
    import numpy as np

__version__ = _savant.__version__
__all__ = [
    "Error", "SettingError", "UsageError", "InputError", "TrainingError", "FileError",
    "ResourceError", "NotLearningWarning", "Model", "Table", "TextProgress", "Dataset",
    "Evaluation", "GridSignature", "Reproduction", "load",
    "shuffle", "block_permutation", "train", "train_on", "evaluate", "predict",
    "weight_correlation", "adjacent_correlation", "grid_signature", "reproduce", "load_model",
    "save_model", "compare", "read_results", "sweep", "read_sweep", "settings",
]

#Where Debian's dataset-* packages put their files (dataset-fashion-mnist: fashion-mnist).
DATASETS = pathlib.Path("/usr/share/datasets")

Progress = ProgressArg


class NotLearningWarning(UserWarning):
    """A model trained to the end but did not learn: its last epoch's loss is above that of
    guessing every class alike or above its first epoch's, or its training accuracy is under 1.5
    times chance (the command line's "did not learn"). Usually a learning rate far too large."""


def _warn_if_not_learned(*models: Model) -> None:
#stacklevel 3 : the caller of train, train_on or reproduce.
    for model in models:
        for text in model.warnings:
            warnings.warn(text, NotLearningWarning, stacklevel=3)


def _train(run, progress: Progress):
    """run(callback) with the progress that `progress` asks for (progress.callback)."""
    fn, shown = _progress_callback(progress)
    try:
        return run(fn)
    finally:
        if shown is not None:
            shown.close()


def _whole(name: str, value, least: int = 0, most: int = 2**64 - 1) -> int:
    """`value` as a whole number in [least, most], else ValueError in the settings' words (a bool
    is no number here: seed=True is a mistake)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}={value!r}: expected a whole number of {least} or more")
    if not least <= value <= most:
        raise ValueError(f"{name}={value!r}: expected a whole number from {least} to {most}")
    return int(value)


def _data_dir(data) -> str:
    """A directory; a bare name that is not one ("fashion-mnist") is looked up in DATASETS;
    None is $SAVANT_DATA, else Debian's Fashion-MNIST."""
    if data is None:
        return str(_savant.default_data_dir())
    path = pathlib.Path(os.fspath(data))
    if not path.is_dir() and len(path.parts) == 1 and (DATASETS / path).is_dir():
        return str(DATASETS / path)
    return str(path)


def _wrap(text: str) -> str:
    """A line of a repr: indented, wrapped at 80 columns."""
    return textwrap.fill(text, 80, initial_indent="  ", subsequent_indent="    ",
                         break_on_hyphens=False)


@dataclasses.dataclass(repr=False)
class Dataset:
    """An IDX data set: uint8 images (count, rows, cols) and uint8 labels (count,)."""
    dir: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: list
    train_crc32: int  # CRC-32 of the training images and labels, as model files record it

    def __repr__(self) -> str:
        count, rows, cols = self.train_images.shape
        return "\n".join([f"savant.Dataset {self.dir}",
                          _wrap(f"{count} training and {len(self.test_images)} test images of "
                                f"{rows}x{cols}, train_crc32 {self.train_crc32:08x}"),
                          _wrap(f"{len(self.class_names)} classes: "
                                + ", ".join(self.class_names))])


def load(data=None, *, train_limit: int = 0, classes: int = 10) -> Dataset:
    """The four IDX files of `data` (a directory, or a name under /usr/share/datasets such as
    "fashion-mnist"), raw or gzip, validated. The arrays own the library's buffers (no copy).
    `train_limit` keeps the first N training images (0: all), as --train-limit does."""
    d = _savant.load(_data_dir(data), classes, _whole("train_limit", train_limit))
    return Dataset(str(d["dir"]), d["train_images"], d["train_labels"], d["test_images"],
                   d["test_labels"], list(d["class_names"]), d["train_crc32"])


def shuffle(images: np.ndarray, grid: int = 4, mode: str = "derange", seed: int = 0,
            split: str = "train", threads: Optional[int] = None) -> np.ndarray:
    """Each image cut into grid x grid blocks and shuffled with its own permutation (mode:
    derange, permute, fixed or none), as the experiment does for the training (split="train")
    or the test images (split="test"). Images: uint8, or floats in [0, 1] (pixels / 255, taken
    as round(x * 255)). Returns a new uint8 array."""
    return _savant.shuffle(images, grid, mode, _whole("seed", seed), split, threads)


def block_permutation(grid: int, mode: str = "derange", seed: int = 0, split: str = "train",
                      index: int = 0) -> np.ndarray:
    """The permutation of image `index`: output block i is input block p[i]."""
    return _savant.block_permutation(grid, mode, _whole("seed", seed), split,
                                     _whole("index", index))


def train(images: np.ndarray, labels: np.ndarray, *, model: str = "mlp", hidden: int = 128,
          layers: int = 1, grid: int = 4, epochs: int = 5, batch: int = 32,
          learning_rate: float = 1e-3, seed: int = 0, threads: Optional[int] = None,
          engine: str = "auto", classes: int = 10, name: str = "model",
          progress: Progress = None) -> Model:
    """A network trained with Adam from the seed's Glorot initialisation: `model` "mlp" (dense,
    pixels-hidden...-classes, ReLU), "cnn", "local" or "mixer" (whose tokens are the blocks of a
    `grid` x `grid` grid; docs/ARCHITECTURE.md), as `savant train` trains it (bitwise the same for the same images and
    settings, whatever `threads`). Images: uint8 pixels, or floats in [0, 1] (pixels / 255, taken
    as round(x * 255));
labels : any whole - number dtype.The GIL is released while it trains;
Ctrl - C stops it(KeyboardInterrupt). `progress`: None shows a text bar in a notebook only,
    True anywhere(stderr), False never;
a callable is called with a dict (name, epoch, epochs,
    step, steps, loss, accuracy, elapsed_seconds) about 100 times an epoch. A model that did not
    learn gives a NotLearningWarning."""
    settings = dict(model=model, hidden=hidden, layers=layers, grid=grid, epochs=epochs,
                    batch=batch, learning_rate=learning_rate, seed=seed, threads=threads,
                    engine=engine)
    model = _train(lambda fn: _savant.train(images, labels, settings, classes, name, fn),
                   progress)
    _warn_if_not_learned(model)
    return model


def settings() -> list:
    """The library's settings, each declared once (src/savant/experiment/settings.cpp): a dict
    with its name (the keyword argument), type, default (as text), choices, help and uses
    ("trains": reproduce and train_on take it; "sweep_axis": sweep takes a list of values;
    "sweep_once": sweep takes one value)."""
    return _savant.settings()


def train_on(which: str, *, progress: Progress = None, **settings) -> Model:
    """`savant train --train-on WHICH`: loads the data set, shuffles the training images when
    `which` is "shuffled", trains, and returns the model with the metadata the command writes.
    Settings: those of savant.settings() used in training ("trains"), engine included;
    `progress` as train's. A model that did not learn gives a NotLearningWarning."""
    if "data" in settings:
        settings["data"] = _data_dir(settings["data"])
    model = _train(lambda fn: _savant.train_on(which, settings, fn), progress)
    _warn_if_not_learned(model)
    return model


@dataclasses.dataclass(repr=False)
class Evaluation:
    accuracy: float
    correct: int
    total: int
    per_class_accuracy: np.ndarray  # (classes,), NaN for a class with no images
    confusion: np.ndarray  # (classes, classes) int64: [true class, predicted class]

    def __repr__(self) -> str:
        return (f"savant.Evaluation: accuracy {100 * self.accuracy:.2f}% ({self.correct} of "
                f"{self.total} images), {len(self.per_class_accuracy)} classes")


def evaluate(model: Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Accuracy, per-class accuracy and confusion matrix of `model` on the images (at least
    one; uint8, or floats in [0, 1]) and labels (any whole-number dtype);
    model.evaluate(images,
    labels) is the same. ValueError when a weight of the model is NaN or infinite: its
    predictions would mean nothing."""
    return Evaluation(**_savant.evaluate(model, images, labels))


def predict(model: Model, images: np.ndarray):
    """(labels uint8 (count,), confidence float32 (count,)): the predicted class of each image
    and its softmax probability;
    model.predict(images) is the same."""
    return _savant.predict(model, images)

#Model 's methods, as Keras and PyTorch users look for them: each is the module' s function.
def _model_evaluate(self: Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """savant.evaluate(self, images, labels): accuracy, per-class accuracy, confusion."""
    return evaluate(self, images, labels)


def _model_predict(self: Model, images: np.ndarray):
    """savant.predict(self, images): (labels uint8 (count,), confidence float32 (count,))."""
    return predict(self, images)


def _model_save(self: Model, path) -> None:
    """savant.save_model(self, path): a safetensors file, written atomically (a cnn, local or
    mixer model's under PyTorch's state_dict names, which load_state_dict takes)."""
    save_model(self, path)


# How each architecture's forward pass uses its modules (the ReLUs and poolings hold no
# weights, so print(model) in PyTorch does not show them either).
_FORWARD = {
    "cnn": "conv1, ReLU, max-pool 2; conv2, ReLU, max-pool 2; flatten; fc1, ReLU; fc2",
    "local": "conv1, ReLU; conv2, ReLU; conv3; mean over the image = logits",
    "mixer": "embed each block; h += token_mlp (over blocks); h += channel_mlp; mean over "
             "blocks; head",
}


def _module_line(name: str, shape: tuple, indent: str) -> str:
    """One module as print(model) shows it in PyTorch, from its weight's shape."""
    if len(shape) == 4:
        out, inp, kh, kw = shape
        pad = f", padding=({kh // 2}, {kw // 2})" if kh > 1 else ""
        return (f"{indent}({name}): Conv2d({inp}, {out}, kernel_size=({kh}, {kw}), "
                f"stride=(1, 1){pad})")
    out, inp = shape
    return f"{indent}({name}): Linear(in_features={inp}, out_features={out}, bias=True)"


def _architecture_lines(model: Model) -> list:
    """The modules of a cnn, local or mixer model as print(model) in PyTorch lists them."""
    modules = {}
    for key, value in model.state_dict.items():
        if key.endswith(".weight"):
            modules[key[: -len(".weight")]] = value.shape
    lines = [f"{model.architecture.capitalize()}("]
    open_block = None
    for name, shape in modules.items():
        parts = name.split(".")
        if len(parts) == 2:  # a Sequential's layer: (0) Linear, (1) ReLU, (2) Linear
            if open_block != parts[0]:
                if open_block is not None:
                    lines.append("  )")
                lines.append(f"  ({parts[0]}): Sequential(")
                open_block = parts[0]
            else:
                lines.append(f"    ({int(parts[1]) - 1}): ReLU()")
            lines.append(_module_line(parts[1], shape, "    "))
            continue
        if open_block is not None:
            lines.append("  )")
            open_block = None
        lines.append(_module_line(name, shape, "  "))
    if open_block is not None:
        lines.append("  )")
    lines.append(")")
    lines.append(_wrap(f"forward: {_FORWARD[model.architecture]}"))
    return lines


def _model_repr(self: Model) -> str:
    """Architecture, how it was trained (regime, grid, seed, epochs, engine) and its last
    epoch's training accuracy, as far as they are known. A cnn, local or mixer model lists its
    modules as print(model) does in PyTorch."""
    if self.architecture == "mlp":
        lines = [f"savant.Model {self.name!r}: dense {'-'.join(map(str, self.sizes))} (ReLU)"]
    else:
        lines = [f"savant.Model {self.name!r}: {self.architecture}, "
                 f"{self.parameters:,} parameters"] + _architecture_lines(self)
    meta = self.metadata
    config = {}
    try:
        config = json.loads(meta.get("config", "{}"))
    except ValueError:
        pass
    trained = []
    if "train_on" in meta:
        regime = meta["train_on"]
        trained.append(f"trained on {regime} images" if regime == "original" else
                       f"trained on {regime} images, grid {meta.get('grid', '?')} "
                       f"({meta.get('shuffle', '?')})")
    elif self.history:
        trained.append("trained on arrays")
    else:
        trained.append("weights given or loaded (no savant metadata)" if not meta else
                       "loaded; metadata: " + ", ".join(sorted(meta)))
    if self.seed is not None:
        trained.append(f"seed {self.seed}")
    epochs = len(self.history) or config.get("epochs")
    if epochs:
        trained.append(f"{epochs} epoch{'s' if epochs != 1 else ''}")
    if self.engine:
        trained.append(f"engine {self.engine}")
    lines.append(_wrap(", ".join(trained)))
    if self.history:
        last = self.history[-1]
        lines.append(_wrap(f"training accuracy {100 * last['train_accuracy']:.1f}%, loss "
                           f"{last['loss']:.4f} (epoch {last['epoch']})"))
    lines += [_wrap(f"warning: {w}") for w in self.warnings]
    return "\n".join(lines)


Model.evaluate = _model_evaluate
Model.predict = _model_predict
Model.save = _model_save
Model.__repr__ = _model_repr


def _kernel(model_or_kernel) -> np.ndarray:
    return model_or_kernel.weights[0] if isinstance(model_or_kernel, Model) else model_or_kernel


def _image_size(R: np.ndarray, rows, cols):
    if rows is None and cols is None:
        shape = getattr(R, "shape", None)
        if shape is None or len(shape) != 2:
            return 1, 1  # the library says what R must be
        side = math.isqrt(shape[0])
        if shape[0] == 0 or side * side != shape[0]:
            raise ValueError(f"R has shape {tuple(shape)}, which is not (pixels, pixels) for the "
                             "pixels of a square image; give rows and cols")
        return side, side
    if rows is None or cols is None:
        raise ValueError("give both rows and cols, or neither (square images)")
    return _whole("rows", rows, 1), _whole("cols", cols, 1)


def weight_correlation(model_or_kernel) -> np.ndarray:
    """R (pixels, pixels), float64: the Pearson correlation of the pixels' weight vectors (the
    rows of the first kernel, float32 (pixels, hidden)); NaN for a constant row (SPEC section 5)."""
    return _savant.weight_correlation(_kernel(model_or_kernel))


def adjacent_correlation(R: np.ndarray, rows: Optional[int] = None,
                         cols: Optional[int] = None) -> np.ndarray:
    """A (rows, cols): the mean R of each pixel with its right and lower neighbours; square
    images when rows and cols are not given."""
    rows, cols = _image_size(R, rows, cols)
    return _savant.adjacent_correlation(R, rows, cols)


@dataclasses.dataclass(repr=False)
class GridSignature:
    within: float  # mean R over adjacent pairs inside one block
    across: float  # mean R over adjacent pairs that cross a block border
    contrast: float  # within - across
    within_pairs: int
    across_pairs: int

    def __repr__(self) -> str:
        return (f"savant.GridSignature: contrast {self.contrast:.4f} (within {self.within:.4f} - "
                f"across {self.across:.4f})")


def grid_signature(R: np.ndarray, grid: int = 4, rows: Optional[int] = None,
                   cols: Optional[int] = None) -> GridSignature:
    """The grid signature of R at `grid` (SPEC section 5)."""
    rows, cols = _image_size(R, rows, cols)
    return GridSignature(**_savant.grid_signature(R, rows, cols, grid))


MODELS = ("original_model", "shuffled_model")
TESTS = ("original_test", "shuffled_test")


class Reproduction:
    """The whole experiment, as `savant reproduce` computes it. `results` is results.json as a
    dict; `accuracy` and `signature` are its two tables (savant.Table: `.to_pandas()` makes a
    DataFrame of one)."""

    def __init__(self, native: _savant.Reproduction):
        self._native = native
        self.results = json.loads(native.results_json())
        self.original_model = native.original_model
        self.shuffled_model = native.shuffled_model

    def _which(self, model: str) -> bool:
        if model not in MODELS:
            raise ValueError(f"model {model!r}: expected one of {', '.join(MODELS)}")
        return model == "shuffled_model"

    def correlation(self, model: str = "shuffled_model") -> np.ndarray:
        """R (pixels, pixels) of one model: a read-only view into the result (copy it to
        change it: what write() saves cannot be changed)."""
        return self._native.correlation(self._which(model))

    def adjacent(self, model: str = "shuffled_model") -> np.ndarray:
        """The adjacent map A (rows, cols) of one model: a read-only view into the result."""
        return self._native.adjacent(self._which(model))

    @property
    def accuracy(self) -> Table:
        """The 2x2 table: each model (rows) on the original and shuffled test images."""
        a = self.results["accuracy"]
        return Table(MODELS, TESTS, [[a[m][t] for t in TESTS] for m in MODELS], _percent)

    @property
    def signature(self) -> Table:
        """Each model's grid signature: within, across, contrast (an mlp run's: the other
        models have no dense first layer, so no pixel map)."""
        if "grid_signature" not in self.results:
            raise UsageError(f"a {self.results['config']['model']} run has no grid signature: "
                             "its pixel map is not defined (see its report)")
        s = self.results["grid_signature"]
        columns = ["within", "across", "contrast"]
        return Table(MODELS, columns, [[s[m][c] for c in columns] for m in MODELS], _fixed)

    def __repr__(self) -> str:
        c = self.results["config"]
        if self.original_model.architecture == "mlp":
            network = "dense " + "-".join(map(str, self.original_model.sizes))
        else:
            network = self.original_model.architecture
        head = (f"savant.Reproduction: grid {c['grid']} ({c['shuffle']}), seed {c['seed']}, "
                f"{network}, {c['epochs']} epoch{'s' if c['epochs'] != 1 else ''}")
        return head + "\n" + repr(self.accuracy)

    def write(self, out, report: bool = True) -> pathlib.Path:
        """The run directory of `savant reproduce --out OUT`: results.json, heat maps, samples,
        both models and (unless report=False) report.html."""
        self._native.write(os.fspath(out), report)
        return pathlib.Path(out)


def reproduce(*, data=None, grid: int = 4, shuffle: str = "derange", model: str = "mlp",
              hidden: int = 128, layers: int = 1, epochs: int = 5, batch: int = 32,
              learning_rate: float = 1e-3, seed: int = 0, threads: Optional[int] = None,
              train_limit: int = 0, engine: str = "auto", label_noise: float = 0,
              epoch_eval: str = "test", fit_threshold: float = 0.99, out=None,
              report: bool = True,
              progress: Progress = None) -> Reproduction:
    """The article's experiment, `savant reproduce`: two models trained (original and shuffled
    images), cross-evaluated and analysed. With `out`, the run directory is written too. The
    settings are the library's (savant.settings() lists them, with their defaults). `progress`
    as train's; a model that did not learn gives a NotLearningWarning."""
    settings = dict(data=_data_dir(data), grid=grid, shuffle=shuffle, model=model,
                    hidden=hidden, layers=layers, epochs=epochs, batch=batch,
                    learning_rate=learning_rate, seed=seed, threads=threads,
                    train_limit=train_limit, engine=engine, label_noise=label_noise,
                    epoch_eval=epoch_eval, fit_threshold=fit_threshold)
    result = Reproduction(_train(lambda fn: _savant.reproduce(settings, fn), progress))
    _warn_if_not_learned(result.original_model, result.shuffled_model)
    if out is not None:
        result.write(out, report)
    return result


def load_model(path) -> Model:
    """A safetensors model file, validated (as `savant eval --model` reads it)."""
    return _savant.load_model(os.fspath(path))


def save_model(model: Model, path) -> None:
    """Writes `model` (its weights and metadata) as a safetensors file, atomically."""
    _savant.save_model(model, os.fspath(path))


def compare(a: Model, b: Model, data=None, *, all_images: bool = False,
            threads: Optional[int] = None) -> dict:
    """`savant compare --json`: the linear CKA of the two models' hidden layers and the share of
    test images they give the same class, on the original test images and on their copy shuffled
    with `a`'s grid, shuffle and seed, and each model's accuracy there (docs/SPEC.md, section
    10.6). The first 1000 test images, as `savant reproduce` uses, or all of them."""
    return json.loads(_savant.compare(a, b, _data_dir(data), all_images, threads))


def read_results(path) -> dict:
    """A run's results.json, checked as the report checks it (savant.InputError, a ValueError,
    naming the key that is missing or malformed), as a dict;
    NaN is None."""
    path = pathlib.Path(os.fspath(path))
    if path.is_dir():
        path = path / "results.json"
    return json.loads(_savant.read_results(str(path)))


def sweep(db, *, threads: Optional[int] = None, **settings) -> dict:
    """`savant sweep`: runs every job of the cartesian product of the settings (grid, shuffle,
    train_on, hidden, layers, epochs, batch, learning_rate: a value or a list; seeds,
    first_seed, train_limit, data) that `db` does not hold yet, one model per thread (`threads`:
    1 to 1024, all cores when None);
    keep_models = True keeps each job's model beside the database (docs / SWEEPS.md)
                          .Returns{"jobs", "ran", "failed"}
                          .Ctrl -
                      C stops the jobs that are training and
                  raises KeyboardInterrupt;
    the jobs already recorded stay in `db`, and a
    later sweep runs the others."""
    if "data" in settings:
        settings["data"] = _data_dir(settings["data"])
    return _savant.sweep(os.fspath(db), settings, threads)


def read_sweep(db, *, as_dataframe: bool = True):
    """A sweep database as a pandas DataFrame, one row per job; with as_dataframe=False a list
    of dicts, one per job (no pandas needed)."""
    jobs = _savant.read_sweep(os.fspath(db))
    if not as_dataframe:
        return jobs
    try:
        import pandas as pd
    except ImportError as e:
        raise ImportError("read_sweep makes a pandas DataFrame, and pandas is not installed "
                          "(Debian: apt-get install python3-pandas; else pip install pandas); "
                          "read_sweep(db, as_dataframe=False) gives the jobs as dicts") from e
    return pd.DataFrame(jobs)
