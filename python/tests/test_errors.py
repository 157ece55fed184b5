"""The library's errors as Python exceptions: one subclass of savant.Error per kind, each also
the matching built-in (ValueError, OSError, MemoryError), on a small data set made here (no
Fashion-MNIST needed)."""
import errno
import os

import pytest

import savant
from conftest import write_tiny_dataset


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_dataset(tmp_path_factory.mktemp("tiny") / "data")


def test_the_classes_derive_from_savant_error_and_the_matching_builtin():
    for name, builtin in (("SettingError", ValueError), ("UsageError", ValueError),
                          ("InputError", ValueError), ("FileError", OSError),
                          ("ResourceError", MemoryError), ("TrainingError", RuntimeError)):
        cls = getattr(savant, name)
        assert issubclass(cls, savant.Error) and issubclass(cls, builtin), name
    assert issubclass(savant.SettingError, savant.UsageError)
    # Only the system's refusals are OSErrors; a training that diverged is no ValueError either.
    for name in ("SettingError", "UsageError", "InputError", "TrainingError", "ResourceError"):
        assert not issubclass(getattr(savant, name), OSError), name
    assert not issubclass(savant.TrainingError, ValueError)


def check_diverged(info):
    e = info.value
    assert type(e) is savant.TrainingError and not isinstance(e, OSError)
    assert e.setting == "learning_rate"
    assert "lower the learning rate" in str(e) and "--" not in str(e)


def test_a_diverging_train_train_on_or_reproduce_is_a_training_error(tiny):
    d = savant.load(tiny)
    with pytest.raises(savant.Error) as info:
        savant.train(d.train_images, d.train_labels, hidden=8, epochs=1, learning_rate=1e30)
    check_diverged(info)
    with pytest.raises(savant.Error) as info:
        savant.train_on("original", data=tiny, hidden=8, epochs=1, learning_rate=1e30)
    check_diverged(info)
    with pytest.raises(savant.Error) as info:
        savant.reproduce(data=tiny, grid=2, hidden=8, epochs=1, learning_rate=1e30, threads=1)
    check_diverged(info)


def test_a_bad_setting_is_a_setting_error_naming_it():
    with pytest.raises(savant.SettingError) as info:
        savant.reproduce(grid=0)
    assert isinstance(info.value, ValueError)
    assert info.value.setting == "grid" and info.value.value == "0"
    assert str(info.value).startswith("grid=0: ")


def test_a_missing_data_set_is_a_file_error_with_errno_and_filename(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(savant.FileError) as info:
        savant.load(missing)
    e = info.value
    assert isinstance(e, OSError) and e.errno == errno.ENOENT and e.filename == str(missing)
    assert str(e).startswith(f"data directory '{missing}' does not exist")
    (tmp_path / "results.json").mkdir()
    with pytest.raises(savant.FileError) as info:
        savant.read_results(tmp_path / "missing.json")
    assert info.value.errno == errno.ENOENT and info.value.filename.endswith("missing.json")


def test_a_malformed_results_json_is_an_input_error_not_an_oserror(tmp_path):
    (tmp_path / "results.json").write_text('{"accuracy": 3}')
    with pytest.raises(savant.InputError, match="results.json") as info:
        savant.read_results(tmp_path)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, OSError)
    (tmp_path / "results.json").write_text("{")
    with pytest.raises(savant.InputError, match="not valid JSON"):
        savant.read_results(tmp_path)


def test_a_file_over_savants_limit_is_a_resource_error(tmp_path):
    big = tmp_path / "results.json"
    with open(big, "wb") as f:
        f.truncate(65 << 20)  # sparse: over the 64 MiB savant reads as a results.json
    with pytest.raises(savant.ResourceError, match="more than the 64.0 MiB") as info:
        savant.read_results(big)
    assert isinstance(info.value, MemoryError)


def test_an_output_inside_the_data_is_a_usage_error(tiny):
    with pytest.raises(savant.UsageError, match="lies inside the data set") as info:
        savant.sweep(tiny / "sweep.sqlite", data=tiny, grid=2, train_on="original", epochs=1,
                     hidden=4, threads=1)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, OSError)
    assert not (tiny / "sweep.sqlite").exists()


def test_a_file_of_another_kind_is_an_input_error(tmp_path):
    os.mkfifo(tmp_path / "results.json")
    with pytest.raises(savant.InputError, match="FIFO"):
        savant.read_results(tmp_path / "results.json")


def test_a_model_name_with_a_typo_gets_did_you_mean(tiny):
    with pytest.raises(ValueError, match="did you mean 'local'"):
        savant.train_on("original", data=tiny, model="locl")
