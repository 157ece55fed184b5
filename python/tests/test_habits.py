"""What PyTorch and Keras users bring (issue 25): methods on Model, a repr for every object,
engine=, labels of any whole-number dtype, float images in [0, 1], NotLearningWarning, a
progress display in a notebook and nothing in a pipe, pandas only where asked for."""
import io
import os
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

import savant
from conftest import DATA, data_installed

LIMIT = 2000  # training images: each training here takes a fraction of a second
FAST = dict(hidden=16, epochs=1, seed=3)
# A shuffled model of so few steps is near chance, and says so; not what these tests are about.
quiet = pytest.mark.filterwarnings("ignore::savant.NotLearningWarning")


@pytest.fixture(scope="module")
def small():
    if not data_installed():
        pytest.skip(f"{DATA} is not installed")
    return savant.load(DATA, train_limit=LIMIT)


@pytest.fixture(scope="module")
def reproduction(small):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", savant.NotLearningWarning)
        return savant.reproduce(data=DATA, train_limit=LIMIT, threads=2, **FAST)


@pytest.fixture(scope="module")
def model(small):
    return savant.train(small.train_images, small.train_labels, **FAST)


def same_bits(a, b):
    return len(a) == len(b) and all(np.array_equal(np.asarray(x).view(np.uint32),
                                                   np.asarray(y).view(np.uint32))
                                    for x, y in zip(a, b))


# --- methods on Model, beside the functions -------------------------------------------------

def test_model_methods_are_the_module_functions(small, model, tmp_path):
    x, y = small.test_images[:500], small.test_labels[:500]
    e = model.evaluate(x, y)
    assert isinstance(e, savant.Evaluation)
    f = savant.evaluate(model, x, y)
    assert (e.accuracy, e.correct, e.total) == (f.accuracy, f.correct, f.total)
    assert np.array_equal(e.confusion, f.confusion)
    labels, confidence = model.predict(x)
    theirs = savant.predict(model, x)
    assert np.array_equal(labels, theirs[0]) and np.array_equal(confidence, theirs[1])
    assert e.correct == int(np.sum(labels == y))
    assert model.save(tmp_path / "m.safetensors") is None
    assert same_bits(savant.load_model(tmp_path / "m.safetensors").weights, model.weights)


# --- a repr for every object ----------------------------------------------------------------

@quiet
def test_every_object_has_a_repr_that_says_what_it_is(small, model, reproduction, tmp_path):
    trained = savant.train_on("shuffled", data=DATA, train_limit=LIMIT, grid=7, **FAST)
    text = " ".join(repr(trained).split())  # wrapped at 80 columns
    assert repr(trained).startswith("savant.Model 'shuffled_model': dense 784-16-10 (ReLU)\n")
    assert "trained on shuffled images, grid 7 (derange), seed 3, 1 epoch, engine " in text
    accuracy = 100 * trained.history[-1]["train_accuracy"]
    assert f"training accuracy {accuracy:.1f}%" in text

    assert "trained on arrays, seed 3, 1 epoch" in repr(model)
    trained.save(tmp_path / "m.safetensors")
    loaded = " ".join(repr(savant.load_model(tmp_path / "m.safetensors")).split())
    assert "trained on shuffled images, grid 7 (derange), seed 3, 1 epoch" in loaded
    given = repr(savant.Model(model.weights))
    assert "dense 784-16-10" in given and "no savant metadata" in given

    assert repr(small).splitlines()[:2] == [
        f"savant.Dataset {DATA}",
        f"  {LIMIT} training and 10000 test images of 28x28, train_crc32 {small.train_crc32:08x}"]
    assert " ".join(repr(small).split()).endswith(
        "10 classes: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, "
        "Ankle boot")
    e = model.evaluate(small.test_images, small.test_labels)
    assert repr(e) == (f"savant.Evaluation: accuracy {100 * e.accuracy:.2f}% ({e.correct} of "
                       "10000 images), 10 classes")

    r = reproduction
    lines = repr(r).splitlines()
    assert lines[0] == "savant.Reproduction: grid 4 (derange), seed 3, dense 784-16-10, 1 epoch"
    a = r.results["accuracy"]["shuffled_model"]
    assert lines[-1].split() == ["shuffled_model", f"{100 * a['original_test']:.1f}%",
                                 f"{100 * a['shuffled_test']:.1f}%"]
    g = savant.grid_signature(r.correlation(), grid=4)
    assert repr(g) == (f"savant.GridSignature: contrast {g.contrast:.4f} (within "
                       f"{g.within:.4f} - across {g.across:.4f})")
    for obj in (trained, model, small, e, r, r.accuracy, r.signature, r.original_model,
                savant.grid_signature(r.correlation(), grid=4)):
        assert " at 0x" not in repr(obj), repr(obj)
        assert all(len(line) <= 80 for line in repr(obj).splitlines()), repr(obj)


# --- engine= wherever training happens -------------------------------------------------------

@quiet
def test_engine_is_taken_by_train_train_on_reproduce_and_sweep(small, tmp_path):
    x, y = small.train_images, small.train_labels
    portable = savant.train(x, y, engine="portable", **FAST)
    assert portable.engine == "general-portable"
    # The same training (engines differ in the order of float sums only).
    auto = savant.train(x, y, engine="auto", **FAST)
    assert all(np.allclose(a, b, rtol=0, atol=1e-5) for a, b in zip(portable.weights,
                                                                     auto.weights))
    m = savant.train_on("original", data=DATA, train_limit=LIMIT, engine="portable", **FAST)
    assert m.engine == m.metadata["engine"] == "general-portable"
    r = savant.reproduce(data=DATA, train_limit=LIMIT, engine="portable", threads=2, **FAST)
    assert r.shuffled_model.engine == "general-portable"
    for call in (lambda: savant.train(x, y, engine="gpu", **FAST),
                 lambda: savant.train_on("original", data=DATA, engine="gpu"),
                 lambda: savant.reproduce(data=DATA, engine="gpu"),
                 lambda: savant.sweep(tmp_path / "s.sqlite", data=DATA, engine="gpu")):
        with pytest.raises(ValueError, match="engine='?gpu'?: expected auto, portable or avx512"):
            call()


# --- labels of any whole-number dtype ---------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint16, np.uint64, ">i4"])
def test_labels_of_any_whole_number_dtype_train_and_evaluate_as_uint8(small, model, dtype):
    x, y = small.train_images, small.train_labels
    assert same_bits(savant.train(x, y.astype(dtype), **FAST).weights, model.weights)
    e = model.evaluate(small.test_images, small.test_labels.astype(dtype))
    assert e.correct == model.evaluate(small.test_images, small.test_labels).correct


def test_labels_out_of_range_name_the_index_and_value(small):
    x, y = small.train_images, small.train_labels.astype(np.int64)
    bad = y.copy()
    bad[7] = -1
    with pytest.raises(savant.InputError, match=r"labels\[7\] is -1, but the model has 10 "
                                                r"classes \(0 to 9\)"):
        savant.train(x, bad, **FAST)
    bad = y.astype(np.uint16)
    bad[1234] = 300
    with pytest.raises(savant.InputError, match=r"labels\[1234\] is 300, but"):
        savant.evaluate(savant.Model([np.zeros((784, 10), np.float32), np.zeros(10, np.float32)]),
                        x, bad)


# --- float images in [0, 1] -------------------------------------------------------------------

def test_float_images_in_0_1_are_the_pixels_round_x_255(small, model):
    x = small.test_images[:300]
    for f in (x / 255.0, x.astype(np.float32) / np.float32(255), (x / 255.0).astype(np.float16)):
        # Taken back exactly: the same shuffled pixels, the same predictions.
        assert np.array_equal(savant.shuffle(f, 4, "none"), x)
        assert np.array_equal(model.predict(f)[0], model.predict(x)[0])
    assert model.evaluate(x / 255.0, small.test_labels[:300]).correct == \
        model.evaluate(x, small.test_labels[:300]).correct
    # round(x * 255), ties to even as numpy.round: 0.5 -> 0, 1.5 -> 2, 254.5 -> 254.
    f = np.array([[[0.0, 0.5, 1.5, 2.49, 254.5, 255.0]]]) / 255
    assert savant.shuffle(f, 1, "none").tolist() == [[[0, 0, 2, 2, 254, 255]]]
    assert np.array_equal(savant.shuffle(f, 1, "none"), np.round(f * 255).astype(np.uint8))
    # Whole numbers 0 to 255 of another dtype are pixels too.
    assert np.array_equal(savant.shuffle(x.astype(np.int64), 4, "none"), x)


def test_float_images_outside_0_1_are_refused_with_the_conversion_that_fits(small):
    x = small.test_images[:50]
    with pytest.raises(savant.InputError) as e:
        savant.shuffle(x.astype(np.float32), 4)  # pixels 0 to 255 as floats
    text = str(e.value)
    assert "outside [0, 1]" in text and "pass images / 255" in text
    # The advice that silently made every image zero is gone.
    assert "convert it with .astype(numpy.uint8)" not in text
    with pytest.raises(savant.InputError, match=r"values go from -.* undo the normalisation"):
        savant.shuffle((x / 255.0 - 0.5) / 0.25, 4)
    nan = x / 255.0
    nan[3, 4, 5] = np.nan
    with pytest.raises(savant.InputError, match=r"images\[3, 4, 5\] is NaN"):
        savant.shuffle(nan, 4)
    with pytest.raises(savant.InputError, match=r"images\[0, 0, 0\] is -1: whole-number images "
                                                r"must hold pixels 0 to 255"):
        savant.shuffle(np.full((1, 28, 28), -1, np.int16), 4)


# --- NotLearningWarning -----------------------------------------------------------------------

def test_a_model_that_did_not_learn_warns(small):
    x, y = small.train_images, small.train_labels
    with pytest.warns(savant.NotLearningWarning, match="did not learn") as caught:
        m = savant.train(x, y, learning_rate=10, **FAST)
    assert issubclass(savant.NotLearningWarning, Warning)
    assert caught[0].filename == __file__  # points at the caller's line
    assert m.warnings and "did not learn" in repr(m)
    with pytest.warns(savant.NotLearningWarning, match="shuffled_model did not learn"):
        savant.train_on("shuffled", data=DATA, train_limit=LIMIT, learning_rate=10, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a model that learned: no warning
        assert not savant.train(x, y, **FAST).warnings


# --- progress: in place in a notebook, nothing in a pipe --------------------------------------

def test_text_progress_is_redrawn_in_place_on_a_stream(small):
    out = io.StringIO()
    shown = savant.TextProgress(stream=out, notebook=False)
    savant.train(small.train_images, small.train_labels, hidden=16, epochs=2, progress=shown)
    text = out.getvalue()
    # One line, redrawn with '\r', ended when training ends.
    assert text.startswith("\r") and text.index("\n") == len(text) - 1
    assert text.count("\r") == len(shown.lines) >= 2
    assert any(line.startswith("model  epoch 1/2 [##########] 63/63  loss ")
               for line in shown.lines)  # the end of every epoch is drawn
    assert shown.lines[-1].startswith("model  epoch 2/2 [##########] 63/63  loss ")
    assert all(len(line) <= 80 for line in shown.lines)


def test_progress_true_draws_on_stderr_and_the_default_draws_nothing_in_a_pipe(small, capfd):
    x, y = small.train_images[:200], small.train_labels[:200]
    savant.train(x, y, hidden=8, epochs=1)
    savant.train(x, y, hidden=8, epochs=1, progress=False)
    assert capfd.readouterr() == ("", "")
    savant.train(x, y, hidden=8, epochs=1, progress=True)
    out, err = capfd.readouterr()
    assert out == "" and err.startswith("\rmodel  epoch 1/1") and err.endswith("\n")
    with pytest.raises(TypeError, match="progress='yes': expected None, True, False or a "
                                        "callable"):
        savant.train(x, y, progress="yes")


@quiet
def test_in_a_notebook_the_default_progress_is_one_display_updated_in_place(small, monkeypatch):
    # A Jupyter kernel as savant sees one: IPython imported with a shell that has a kernel, and
    # ipykernel imported. display(display_id=True) returns a handle whose update() redraws.
    calls = []

    class Handle:
        def update(self, data, raw):
            calls.append(("update", data["text/plain"], raw))

    def display(data, raw, display_id):
        calls.append(("display", data["text/plain"], raw))
        assert display_id is True
        return Handle()
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: types.SimpleNamespace(kernel=object())
    ipython.display = types.ModuleType("IPython.display")
    ipython.display.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", ipython.display)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert savant.progress.in_notebook()

    savant.train(small.train_images, small.train_labels, hidden=16, epochs=2, name="mine")
    assert [c[0] for c in calls[:2]] == ["display", "update"]
    assert [c[0] for c in calls].count("display") == 1
    assert calls[-1][1].startswith("mine  epoch 2/2 [##########] 63/63  loss ")
    # Two models at once (reproduce): a line each in the one display.
    calls.clear()
    savant.reproduce(data=DATA, train_limit=LIMIT, threads=2, **FAST)
    last = calls[-1][1].splitlines()
    assert sorted(line.split()[0] for line in last) == ["original_model", "shuffled_model"]
    assert all("epoch 1/1 [##########] 63/63" in line for line in last)


# --- pandas only where asked for --------------------------------------------------------------

def test_the_tables_are_read_without_pandas_and_made_into_dataframes_with_it(reproduction):
    r = reproduction
    a = r.results["accuracy"]
    assert r.accuracy["shuffled_model", "original_test"] == a["shuffled_model"]["original_test"]
    assert r.accuracy["original_model"] == a["original_model"]
    assert r.accuracy.to_dict() == {m: a[m] for m in savant.MODELS}
    with pytest.raises(KeyError, match="row 'puzzle_model'"):
        r.accuracy["puzzle_model"]
    frame = r.accuracy.to_pandas()
    assert frame.loc["shuffled_model", "shuffled_test"] == a["shuffled_model"]["shuffled_test"]
    assert list(frame.columns) == ["original_test", "shuffled_test"]
    assert "<table>" in r.signature._repr_html_()


SCRIPT = r"""
import sys
sys.modules["pandas"] = None  # `import pandas` now raises ImportError
import numpy as np
import savant
d = savant.load(DATA, train_limit=LIMIT)
m = savant.train(d.train_images, d.train_labels, hidden=16, epochs=1)
print(repr(m), m.evaluate(d.test_images, d.test_labels.astype(np.int64)), sep="\n")
m.predict(d.test_images / 255.0)
r = savant.reproduce(data=DATA, train_limit=LIMIT, hidden=16, epochs=1, threads=2)
print(r, r.accuracy, r.signature, r.accuracy["shuffled_model", "shuffled_test"], sep="\n")
try:
    r.accuracy.to_pandas()
except ImportError as e:
    print("to_pandas:", e)
"""


def test_the_basic_api_runs_without_pandas(small):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    script = f"DATA = {str(DATA)!r}; LIMIT = {LIMIT}\n" + SCRIPT
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert "savant.Model 'model': dense 784-16-10" in out
    assert "savant.Reproduction: grid 4" in out
    assert "to_pandas: Table.to_pandas() needs pandas, which is not installed" in out
