"""savant.train and savant.train_on: the weights of `savant train`, bit for bit; the GIL
released; progress; Ctrl-C; bad arguments."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import savant
from conftest import DATA, data_installed, read_safetensors

LIMIT = 3000  # training images of the parity tests: a few seconds in all


@pytest.fixture(scope="module")
def small():
    if not data_installed():
        pytest.skip(f"{DATA} is not installed")
    return savant.load(DATA, train_limit=LIMIT)


def model_bits(weights):
    return [np.asarray(w).view(np.uint32) for w in weights]


def assert_same_bits(a, b):
    assert len(a) == len(b)
    for x, y in zip(model_bits(a), model_bits(b)):
        assert x.shape == y.shape
        assert np.array_equal(x, y)  # the float32 bit patterns, not approximately equal


@pytest.mark.parametrize("train_on", ["shuffled", "original"])
def test_train_gives_the_weights_of_savant_train_bit_for_bit(small, cli, tmp_path, train_on):
    path = tmp_path / "m.safetensors"
    cli("train", "--train-on", train_on, "--data", DATA, "--train-limit", LIMIT, "--epochs", 2,
        "--hidden", 64, "--seed", 7, "--grid", 4, "--out", path)
    tensors, metadata = read_safetensors(path)
    cli_weights = [tensors[f"dense{l}.{p}"] for l in (1, 2) for p in ("kernel", "bias")]

    images = small.train_images
    if train_on == "shuffled":
        images = savant.shuffle(images, 4, "derange", seed=7, split="train")
    model = savant.train(images, small.train_labels, hidden=64, epochs=2, seed=7)
    assert_same_bits(model.weights, cli_weights)
    assert model.sizes == [784, 64, 10]
    assert [h["epoch"] for h in model.history] == [1, 2]

    # train_on runs the command's own steps, metadata included.
    same = savant.train_on(train_on, data=DATA, train_limit=LIMIT, epochs=2, hidden=64, seed=7)
    assert_same_bits(same.weights, cli_weights)
    assert same.metadata["train_on"] == metadata["train_on"] == train_on
    assert same.metadata["train_crc32"] == metadata["train_crc32"]
    assert same.name == f"{train_on}_model"


def test_label_noise_and_test_curves_as_the_command_line_has_them(small, cli, tmp_path):
    path = tmp_path / "noisy.safetensors"
    cli("train", "--train-on", "original", "--data", DATA, "--train-limit", LIMIT, "--epochs", 1,
        "--hidden", 32, "--label-noise", 0.5, "--out", path)
    tensors, metadata = read_safetensors(path)
    cli_weights = [tensors[f"dense{l}.{p}"] for l in (1, 2) for p in ("kernel", "bias")]
    model = savant.train_on("original", data=DATA, train_limit=LIMIT, epochs=1, hidden=32,
                            label_noise=0.5)
    assert_same_bits(model.weights, cli_weights)
    assert '"label_noise":0.5' in metadata["config"]
    # Keras' val_*: each epoch's loss and accuracy on the original and shuffled test images.
    last = model.history[-1]
    for key in ("original_test_loss", "original_test_accuracy", "shuffled_test_loss",
                "shuffled_test_accuracy"):
        assert 0 <= last[key] < 10, key
    with pytest.raises(ValueError, match="label_noise"):
        savant.train_on("original", data=DATA, train_limit=LIMIT, label_noise=1.5)


def test_training_does_not_depend_on_threads_and_is_deterministic(small):
    kw = dict(hidden=32, epochs=1, seed=1)
    one = savant.train(small.train_images, small.train_labels, threads=1, **kw)
    two = savant.train(small.train_images, small.train_labels, threads=2, **kw)
    assert_same_bits(one.weights, two.weights)
    other = savant.train(small.train_images, small.train_labels, hidden=32, epochs=1, seed=2)
    assert not np.array_equal(one.weights[0], other.weights[0])


def test_deeper_networks_and_other_settings_train(small):
    model = savant.train(small.train_images, small.train_labels, hidden=16, layers=2, epochs=1,
                         batch=64, learning_rate=2e-3)
    assert model.sizes == [784, 16, 16, 10]
    assert [w.shape for w in model.weights] == [(784, 16), (16,), (16, 16), (16,), (16, 10),
                                                (10,)]


def test_progress_is_called_and_an_exception_in_it_stops_training(small):
    seen = []
    savant.train(small.train_images, small.train_labels, hidden=16, epochs=2,
                 progress=seen.append)
    assert seen and seen[-1]["epoch"] == 2 and seen[-1]["step"] == seen[-1]["steps"]
    assert set(seen[0]) == {"name", "epoch", "epochs", "step", "steps", "loss", "accuracy",
                            "elapsed_seconds"}

    class Stop(Exception):
        pass

    def stop(p):
        if p["step"] > 10:
            raise Stop("enough")
    with pytest.raises(Stop, match="enough"):
        savant.train(small.train_images, small.train_labels, hidden=16, epochs=2, progress=stop)


def test_the_gil_is_released_while_training(fashion):
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.002)
    t = threading.Thread(target=tick)
    t.start()
    time.sleep(0.01)
    start = time.monotonic()
    try:
        savant.train(fashion.train_images, fashion.train_labels, hidden=128, epochs=1, threads=1)
    finally:
        end = time.monotonic()
        done.set()
        t.join()
    inside = [x for x in ticks if start + 0.02 < x < end]
    # One epoch of 60,000 images takes 0.4 s or more; a thread that held the GIL would let
    # the other thread tick at most once or twice.
    assert end - start > 0.1
    assert len(inside) >= 10, "another Python thread could not run while savant trained"


def test_ctrl_c_stops_training_with_keyboardinterrupt(fashion):
    # 200 epochs of 60,000 images would take minutes; SIGINT after 0.5 s must stop it at once.
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        savant.train(fashion.train_images, fashion.train_labels, epochs=200)
    assert time.monotonic() - start < 5.0
    timer.cancel()


def test_ctrl_c_stops_a_reproduction_on_both_threads(fashion):
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        savant.reproduce(data=DATA, epochs=200, threads=2)
    assert time.monotonic() - start < 5.0
    timer.cancel()


def test_bad_settings_are_valueerrors_with_the_librarys_message(small):
    x, y = small.train_images, small.train_labels
    with pytest.raises(ValueError, match="hidden=0"):
        savant.train(x, y, hidden=0)
    with pytest.raises(ValueError, match="learning_rate=-1"):
        savant.train(x, y, learning_rate=-1.0)
    with pytest.raises(ValueError, match="epochs=-1: not a whole number of 0 or more"):
        savant.train(x, y, epochs=-1)
    with pytest.raises(ValueError, match="batch='32': expected"):
        savant.train(x, y, batch="32")
    with pytest.raises(ValueError, match="unknown setting 'lr'"):
        savant.train_on("shuffled", lr=0.01)
    with pytest.raises(ValueError, match="train_on=puzzles: unknown training regime"):
        savant.train_on("puzzles", data=DATA, train_limit=10)


def test_labels_of_the_wrong_dtype_length_or_range_are_refused(small):
    x, y = small.train_images, small.train_labels
    with pytest.raises(ValueError, match=r"labels must have a whole-number dtype \(uint8, int32, "
                                         r"int64, ...\); got float64"):
        savant.train(x, y.astype(np.float64))
    with pytest.raises(ValueError, match=f"labels has {LIMIT - 1} labels for {LIMIT} images"):
        savant.train(x, y[1:])
    bad = y.copy()
    bad[5] = 10
    with pytest.raises(ValueError, match=r"labels\[5\] is 10, but the model has 10 classes"):
        savant.train(x, bad)
    with pytest.raises(ValueError, match="C-contiguous"):
        savant.train(x[::2], y[::2])


def test_a_diverging_training_is_a_savant_error(small):
    with pytest.raises(savant.TrainingError, match="diverged"):
        savant.train(small.train_images, small.train_labels, hidden=16, epochs=1,
                     learning_rate=1e30)
