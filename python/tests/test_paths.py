"""The module's writers follow the command line's rule for paths (docs/RELIABILITY.md, "Outputs
are whole sets"): a path means what the kernel makes of it, no output lies in what is read, and a
path that cannot be written (or recorded) is refused before anything is written."""
import os
import shutil

import pytest

import savant
from conftest import DATA

SMALL = dict(train_limit=300, epochs=1, hidden=8, threads=1)


def test_a_run_spelled_through_a_link_goes_where_the_kernel_says(fashion, tmp_path):
    (tmp_path / "far" / "inner").mkdir(parents=True)
    (tmp_path / "lnk").symlink_to("far/inner")
    (tmp_path / "victim").write_text("keep")
    # lnk/.. is far: the text "lnk/../victim" would be ./victim.
    savant.reproduce(data=DATA, out=tmp_path / "lnk" / ".." / "victim", **SMALL)
    assert (tmp_path / "far" / "victim" / "results.json").is_file()
    assert (tmp_path / "victim").read_text() == "keep"


def test_no_output_in_the_data_and_no_path_that_is_not_utf8(fashion, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    with pytest.raises(savant.UsageError, match="lies inside the data set"):
        savant.sweep(data / "results.sqlite", data=data, grid=4, train_on="original",
                     epochs=1, hidden=8, train_limit=300, threads=1)
    r = savant.reproduce(data=data, **SMALL)
    with pytest.raises(savant.UsageError, match="lies inside the data set"):
        r.write(data / "run")
    assert sorted(os.listdir(data)) == sorted(os.listdir(DATA))
    with pytest.raises(savant.UsageError, match="is not UTF-8 text"):
        savant.save_model(r.original_model, os.fsdecode(os.fsencode(str(tmp_path)) + b"/m\xff"))
    assert os.listdir(tmp_path) == ["data"]
