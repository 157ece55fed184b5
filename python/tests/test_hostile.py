"""Every function of the module against hostile arguments: empty arrays and zero dimensions,
the wrong number of dimensions, dtype or layout, sizes whose product overflows, negative
numbers, NaN and infinity, labels out of range, thread counts and class counts out of range.
Each gets an exception that names the argument, never a crash; a call that once crashed the
interpreter runs in a child process, so that a crash fails one test, not the whole suite."""
import json
import os
import pathlib
import signal
import sqlite3
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import savant
from conftest import DATA

HUGE = 2**62  # times 4 wraps around to 0 in 64 bits


def in_child(code: str) -> str:
    """Runs `code` (which may use savant and np) in a new interpreter; returns "ok", or the
    exception's type and message, or how the process died."""
    script = ("import savant, numpy as np\n"
              "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) +
              "    print('ok')\n"
              "except Exception as e:\n"
              "    print(f'{type(e).__name__}: {e}')\n")
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ))
    if p.returncode < 0:
        return f"died of signal {-p.returncode}: {p.stderr[-500:]}"
    return p.stdout.strip() or p.stderr.strip()


def model(sizes, value=0.25):
    weights = []
    for i, o in zip(sizes, sizes[1:]):
        weights += [np.full((i, o), value, np.float32), np.zeros(o, np.float32)]
    return savant.Model(weights)


def images(count, rows=4, cols=4):
    return np.arange(count * rows * cols, dtype=np.uint8).reshape(count, rows, cols)


# --- empty arrays and zero dimensions --------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 0), (0, 5), (0, 0)])
def test_a_kernel_with_a_zero_dimension_is_a_valueerror(shape):
    out = in_child(f"savant.weight_correlation(np.zeros({shape}, np.float32))")
    assert out.startswith("ValueError: kernel must have a row per pixel and a column per hidden "
                          "unit"), out


def test_empty_arrays_are_valueerrors_or_empty_results():
    with pytest.raises(ValueError, match="R has shape \\(0, 0\\)"):
        savant.adjacent_correlation(np.zeros((0, 0)))
    with pytest.raises(ValueError, match="R has shape \\(0, 0\\)"):
        savant.grid_signature(np.zeros((0, 0)))
    m = model([16, 3, 2])
    with pytest.raises(ValueError, match="accuracy over no images is not defined"):
        savant.evaluate(m, images(0), np.zeros(0, np.uint8))
    with pytest.raises(ValueError, match="images holds no image to train on"):
        savant.train(images(0), np.zeros(0, np.uint8), epochs=1, threads=1)
    with pytest.raises(ValueError, match="must have rows and columns"):
        savant.predict(m, np.zeros((2, 0, 4), np.uint8))
    with pytest.raises(ValueError, match="zero dimension"):
        savant.Model([np.zeros((4, 0), np.float32), np.zeros(0, np.float32)])
    with pytest.raises(ValueError, match="got 0 array"):
        savant.Model([])
    # No images in, no images out: a prediction and a shuffle of nothing are nothing.
    labels, confidence = savant.predict(m, images(0))
    assert labels.shape == (0,) and confidence.shape == (0,)
    assert savant.shuffle(images(0), grid=2).shape == (0, 4, 4)


# --- the wrong number of dimensions, dtype or layout ----------------------------------------

def test_wrong_dimensions_dtypes_and_layouts_are_refused_by_every_function():
    m = model([16, 3, 2])
    R = np.eye(16)
    cases = [
        (lambda: savant.weight_correlation(np.zeros(5, np.float32)), ValueError, "kernel must"),
        (lambda: savant.weight_correlation(np.zeros((2, 2, 2), np.float32)), ValueError,
         "kernel must"),
        (lambda: savant.weight_correlation(np.zeros((8, 4), np.float32)[::2]), ValueError,
         "C-contiguous"),
        (lambda: savant.weight_correlation([[1.0, 2.0]]), TypeError, "numpy array"),
        (lambda: savant.adjacent_correlation(np.zeros(16)), ValueError, "R must have shape"),
        (lambda: savant.adjacent_correlation(R.astype(np.float32)), ValueError, "dtype float64"),
        (lambda: savant.adjacent_correlation(np.asfortranarray(R[:, :8].repeat(2, 1))),
         ValueError, "C-contiguous"),
        (lambda: savant.evaluate(m, images(2).reshape(2, 16), np.zeros(2, np.uint8)),
         ValueError, "images must have shape"),
        (lambda: savant.evaluate(m, images(2), np.zeros((2, 1), np.uint8)), ValueError,
         "labels must have shape"),
        (lambda: savant.evaluate(m, images(2), np.zeros(2, np.float32)), ValueError,
         "labels must have a whole-number dtype"),
        (lambda: savant.evaluate(m, images(2), np.zeros(2, np.bool_)), ValueError,
         "labels must have a whole-number dtype"),
        (lambda: savant.predict(m, images(2).astype(np.complex64)), ValueError,
         r"images must have dtype uint8 \(pixels 0 to 255\) or a float dtype"),
        (lambda: savant.predict(m, images(2).astype(np.float32)), savant.InputError,
         r"images\[0, 0, 2\] is 2, outside \[0, 1\]"),
        (lambda: savant.shuffle(images(4, 8, 8)[:, ::2], grid=2), ValueError, "C-contiguous"),
        (lambda: savant.Model([np.zeros(16, np.float32), np.zeros(3, np.float32)]), ValueError,
         "dense1.kernel\\) must have shape"),
        (lambda: savant.Model("ab"), TypeError, "numpy array"),
        (lambda: savant.evaluate("not a model", images(2), np.zeros(2, np.uint8)), TypeError,
         "incompatible function arguments"),
    ]
    for call, kind, text in cases:
        with pytest.raises(kind, match=text):
            call()


# --- sizes that overflow, and sizes that do not match ---------------------------------------

def test_image_sizes_whose_product_overflows_are_refused():
    for code in (f"savant.adjacent_correlation(np.zeros((0, 0)), rows={HUGE}, cols=4)",
                 f"savant.grid_signature(np.zeros((0, 0)), rows={HUGE}, cols=4, grid=1)",
                 f"savant.adjacent_correlation(np.zeros((4, 4)), rows={HUGE + 1}, cols=4)"):
        out = in_child(code)
        assert out.startswith("ValueError: rows="), (code, out)
        assert "cannot exist" in out, (code, out)


def test_rows_times_cols_must_be_the_size_of_R():
    R = np.eye(16)
    with pytest.raises(ValueError, match=r"R must be \(8, 8\) for 2x4 images; got \(16, 16\)"):
        savant.adjacent_correlation(R, rows=2, cols=4)
    with pytest.raises(ValueError, match="give both rows and cols"):
        savant.grid_signature(R, rows=4)
    with pytest.raises(ValueError, match=r"R has shape \(15, 15\), which is not \(pixels, "
                                         r"pixels\) for the pixels of a square image"):
        savant.adjacent_correlation(np.eye(15))
    assert savant.adjacent_correlation(R, rows=2, cols=8).shape == (2, 8)


# --- negative numbers ------------------------------------------------------------------------

def test_negative_numbers_are_valueerrors_naming_the_argument():
    R = np.eye(16)
    cases = [
        (lambda: savant.adjacent_correlation(R, rows=-4, cols=-4), "rows=-4"),
        (lambda: savant.grid_signature(R, rows=4, cols=-4), "cols=-4"),
        (lambda: savant.adjacent_correlation(R, rows=0, cols=16), "rows=0"),
        (lambda: savant.shuffle(images(2), grid=2, seed=-1), "seed=-1"),
        (lambda: savant.shuffle(images(2), grid=-2), "grid=-2"),
        (lambda: savant.block_permutation(4, index=-1), "index=-1"),
        (lambda: savant.block_permutation(4, seed=2**64), "seed=18446744073709551616"),
        (lambda: savant.load(DATA, train_limit=-1), "train_limit=-1"),
        (lambda: savant.load(DATA, classes=-3), "classes=-3"),
        (lambda: savant.train(images(2), np.zeros(2, np.uint8), epochs=-1), "epochs=-1"),
        (lambda: savant.shuffle(images(2), grid=2, threads=-1), "threads=-1"),
        (lambda: savant.grid_signature(R, grid=-1), "grid=-1"),
        (lambda: savant.shuffle(images(2), grid=2, seed=True), "seed=True"),
    ]
    for call, text in cases:
        with pytest.raises(ValueError, match=text.replace("(", r"\(")):
            call()


# --- NaN and infinity ------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_weights_that_are_not_finite_are_refused_before_they_give_numbers(bad, tmp_path):
    # A NaN weight makes every logit NaN and every prediction class 0: an "accuracy" that means
    # nothing. Model() refuses it as load_model does; evaluate, predict and compare refuse a
    # model whose weights were made so afterwards, through its writable views.
    kernel = np.full((16, 3), 0.5, np.float32)
    kernel[2, 1] = bad
    with pytest.raises(ValueError, match=r"'dense1.kernel' element 7 is -?(nan|inf): the model's "
                                         "weights are not finite"):
        savant.Model([kernel, np.zeros(3, np.float32), np.ones((3, 2), np.float32),
                      np.zeros(2, np.float32)])
    m = model([16, 3, 2])
    m.weights[3][1] = bad
    match = r"'dense2.bias' element 1 is -?(nan|inf): the model's weights are not finite"
    with pytest.raises(ValueError, match=match):
        savant.evaluate(m, images(2), np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match=match):
        savant.predict(m, images(2))
    with pytest.raises(ValueError, match=match):
        savant.compare(m, model([16, 3, 2]), DATA)
    with pytest.raises(savant.InputError,
                       match="refusing to save a model whose weights are not finite"):
        savant.save_model(m, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_nan_in_the_analysis_arrays_is_carried_not_a_crash():
    kernel = np.ones((16, 3), np.float32)
    kernel[:, 0] = np.arange(16)
    kernel[5, 2] = np.nan
    R = savant.weight_correlation(kernel)
    assert np.isnan(R[5]).all() and not np.isnan(R[4, 6])
    R[0, :] = np.inf
    assert np.isfinite(savant.grid_signature(R, grid=2).within_pairs)


# --- labels, classes and threads -------------------------------------------------------------

def test_labels_out_of_range_are_refused():
    m = model([16, 3, 2])
    with pytest.raises(ValueError, match=r"labels\[1\] is 2, but the model has 2 classes"):
        savant.evaluate(m, images(2), np.array([0, 2], np.uint8))
    with pytest.raises(ValueError, match="labels has 3 labels for 2 images"):
        savant.evaluate(m, images(2), np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"labels\[0\] is 255, but the model has 10 classes"):
        savant.train(images(2), np.full(2, 255, np.uint8), epochs=1, threads=1)


def test_class_counts_are_checked():
    # load(classes=0) said "labels 0..-1".
    for classes in (0, -1, 257):
        with pytest.raises(ValueError, match=f"classes={classes}: use 1 to 256"):
            savant.load(DATA, classes=classes)
        with pytest.raises(ValueError, match=f"classes={classes}: use 1 to 256"):
            savant.train(images(2), np.zeros(2, np.uint8), classes=classes)
    # Predictions are bytes: a model of 300 classes would report class 44 for class 300.
    with pytest.raises(ValueError, match="gives 300 classes; labels are bytes"):
        model([16, 3, 300])


@pytest.mark.parametrize("threads", [0, -1, 1025, 10**6])
def test_thread_counts_are_checked_as_the_command_line_checks_them(threads, tmp_path):
    message = f"threads={threads}: out of range; use 1 to 1024"
    with pytest.raises(ValueError, match=message):
        savant.shuffle(images(2), grid=2, threads=threads)
    with pytest.raises(ValueError, match=message):
        savant.sweep(tmp_path / "s.sqlite", data=DATA, threads=threads)
    with pytest.raises(ValueError, match=message):
        savant.compare(model([16, 3, 2]), model([16, 3, 2]), DATA, threads=threads)
    with pytest.raises(ValueError, match=message):
        savant.train(images(2), np.zeros(2, np.uint8), threads=threads)
    assert not (tmp_path / "s.sqlite").exists()


# --- models savant did not train -------------------------------------------------------------

def write_tensors(path, weights, metadata=None):
    """A safetensors file as another tool writes it (struct, json and NumPy only)."""
    header, blobs, offset = {}, [], 0
    for i, w in enumerate(weights):
        name = f"dense{i // 2 + 1}.{'kernel' if i % 2 == 0 else 'bias'}"
        data = np.ascontiguousarray(w, "<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(w.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    pathlib.Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


@pytest.mark.parametrize("metadata", [None, {}, {"format": "pt"}])
def test_models_of_other_tools_load_evaluate_and_compare(metadata, fashion, tmp_path):
    rng = np.random.default_rng(1)
    weights = [rng.normal(0, 0.05, (784, 8)).astype(np.float32), np.zeros(8, np.float32),
               rng.normal(0, 0.05, (8, 10)).astype(np.float32), np.zeros(10, np.float32)]
    write_tensors(tmp_path / "m.safetensors", weights, metadata)
    m = savant.load_model(tmp_path / "m.safetensors")
    assert m.sizes == [784, 8, 10] and m.metadata == (metadata or {})
    assert savant.evaluate(m, fashion.test_images[:100], fashion.test_labels[:100]).total == 100
    r = savant.compare(m, m, DATA, threads=1)
    assert r["comparison"]["original_test"]["agreement"] == 1.0
    assert r["model_a"]["trained"] is None
    assert "has no savant metadata" in r["warnings"][0]


def test_a_model_without_a_hidden_layer_is_refused_by_compare_only(fashion):
    flat = model([784, 10], 0.01)
    assert savant.evaluate(flat, fashion.test_images[:10], fashion.test_labels[:10]).total == 10
    # On two threads the error used to be thrown on the second one, which ended the process.
    out = in_child("w = lambda s: [np.full(s, 0.01, np.float32), np.zeros(s[1], np.float32)]\n"
                   "savant.compare(savant.Model(w((784, 4)) + w((4, 10))),\n"
                   "               savant.Model(w((784, 10))), "
                   f"{str(DATA)!r}, all_images=True, threads=2)")
    assert out.startswith("InputError: model has no hidden layer"), out  # a ValueError


def test_metadata_that_does_not_fit_the_weights_is_refused_by_compare():
    m = savant.Model(model([16, 3, 2]).weights, metadata={"format": "savant-dense"})
    with pytest.raises(savant.InputError, match="__metadata__ has no 'config'"):
        savant.compare(m, m, DATA)


# --- files -----------------------------------------------------------------------------------

def test_read_results_of_a_device_or_directory_is_refused(tmp_path):
    # /dev/zero was read until memory ran out.
    with pytest.raises(savant.InputError, match="/dev/zero.* regular file"):
        savant.read_results("/dev/zero")
    (tmp_path / "run" / "results.json").mkdir(parents=True)
    with pytest.raises(savant.InputError, match="results.json.* regular file"):
        savant.read_results(tmp_path / "run")
    with pytest.raises(savant.FileError, match="file not found"):
        savant.read_results(tmp_path / "nothing.json")


# --- a reproduction's views --------------------------------------------------------------------

def test_reproduction_views_are_read_only_and_write_saves_the_true_values(fashion, tmp_path):
    r = savant.reproduce(data=DATA, train_limit=500, epochs=1, hidden=8, threads=2,
                         report=False)
    R, A = r.correlation(), r.adjacent("original_model")
    true_A = A.copy()
    for view in (R, A):
        assert not view.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            view[0, 0] = 5.0
        with pytest.raises(ValueError):
            view.setflags(write=True)
    r.write(tmp_path / "run", report=False)
    written = json.loads((tmp_path / "run" / "results.json").read_text())
    saved = np.array(written["adjacent_correlation"]["original_model"], dtype=float)
    assert np.array_equal(saved, true_A, equal_nan=True)


# --- Ctrl-C during a sweep -------------------------------------------------------------------

def test_ctrl_c_stops_a_sweep_at_once_and_keeps_the_jobs_it_recorded(fashion, tmp_path):
    # 120 jobs of about half a second each; SIGINT once the first is recorded. The sweep used to
    # run to its end first.
    db = tmp_path / "s.sqlite"
    settings = dict(data=DATA, grid=4, train_on=["original", "shuffled"], epochs=1, hidden=16,
                    train_limit=1000, seeds=60)
    sent = []

    def interrupt_after_the_first_job():
        while not sent:
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                    if c.execute("SELECT COUNT(*) FROM runs").fetchone()[0] > 0:
                        sent.append(time.monotonic())
                        os.kill(os.getpid(), signal.SIGINT)
            except sqlite3.Error:
                pass
            time.sleep(0.02)
    watcher = threading.Thread(target=interrupt_after_the_first_job, daemon=True)
    watcher.start()
    with pytest.raises(KeyboardInterrupt):
        savant.sweep(db, threads=2, **settings)
    stopped = time.monotonic()
    sent.append(None)  # stops the watcher if it never fired
    watcher.join()
    assert sent[0] is not None and stopped - sent[0] < 5.0
    jobs = savant.read_sweep(db)
    assert 1 <= len(jobs) < 120
    assert (jobs["status"] == "done").all()
    assert jobs["original_test"].notna().all() and jobs["contrast"].notna().all()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
