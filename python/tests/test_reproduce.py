"""savant.reproduce against `savant reproduce`: the same numbers, the same models, the same
files; read_results."""
import hashlib
import json

import numpy as np
import pytest

import savant
from conftest import DATA, read_safetensors


def cli_reproduce(cli, out, *args):
    cli("reproduce", "--data", DATA, "--out", out, *args)
    return json.loads((out / "results.json").read_text())


def test_reproduce_gives_the_numbers_of_savant_reproduce(fashion, cli, tmp_path):
    # The article's settings, whole data set: the README promises these numbers from Python.
    expected = cli_reproduce(cli, tmp_path / "cli")
    r = savant.reproduce()
    assert r.results["accuracy"] == expected["accuracy"]
    assert r.results["grid_signature"] == expected["grid_signature"]
    assert r.results["confusion"] == expected["confusion"]
    assert r.accuracy["shuffled_model", "shuffled_test"] == \
        expected["accuracy"]["shuffled_model"]["shuffled_test"]
    assert r.signature["shuffled_model", "contrast"] == \
        expected["grid_signature"]["shuffled_model"]["contrast"]
    for name in ("original_model", "shuffled_model"):
        tensors, _ = read_safetensors(tmp_path / "cli" / f"{name}.safetensors")
        model = getattr(r, name)
        assert np.array_equal(model.weights[0].view(np.uint32),
                              tensors["dense1.kernel"].view(np.uint32))


def test_reproduction_views_files_and_read_results(fashion, cli, tmp_path):
    settings = dict(train_limit=2000, epochs=1, grid=7, shuffle="permute", seed=3, hidden=32)
    seen = []
    r = savant.reproduce(data=DATA, out=tmp_path / "py", progress=seen.append, threads=2,
                         **settings)
    # Both models report, each from its own training thread, through the same callback.
    assert {p["name"] for p in seen} == {"original_model", "shuffled_model"}
    expected = cli_reproduce(cli, tmp_path / "cli", "--train-limit", 2000, "--epochs", 1,
                             "--grid", 7, "--shuffle", "permute", "--seed", 3, "--hidden", 32)
    assert r.results["accuracy"] == expected["accuracy"]
    written = savant.read_results(tmp_path / "py")
    assert written["accuracy"] == expected["accuracy"]
    assert written["adjacent_correlation"] == expected["adjacent_correlation"]
    for f in ("results.json", "report.html", "heatmap_shuffled_model.png", "samples.png",
              "original_model.safetensors", "shuffled_model.safetensors"):
        assert (tmp_path / "py" / f).is_file()
    for name in ("original_model", "shuffled_model"):
        a, _ = read_safetensors(tmp_path / "py" / f"{name}.safetensors")
        b, _ = read_safetensors(tmp_path / "cli" / f"{name}.safetensors")
        assert all(np.array_equal(a[k].view(np.uint32), b[k].view(np.uint32)) for k in a)

    # R and A are views into the result, equal to what the analysis functions compute.
    R = r.correlation("shuffled_model")
    assert R.shape == (784, 784) and not R.flags.owndata
    assert np.array_equal(R, savant.weight_correlation(r.shuffled_model), equal_nan=True)
    A = np.array(expected["adjacent_correlation"]["shuffled_model"], dtype=float)
    assert np.allclose(r.adjacent("shuffled_model"), A, equal_nan=True, rtol=0, atol=1e-12)
    s = savant.grid_signature(R, grid=7)
    assert s.contrast == expected["grid_signature"]["shuffled_model"]["contrast"]
    with pytest.raises(ValueError, match="model 'puzzle_model'"):
        r.correlation("puzzle_model")


def test_read_results_refuses_a_malformed_file(tmp_path):
    (tmp_path / "results.json").write_text('{"accuracy": 3}')
    with pytest.raises(savant.InputError, match="results.json"):
        savant.read_results(tmp_path)
    with pytest.raises(savant.FileError, match="not found"):
        savant.read_results(tmp_path / "missing.json")


def test_reproduce_refuses_bad_settings_before_any_work():
    with pytest.raises(ValueError, match="grid=0"):
        savant.reproduce(grid=0)
    with pytest.raises(ValueError, match="threads=0"):
        savant.reproduce(threads=0)
    with pytest.raises(savant.FileError, match="nowhere"):
        savant.reproduce(data="/nowhere")


def page_data(path):
    """The JSON blob of a report page (the script element the page's script reads)."""
    text = path.read_text()
    start = text.index('id="savant-data">') + len('id="savant-data">')
    return json.loads(text[start:text.index("</script>", start)])


def test_write_hashes_what_it_writes_and_draws_the_page_from_memory(fashion, cli, tmp_path):
    # Reproduction.write is the store's commit_run, as `savant reproduce`: the manifest holds
    # each file's SHA-256 as written, and the page drawn from memory is the one `savant report`
    # draws from the files.
    r = savant.reproduce(data=DATA, train_limit=500, epochs=1, hidden=8, threads=2)
    r.write(tmp_path / "run")
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert len(results["manifest"]) == 8
    for entry in results["manifest"]:
        data = (tmp_path / "run" / entry["file"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    cli("report", tmp_path / "run", "--out", tmp_path / "again.html")
    assert page_data(tmp_path / "run" / "report.html") == page_data(tmp_path / "again.html")
