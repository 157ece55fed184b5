"""Fixtures of the Python module's tests. The data set is Debian's Fashion-MNIST (or
$SAVANT_DATA); the tests that need it are skipped when it is missing. SAVANT_CLI is the
`savant` program, for the parity tests (python/CMakeLists.txt sets it)."""
import gzip
import json
import os
import pathlib
import struct
import subprocess

import numpy as np
import pytest

import savant

DATA = pathlib.Path(os.environ.get("SAVANT_DATA", "/usr/share/datasets/fashion-mnist"))


def data_installed() -> bool:
    return all(any((DATA / f"{stem}{ext}").is_file() for ext in ("", ".gz"))
               for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))


needs_data = pytest.mark.skipif(not data_installed(), reason=f"{DATA} is not installed")


@pytest.fixture(scope="session")
def fashion():
    if not data_installed():
        pytest.skip(f"{DATA} is not installed")
    return savant.load(DATA)


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("SAVANT_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("SAVANT_CLI must name the savant program (python/CMakeLists.txt sets it)")

    def run(*args, cwd=None):
        return subprocess.run([path, *map(str, args)], check=True, capture_output=True,
                              text=True, cwd=cwd)
    return run


def write_tiny_dataset(data):
    """An 8x8 IDX data set in `data` (gzip): 64 training and 32 test images, ten classes."""
    data.mkdir(parents=True, exist_ok=True)
    for split, count in (("train", 64), ("t10k", 32)):
        images = struct.pack(">IIII", 0x803, count, 8, 8) + bytes(
            (i * 37) % 256 for i in range(count * 64))
        labels = struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count))
        (data / f"{split}-images-idx3-ubyte.gz").write_bytes(gzip.compress(images))
        (data / f"{split}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    return data


def read_safetensors(path):
    """An independent reader (struct, json and NumPy only): {name: array}, metadata."""
    blob = pathlib.Path(path).read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        assert e["dtype"] == "F32"
        begin, end = e["data_offsets"]
        tensors[name] = np.frombuffer(blob[8 + n + begin:8 + n + end],
                                      dtype="<f4").reshape(e["shape"])
    return tensors, metadata


def numpy_forward(weights, images):
    """Logits of a dense ReLU network (Keras' layout) in float64, for [count, rows, cols]."""
    x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    for l in range(0, len(weights), 2):
        x = x @ weights[l].astype(np.float64) + weights[l + 1].astype(np.float64)
        if l + 2 < len(weights):
            x = np.maximum(x, 0.0)
    return x
