"""savant.load, savant.shuffle and savant.block_permutation."""
import gzip
import pathlib

import numpy as np
import pytest

import savant
from conftest import DATA, needs_data


@needs_data
def test_load_by_name_directory_and_default_give_the_same_arrays(fashion):
    by_name = savant.load("fashion-mnist") if DATA == savant.DATASETS / "fashion-mnist" else fashion
    default = savant.load()
    for d in (by_name, default):
        assert np.array_equal(d.train_images, fashion.train_images)
        assert np.array_equal(d.test_labels, fashion.test_labels)
    assert fashion.train_images.shape == (60000, 28, 28)
    assert fashion.train_images.dtype == np.uint8
    assert fashion.train_labels.shape == (60000,)
    assert fashion.test_images.shape == (10000, 28, 28)
    assert fashion.class_names[0] == "T-shirt/top"
    assert f"{fashion.train_crc32:08x}" == "a8c91d78"


@needs_data
def test_loaded_arrays_own_the_librarys_buffers_without_a_copy(fashion):
    # The array does not own its memory: a capsule holding the library's ImageSet does.
    assert not fashion.train_images.flags.owndata
    assert type(fashion.train_images.base).__name__ == "PyCapsule"
    assert fashion.train_images.flags.c_contiguous


@needs_data
def test_load_reads_the_idx_files_as_they_are(fashion):
    with gzip.open(DATA / "t10k-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 28, 28)
    assert np.array_equal(raw, fashion.test_images)


@needs_data
def test_train_limit_keeps_the_first_images(fashion):
    small = savant.load(DATA, train_limit=100)
    assert np.array_equal(small.train_images, fashion.train_images[:100])
    assert len(small.test_images) == 10000


def test_load_of_a_missing_directory_is_an_oserror(tmp_path):
    with pytest.raises(savant.FileError, match="nowhere' does not exist"):
        savant.load(tmp_path / "nowhere")
    with pytest.raises(savant.FileError, match="train-images-idx3-ubyte"):
        savant.load(tmp_path)


def test_load_of_a_malformed_file_is_an_input_error_naming_it(tmp_path):
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (tmp_path / stem).write_bytes(b"\x00\x00\x08\x03short")
    with pytest.raises(savant.InputError, match="idx3-ubyte"):
        savant.load(tmp_path)


def blocks(image, grid):
    b = image.shape[0] // grid
    return [image[r * b:(r + 1) * b, c * b:(c + 1) * b] for r in range(grid) for c in range(grid)]


def random_images(count=50, side=28, seed=1):
    return np.random.default_rng(seed).integers(0, 256, (count, side, side), dtype=np.uint8)


@pytest.mark.parametrize("mode", ["derange", "permute", "fixed", "none"])
def test_shuffle_moves_blocks_as_block_permutation_says(mode):
    images = random_images()
    out = savant.shuffle(images, 4, mode, seed=3, split="test")
    assert out.shape == images.shape and out.dtype == np.uint8
    for k in (0, 7, 49):
        p = savant.block_permutation(4, mode, seed=3, split="test", index=k)
        src, dst = blocks(images[k], 4), blocks(out[k], 4)
        for i in range(16):
            assert np.array_equal(dst[i], src[p[i]])
        if mode == "derange" or mode == "fixed":
            assert all(p[i] != i for i in range(16))
        if mode == "none":
            assert list(p) == list(range(16))
    if mode == "fixed":
        assert list(savant.block_permutation(4, mode, 3, "train", 0)) == list(
            savant.block_permutation(4, mode, 3, "test", 9))


def test_shuffle_splits_and_seeds_differ_and_threads_do_not_matter():
    images = random_images()
    a = savant.shuffle(images, 4, "derange", 0, "train", threads=1)
    assert np.array_equal(a, savant.shuffle(images, 4, "derange", 0, "train", threads=2))
    assert not np.array_equal(a, savant.shuffle(images, 4, "derange", 0, "test"))
    assert not np.array_equal(a, savant.shuffle(images, 4, "derange", 1, "train"))


@needs_data
def test_shuffle_gives_the_images_of_savant_shuffle(fashion, cli, tmp_path):
    cli("shuffle", "--data", DATA, "--grid", 7, "--mode", "permute", "--seed", 5, "--out",
        tmp_path)
    for stem, images, split in (("t10k", fashion.test_images, "test"),
                                ("train", fashion.train_images, "train")):
        with gzip.open(tmp_path / f"{stem}-images-idx3-ubyte.gz") as f:
            expected = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(images.shape)
        assert np.array_equal(savant.shuffle(images, 7, "permute", 5, split), expected)


def test_shuffle_rejects_bad_arguments_with_the_librarys_message():
    images = random_images()
    with pytest.raises(ValueError, match="grid"):
        savant.shuffle(images, 5)  # 5 does not divide 28
    with pytest.raises(ValueError, match="derangement"):
        savant.shuffle(images, 1, "derange")
    with pytest.raises(ValueError, match="shuffl|derange"):
        savant.shuffle(images, 4, "sideways")
    with pytest.raises(ValueError, match="split 'validation'"):
        savant.shuffle(images, 4, split="validation")


def test_images_of_the_wrong_dtype_shape_or_layout_are_refused_clearly():
    images = random_images()
    with pytest.raises(ValueError, match=r"images must have dtype uint8 \(pixels 0 to 255\) or "
                                         r"a float dtype \(pixels / 255, in \[0, 1\]\); got "
                                         r"complex128"):
        savant.shuffle(images.astype(np.complex128), 4)
    with pytest.raises(ValueError, match=r"images must have shape \(count, rows, cols\); got "
                                         r"shape \(50, 784\)"):
        savant.shuffle(images.reshape(50, 784), 4)
    with pytest.raises(ValueError, match="C-contiguous"):
        savant.shuffle(images[:, :, ::-1], 4)
    with pytest.raises(ValueError, match="C-contiguous"):
        savant.shuffle(np.asfortranarray(images), 4)
    with pytest.raises(TypeError, match="numpy array"):
        savant.shuffle(images.tolist(), 4)
    # A contiguous slice of savant's own array is fine (copied), and so is the whole array.
    out = savant.shuffle(images, 4)
    assert np.array_equal(savant.shuffle(out[:10], 4, "none"), out[:10])
    assert np.array_equal(savant.shuffle(out, 4, "none"), out)
