"""read_results against hostile files: JSON nested 100,000 deep, a device that never ends, a
FIFO that never opens. Each runs in a child process under a time and memory limit, so that a
regression fails the test instead of crashing, hanging or exhausting the test run."""
import json
import os
import resource
import subprocess
import sys

import pytest

from conftest import write_tiny_dataset

CHILD = "import sys, savant\ntry:\n    savant.read_results(sys.argv[1])\nexcept savant.Error as e:\n" \
        "    print(e)\n    sys.exit(3)\n"


def read_results_in_child(path, timeout=30, memory=2 << 30):
    """Exit code and output of savant.read_results(path) in a child: 3 with the savant.Error's text
    when it refuses the file."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit)


@pytest.fixture(scope="module")
def run_dir(cli, tmp_path_factory):
    """A real run of `savant reproduce` on 8x8 images."""
    root = tmp_path_factory.mktemp("hostile")
    data = write_tiny_dataset(root / "data")
    cli("reproduce", "--data", data, "--out", root / "run", "--grid", 2, "--hidden", 8,
        "--epochs", 1, "--threads", 1)
    return root / "run"


def test_read_results_refuses_json_nested_a_hundred_thousand_deep(run_dir, tmp_path):
    results = json.loads((run_dir / "results.json").read_text())
    results["machine"]["nested"] = "DEEP"
    text = json.dumps(results).replace('"DEEP"', "[" * 100000 + "]" * 100000)
    (tmp_path / "results.json").write_text(text)
    child = read_results_in_child(tmp_path / "results.json")
    assert child.returncode == 3, child
    assert "results.json is nested deeper than 64 levels of arrays and objects" in child.stdout


def test_read_results_refuses_a_device(tmp_path):
    child = read_results_in_child("/dev/zero")
    assert child.returncode == 3, child
    assert "'/dev/zero' is a character device; savant reads only regular files" in child.stdout


def test_read_results_refuses_a_fifo_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "results.json")
    child = read_results_in_child(tmp_path / "results.json")
    assert child.returncode == 3, child
    assert "results.json' is a FIFO (named pipe); savant reads only regular files" in child.stdout


def test_read_results_refuses_a_file_larger_than_any_run_writes(tmp_path):
    with open(tmp_path / "results.json", "wb") as f:
        f.truncate(65 << 20)  # sparse: 65 MiB of nothing
    child = read_results_in_child(tmp_path / "results.json")
    assert child.returncode == 3, child
    assert "more than the 64.0 MiB savant reads as a run's results.json" in child.stdout
