"""savant.Model, evaluate, predict, load_model, save_model and compare: a model built in NumPy
evaluates in savant, and a savant model evaluates in NumPy."""
import json

import numpy as np
import pytest

import savant
from conftest import numpy_forward, read_safetensors


@pytest.fixture(scope="module")
def trained(fashion):
    return savant.train(fashion.train_images[:5000].copy(), fashion.train_labels[:5000].copy(),
                        hidden=64, epochs=2, seed=0)


def numpy_weights(seed=0, sizes=(784, 32, 10)):
    rng = np.random.default_rng(seed)
    out = []
    for a, b in zip(sizes, sizes[1:]):
        out += [rng.normal(0, 0.1, (a, b)).astype(np.float32),
                rng.normal(0, 0.1, b).astype(np.float32)]
    return out


def test_a_model_built_in_numpy_evaluates_in_savant_as_numpy_does(fashion):
    weights = numpy_weights()
    model = savant.Model(weights)
    assert model.sizes == [784, 32, 10]
    for mine, given in zip(model.weights, weights):
        assert np.array_equal(mine, given)
    labels, confidence = savant.predict(model, fashion.test_images)
    logits = numpy_forward(weights, fashion.test_images)
    expected = logits.argmax(axis=1)
    # float32 in savant, float64 here: a near-tie may differ, nothing more.
    assert np.mean(labels == expected) > 0.999
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert np.allclose(confidence, p.max(axis=1), atol=1e-4)
    e = savant.evaluate(model, fashion.test_images, fashion.test_labels)
    assert e.total == 10000 and e.correct == int(np.sum(labels == fashion.test_labels))
    assert e.accuracy == e.correct / 10000
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (fashion.test_labels, labels), 1)
    assert np.array_equal(e.confusion, confusion)
    assert np.allclose(e.per_class_accuracy, confusion.diagonal() / confusion.sum(axis=1))


def test_a_savant_model_evaluates_in_numpy(trained, fashion):
    e = savant.evaluate(trained, fashion.test_images, fashion.test_labels)
    predicted = numpy_forward(trained.weights, fashion.test_images).argmax(axis=1)
    assert abs(np.mean(predicted == fashion.test_labels) - e.accuracy) <= 2e-4
    assert e.accuracy > 0.75


def test_weights_are_views_into_the_model(trained):
    a, b = trained.weights[0], trained.weights[0]
    assert np.shares_memory(a, b)
    assert a.dtype == np.float32 and a.flags.c_contiguous and a.shape == (784, 64)


def test_save_and_load_keep_every_bit_and_the_metadata(trained, tmp_path):
    path = tmp_path / "m.safetensors"
    savant.save_model(trained, path)
    back = savant.load_model(path)
    for x, y in zip(back.weights, trained.weights):
        assert np.array_equal(x.view(np.uint32), y.view(np.uint32))
    tensors, _ = read_safetensors(path)
    assert np.array_equal(tensors["dense1.kernel"], trained.weights[0])
    # A model with savant's metadata (train_on) keeps it.
    m = savant.train_on("original", train_limit=500, epochs=1, hidden=8)
    savant.save_model(m, tmp_path / "o.safetensors")
    again = savant.load_model(tmp_path / "o.safetensors")
    assert again.metadata == m.metadata and again.name == "original_model"


def test_file_errors_are_savant_errors_with_the_librarys_message(trained, tmp_path):
    path = tmp_path / "m.safetensors"
    savant.save_model(trained, path)
    path.write_bytes(path.read_bytes()[:-80])
    with pytest.raises(savant.InputError, match="lie outside the .* data bytes"):
        savant.load_model(path)
    with pytest.raises(savant.FileError, match="nowhere"):
        savant.load_model(tmp_path / "nowhere.safetensors")
    with pytest.raises(savant.FileError):
        savant.save_model(trained, tmp_path / "no" / "such" / "dir" / "m.safetensors")


def test_weights_of_the_wrong_dtype_shape_or_layout_are_refused():
    w = numpy_weights()
    with pytest.raises(ValueError, match=r"weights\[0\] \(dense1.kernel\) must have dtype "
                                         r"float32; got float64"):
        savant.Model([w[0].astype(np.float64)] + w[1:])
    with pytest.raises(ValueError, match=r"weights\[1\] \(dense1.bias\) has 31 values"):
        savant.Model([w[0], w[1][:31]] + w[2:])
    with pytest.raises(ValueError, match=r"dense2.kernel\) has 784 inputs, but the layer before "
                                         r"has 32 outputs"):
        savant.Model(w[:2] + [w[0], w[1]])
    with pytest.raises(ValueError, match="C-contiguous"):
        savant.Model([np.asfortranarray(w[0])] + w[1:])
    with pytest.raises(ValueError, match="got 3 array"):
        savant.Model(w[:3])


def test_images_that_do_not_fit_the_model_are_refused(trained):
    images = np.zeros((4, 14, 14), dtype=np.uint8)
    with pytest.raises(ValueError, match="takes 784 inputs but the images have 14x14"):
        savant.predict(trained, images)
    with pytest.raises(ValueError, match="takes 784 inputs"):
        savant.evaluate(trained, images, np.zeros(4, dtype=np.uint8))


def test_compare_finds_a_model_the_same_as_itself_and_as_its_units_permuted(trained, fashion,
                                                                            tmp_path, cli):
    same = savant.compare(trained, trained)
    assert same["test"]["test_images"] == 1000 and same["test"]["test_count"] == 10000
    for test in ("original_test", "shuffled_test"):
        assert abs(same["comparison"][test]["cka"] - 1) < 1e-6
        assert same["comparison"][test]["agreement"] == 1.0
    # Hidden unit j moved to perm[j], with its bias and its row of the second kernel: the same
    # function with its units in another order.
    perm = np.random.default_rng(3).permutation(64)
    w = trained.weights
    k0, b0, k1 = np.empty_like(w[0]), np.empty_like(w[1]), np.empty_like(w[2])
    k0[:, perm], b0[perm], k1[perm, :] = w[0], w[1], w[2]
    permuted = savant.Model([k0, b0, k1, w[3].copy()], dict(trained.metadata))
    assert not np.array_equal(permuted.weights[0], w[0])
    r = savant.compare(trained, permuted, all_images=True)
    assert r["test"]["test_images"] == 10000
    for test in ("original_test", "shuffled_test"):
        assert abs(r["comparison"][test]["cka"] - 1) < 1e-6
        assert r["comparison"][test]["agreement"] == 1.0
    # The same numbers as the command line's on the saved files.
    for name, model in (("a", trained), ("b", permuted)):
        savant.save_model(model, tmp_path / f"{name}.safetensors")
    out = json.loads(cli("compare", "--json", "--all-images", tmp_path / "a.safetensors",
                         tmp_path / "b.safetensors").stdout)
    assert out["comparison"] == r["comparison"] and out["accuracy"] == r["accuracy"]
