"""savant.sweep and savant.read_sweep against `savant sweep`."""
import numpy as np
import pytest

import savant
from conftest import DATA

SETTINGS = dict(grid=[2, 4], train_on=["original", "shuffled"], epochs=1, hidden=16,
                train_limit=1000, seeds=2)


def test_sweep_runs_the_jobs_of_savant_sweep_and_reads_them_as_a_dataframe(fashion, cli,
                                                                           tmp_path):
    db = tmp_path / "py.sqlite"
    assert savant.sweep(db, data=DATA, threads=2, **SETTINGS) == {"jobs": 8, "ran": 8,
                                                                 "failed": 0, "elsewhere": 0}
    assert savant.sweep(db, data=DATA, **SETTINGS)["ran"] == 0  # resumed: all done
    cli("sweep", "--data", DATA, "--grid", "2,4", "--train-on", "original,shuffled",
        "--epochs", 1, "--hidden", 16, "--train-limit", 1000, "--seeds", 2, "--db",
        tmp_path / "cli.sqlite")
    mine = savant.read_sweep(db).set_index("job_key").sort_index()
    theirs = savant.read_sweep(tmp_path / "cli.sqlite").set_index("job_key").sort_index()
    assert len(mine) == 8 and list(mine.index) == list(theirs.index)
    for column in ("original_test", "shuffled_test", "within", "across", "contrast"):
        assert np.array_equal(mine[column].to_numpy(), theirs[column].to_numpy())
    assert set(mine["grid"]) == {2, 4} and set(mine["seed"]) == {0, 1}
    assert set(mine["train_on"]) == {"original", "shuffled"}
    assert (mine["status"] == "done").all()
    assert mine["learning_rate"].iloc[0] == 0.001


def test_python_and_cli_sweeps_share_the_claims_of_one_database(fashion, cli, tmp_path):
    """One driver (sweep/driver.hpp) for both: a job that a running process has claimed is
    left to it by savant.sweep as by `savant sweep`, and taken over once that process is gone."""
    import socket
    import sqlite3
    import subprocess
    import sys
    db = tmp_path / "shared.sqlite"
    settings = dict(grid=2, train_on="original", epochs=1, hidden=16, train_limit=200)
    flags = ["--data", DATA, "--grid", 2, "--train-on", "original", "--epochs", 1, "--hidden", 16,
             "--train-limit", 200, "--db", db, "--threads", 1]
    cli("sweep", *flags, "--seeds", 1)  # seed 0, and the database
    (key,) = savant.read_sweep(db)["job_key"]
    assert key.endswith(",seed=0")
    claimed = key[:-len("0")] + "1"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        connection = sqlite3.connect(db)
        with connection:
            connection.execute("INSERT INTO claims (job_key, pid, host, claimed_at) "
                               "VALUES (?, ?, ?, 'now')", (claimed, holder.pid,
                                                           socket.gethostname()))
        connection.close()
        assert savant.sweep(db, data=DATA, seeds=2, threads=1, **settings) == {
            "jobs": 2, "ran": 0, "failed": 0, "elsewhere": 1}
        out = cli("sweep", *flags, "--seeds", 2)
        assert "0 job(s) run" in out.stderr and "1 run by another process" in out.stderr
    finally:
        holder.kill()
        holder.wait()
    # The claim of a process of this host that no longer runs is taken over.
    assert savant.sweep(db, data=DATA, seeds=2, threads=1, **settings)["ran"] == 1
    assert set(savant.read_sweep(db)["job_key"]) == {key, claimed}


def test_sweep_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown setting 'grids'"):
        savant.sweep(tmp_path / "x.sqlite", grids=[2])
    with pytest.raises(ValueError, match="train_on="):
        savant.sweep(tmp_path / "x.sqlite", train_on=["puzzles"])
    (tmp_path / "other.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(savant.InputError, match="other.sqlite"):
        savant.read_sweep(tmp_path / "other.sqlite")


def test_results_view_reads_into_pandas_with_one_row_per_job(fashion, tmp_path):
    import sqlite3
    import pandas
    db = tmp_path / "view.sqlite"
    savant.sweep(db, data=DATA, **SETTINGS)
    frame = pandas.read_sql("SELECT * FROM results", sqlite3.connect(db))
    assert len(frame) == 8 and frame["job_key"].is_unique
    for column in ("original_test", "shuffled_test", "specialisation", "border_discontinuity",
                   "lesion_spread", "invariance", "invariance_accuracy", "cka_original"):
        assert frame[column].notna().all(), column
    assert (frame["learning_rate"] == 0.001).all()
    assert list(tmp_path.iterdir()) == [db]  # the connection closed; no -wal or -shm left
    mine = savant.read_sweep(db).set_index("job_key").sort_index()
    view = frame.set_index("job_key").sort_index()
    assert np.allclose(mine["cka_original"], view["cka_original"], rtol=0, atol=1e-15)


def test_keep_models_keeps_each_jobs_model_beside_the_database(fashion, tmp_path):
    db = tmp_path / "k.sqlite"
    settings = dict(data=DATA, grid=4, train_on=["original", "shuffled"], epochs=1, hidden=8,
                    train_limit=500, keep_models=True)
    assert savant.sweep(db, threads=2, **settings)["ran"] == 2
    kept = sorted(p.name for p in (tmp_path / "k.models").iterdir())
    keys = sorted(savant.read_sweep(db)["job_key"])
    assert kept == [key + ".safetensors" for key in keys]
    (tmp_path / "k.models" / kept[0]).unlink()
    assert savant.sweep(db, threads=2, **settings)["ran"] == 1  # only the job without its model
    assert sorted(p.name for p in (tmp_path / "k.models").iterdir()) == kept
