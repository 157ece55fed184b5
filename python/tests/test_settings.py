"""The keyword arguments are the library's table of settings (savant.settings())."""
import inspect

import pytest

import savant


def table():
    return {s["name"]: s for s in savant.settings()}


def test_every_setting_has_one_snake_case_name_a_type_and_help():
    for name, s in table().items():
        assert name.isidentifier() and name == name.lower(), name
        assert s["type"] in ("whole", "number", "choice", "path") and s["help"], name
    assert table()["learning_rate"]["default"] == "0.001"
    assert "lr" not in table()  # the old name is the command line's hidden flag only


def test_reproduce_takes_every_training_setting_with_the_librarys_default():
    params = inspect.signature(savant.reproduce).parameters
    trains = {name for name, s in table().items() if "trains" in s["uses"]}
    assert trains <= set(params)
    for name in trains - {"data", "threads"}:  # None: the command line's defaults
        assert str(params[name].default) == table()[name]["default"], name


def test_unknown_keywords_list_the_tables_names():
    with pytest.raises(ValueError) as error:
        savant.train_on("original", learning_rates=0.1)
    for name, s in table().items():
        if "trains" in s["uses"]:
            assert name in str(error.value)
    with pytest.raises(ValueError, match="engine='sse9'"):
        savant.train_on("original", engine="sse9")
