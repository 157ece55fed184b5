#!/usr/bin/env python3
"""An independent reader of savant's files, in Python with NumPy alone (json, gzip, struct from
the standard library): it parses the safetensors and IDX files itself, recomputes the numbers
savant reports, and exits non-zero when they disagree.

  savant_check.py model   --savant BIN  train a small model, then check eval --json and analyze
  savant_check.py shuffle --savant BIN  check that savant shuffle's data set is block-shuffled

The data set is $SAVANT_DATA, else /usr/share/datasets/fashion-mnist; when it is missing the
check exits 77, which CTest reports as skipped.
"""

import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

SKIP = 77
ACCURACY_TOLERANCE = 1e-5
CORRELATION_TOLERANCE = 1e-4
IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


# --- file formats -------------------------------------------------------------------------

def read_safetensors(path):
    """(metadata, {name: float32 array}) from the format's description alone."""
    with open(path, "rb") as f:
        data = f.read()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    body = data[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", (path, name, entry["dtype"])
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"])
    return header.get("__metadata__", {}), tensors


def idx_path(directory, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(directory, name)):
            return os.path.join(directory, name)
    return None


def read_idx(path):
    """(header bytes, uint8 array shaped by the header)."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    assert data[:3] == b"\0\0\x08", (path, data[:4])
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    assert payload.size == int(np.prod(dims)), (path, dims, payload.size)
    return data[:4 + 4 * rank], payload.reshape(dims)


def read_split(directory, prefix):
    _, images = read_idx(idx_path(directory, prefix + "-images-idx3-ubyte"))
    _, labels = read_idx(idx_path(directory, prefix + "-labels-idx1-ubyte"))
    return images, labels


# --- the mathematics, written out again -----------------------------------------------------

def predict(tensors, images):
    """Predicted classes of a dense ReLU network in Keras' layout, in float64."""
    layers = sum(1 for name in tensors if name.endswith(".kernel"))
    # savant scales in float32 (x * (1/255)); the same inputs, then float64 from there.
    x = (images.reshape(len(images), -1).astype(np.float32) * np.float32(1 / 255)).astype(np.float64)
    for layer in range(1, layers + 1):
        x = x @ tensors[f"dense{layer}.kernel"].astype(np.float64) + tensors[f"dense{layer}.bias"]
        if layer < layers:
            x = np.maximum(x, 0)
    return np.argmax(x, axis=1)


def correlation(kernel):
    """R(p, q): Pearson correlation of the rows of the first kernel; NaN for a constant row."""
    w = kernel.astype(np.float64)
    centred = w - w.mean(axis=1, keepdims=True)
    norms = np.sqrt((centred ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (centred @ centred.T) / np.outer(norms, norms)


def adjacent_map(R, rows, cols):
    """Mean of R with the right and the lower neighbour, over those defined."""
    A = np.full((rows, cols), np.nan)
    for r in range(rows):
        for c in range(cols):
            p = r * cols + c
            values = [R[p, q] for q, ok in ((p + 1, c + 1 < cols), (p + cols, r + 1 < rows))
                      if ok and not np.isnan(R[p, q])]
            if values:
                A[r, c] = np.mean(values)
    return A


def grid_signature(R, rows, cols, grid):
    block_rows, block_cols = rows // grid, cols // grid
    within, across = [], []
    for r in range(rows):
        for c in range(cols):
            p = r * cols + c
            if c + 1 < cols:
                (within if (c + 1) % block_cols else across).append(R[p, p + 1])
            if r + 1 < rows:
                (within if (r + 1) % block_rows else across).append(R[p, p + cols])
    within = [v for v in within if not np.isnan(v)]
    across = [v for v in across if not np.isnan(v)]
    w = np.mean(within) if within else np.nan
    a = np.mean(across) if across else np.nan
    return {"within": w, "across": a, "contrast": w - a,
            "within_pairs": len(within), "across_pairs": len(across)}


def blocks(images, grid):
    """(N, grid * grid) blocks, row-major, each an opaque byte string that NumPy can compare."""
    n, rows, cols = images.shape
    b = images.reshape(n, grid, rows // grid, grid, cols // grid).transpose(0, 1, 3, 2, 4)
    b = np.ascontiguousarray(b).reshape(n, grid * grid, -1)
    return b.view(np.dtype((np.void, b.shape[2]))).reshape(n, grid * grid)


# --- checks ---------------------------------------------------------------------------------

class Checker:
    def __init__(self):
        self.failures = 0

    def close(self, what, ours, theirs, tolerance):
        ours_a, theirs_a = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
        same_nan = np.array_equal(np.isnan(ours_a), np.isnan(theirs_a))
        diff = np.nanmax(np.abs(ours_a - theirs_a)) if np.any(~np.isnan(ours_a)) else 0.0
        ok = same_nan and diff <= tolerance
        print(f"{'ok  ' if ok else 'FAIL'} {what}: largest difference {diff:.2e} "
              f"(tolerance {tolerance:g}){'' if same_nan else ', NaN in different places'}")
        self.failures += 0 if ok else 1

    def true(self, what, ok):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        self.failures += 0 if ok else 1


def savant(binary, *args, stdout=None):
    print("$ savant " + " ".join(args), flush=True)
    subprocess.run([binary, *args], check=True, stdout=stdout)


def null_to_nan(values):
    return np.array([[np.nan if v is None else v for v in row] for row in values], dtype=np.float64)


def check_model(binary, data, tmp, check):
    model = os.path.join(tmp, "model.safetensors")
    savant(binary, "train", "--train-on", "shuffled", "--epochs", "1", "--seed", "11",
           "--data", data, "--out", model)
    metadata, tensors = read_safetensors(model)
    config = json.loads(metadata["config"])
    check.true("the model's __metadata__ holds its configuration",
               metadata["train_on"] == "shuffled" and config["seed"] == 11 and
               config["epochs"] == 1 and int(metadata["image_rows"]) == 28)

    eval_path = os.path.join(tmp, "eval.json")
    with open(eval_path, "w") as out:
        savant(binary, "eval", "--model", model, "--data", data, "--json", stdout=out)
    with open(eval_path) as f:
        report = json.load(f)
    # The shuffled test images, as savant shuffle writes them with the model's own settings.
    shuffled_dir = os.path.join(tmp, "shuffled")
    savant(binary, "shuffle", "--data", data, "--grid", str(config["grid"]),
           "--mode", config["shuffle"], "--seed", str(config["seed"]), "--out", shuffled_dir)

    for key, directory in (("original_test", data), ("shuffled_test", shuffled_dir)):
        images, labels = read_split(directory, "t10k")
        predicted = predict(tensors, images)
        check.close(f"{key} accuracy ({np.mean(predicted == labels):.4f})",
                    np.mean(predicted == labels), report["accuracy"][key], ACCURACY_TOLERANCE)
        per_class = [np.mean(predicted[labels == k] == k) for k in range(10)]
        check.close(f"{key} per-class accuracy", per_class, report["per_class_accuracy"][key],
                    ACCURACY_TOLERANCE)

    analysis_dir = os.path.join(tmp, "analysis")
    savant(binary, "analyze", "--model", model, "--out", analysis_dir)
    with open(os.path.join(analysis_dir, "analysis.json")) as f:
        analysis = json.load(f)
    _, saved = read_safetensors(os.path.join(analysis_dir, "correlation.safetensors"))
    rows, cols = analysis["image_rows"], analysis["image_cols"]
    R = correlation(tensors["dense1.kernel"])
    check.close("every correlation R(p, q)", R, saved["correlation"], CORRELATION_TOLERANCE)
    check.close("adjacent map", adjacent_map(R, rows, cols),
                null_to_nan(analysis["adjacent_correlation"]), CORRELATION_TOLERANCE)
    for grid, theirs in analysis["grid_signatures"].items():
        ours = grid_signature(R, rows, cols, int(grid))
        check.true(f"grid {grid}: pair counts {ours['within_pairs']}/{ours['across_pairs']}",
                   (ours["within_pairs"], ours["across_pairs"]) ==
                   (theirs["within_pairs"], theirs["across_pairs"]))
        check.close(f"grid {grid}: within, across, contrast",
                    [ours["within"], ours["across"], ours["contrast"]],
                    [np.nan if theirs[k] is None else theirs[k]
                     for k in ("within", "across", "contrast")], CORRELATION_TOLERANCE)


def check_shuffle(binary, data, tmp, check):
    grid = 4
    out = os.path.join(tmp, "shuffled")
    savant(binary, "shuffle", "--data", data, "--grid", str(grid), "--mode", "derange",
           "--seed", "5", "--out", out)
    for stem in IDX_STEMS:
        check.true(f"{stem}.gz written", os.path.exists(os.path.join(out, stem + ".gz")))
    for prefix in ("train", "t10k"):
        header_in, images_in = read_idx(idx_path(data, prefix + "-images-idx3-ubyte"))
        header_out, images_out = read_idx(idx_path(out, prefix + "-images-idx3-ubyte"))
        labels_header_in, labels_in = read_idx(idx_path(data, prefix + "-labels-idx1-ubyte"))
        labels_header_out, labels_out = read_idx(idx_path(out, prefix + "-labels-idx1-ubyte"))
        check.true(f"{prefix}: IDX headers as in the original files",
                   header_in == header_out and labels_header_in == labels_header_out)
        check.true(f"{prefix}: labels unchanged", np.array_equal(labels_in, labels_out))
        b_in, b_out = blocks(images_in, grid), blocks(images_out, grid)
        same_blocks = np.all(np.sort(b_in, axis=1) == np.sort(b_out, axis=1), axis=1)
        check.true(f"{prefix}: every one of the {len(images_in)} images is a block permutation "
                   f"of its original", bool(np.all(same_blocks)))
        # Where an image's blocks all differ, a derangement leaves none of them in place.
        distinct = np.array([len(set(row.tolist())) == grid * grid for row in b_in])
        fixed_points = np.any(b_in == b_out, axis=1)
        check.true(f"{prefix}: no block in place in the {int(distinct.sum())} images whose "
                   f"blocks all differ", not np.any(fixed_points & distinct))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check", choices=("model", "shuffle"))
    parser.add_argument("--savant", required=True, help="the savant executable")
    parser.add_argument("--data", default=os.environ.get("SAVANT_DATA") or
                        "/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    if any(idx_path(args.data, stem) is None for stem in IDX_STEMS):
        print(f"skipped: no IDX data set in {args.data}")
        return SKIP
    check = Checker()
    with tempfile.TemporaryDirectory(prefix="savant-check-") as tmp:
        (check_model if args.check == "model" else check_shuffle)(args.savant, args.data, tmp,
                                                                   check)
    print(f"{check.failures} check(s) failed" if check.failures else "all checks passed")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
