"""Model files: save → load gives the same model; writing is atomic; every broken file is a
ValueError that names it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn

finite = st.floats(min_value=-10, max_value=10, allow_nan=False)


@given(
    nin=st.integers(1, 3),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(sorted(nn.ACTIVATIONS)),
    seed=st.integers(0, 2**32),
    point=st.lists(finite, min_size=3, max_size=3),
)
def test_save_then_load_gives_identical_outputs(nin, nouts, activation, seed, point):
    model = nn.MLP(nin, nouts, activation=activation, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        nn.save(model, path)
        loaded = nn.load(path)
    outputs = model(point[:nin])
    again = loaded(point[:nin])
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    if isinstance(outputs, list):
        assert [o.data for o in again] == [o.data for o in outputs]
    else:
        assert again.data == outputs.data


@pytest.mark.parametrize(
    "model", [nn.Neuron(3, "tanh"), nn.Layer(2, 3, "sigmoid"), nn.MLP(2, [4, 1], dropout=0.3)]
)
def test_every_module_kind_rebuilds_from_its_file(tmp_path, model):
    nn.save(model, tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()


def test_a_class_of_the_same_name_does_not_change_what_a_file_rebuilds(tmp_path):
    class MLP(nn.Module):  # a user's own class that happens to share the name
        pass

    nn.save(nn.MLP(2, [3, 1]), tmp_path / "m.json")
    assert type(nn.load(tmp_path / "m.json")) is nn.MLP


def test_a_loaded_model_is_in_evaluation_mode(tmp_path):
    nn.save(nn.MLP(2, [4, 1], dropout=0.5), tmp_path / "m.json")
    assert not nn.load(tmp_path / "m.json").training


def test_the_file_is_json_naming_the_class_its_arguments_and_parameters(tmp_path):
    nn.save(nn.MLP(2, [3, 1], seed=0), tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["format"] == "chainrule-model"
    assert document["type"] == "MLP"
    assert document["config"]["nouts"] == [3, 1]
    assert len(document["parameters"]) == 13


def test_saving_leaves_only_the_model_file(tmp_path):
    nn.save(nn.MLP(2, [3, 1]), tmp_path / "m.json")
    nn.save(nn.MLP(2, [3, 1]), tmp_path / "m.json")
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_failed_save_keeps_the_old_file_and_leaves_nothing_behind(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [3, 1], seed=1), path)
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.MLP(2, [3, 1], seed=2), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]


def test_a_model_with_nan_parameters_is_not_saved(tmp_path):
    model = nn.Neuron(1)
    model.b.data = float("nan")
    with pytest.raises(ValueError, match="parameter b is nan"):
        nn.save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


# -- broken files ------------------------------------------------------------------------------
def saved(tmp_path: Path) -> dict:
    nn.save(nn.MLP(2, [3, 1], seed=0), tmp_path / "good.json")
    return json.loads((tmp_path / "good.json").read_text())


def load_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    nn.load(path)


def test_a_missing_file_is_a_value_error_naming_it(tmp_path):
    with pytest.raises(nn.ModelFileError, match=r"cannot read model file '.*nope.json'.*No such"):
        nn.load(tmp_path / "nope.json")


def test_a_folder_is_not_a_model_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read model file"):
        nn.load(tmp_path)


def test_an_empty_file_says_so(tmp_path):
    with pytest.raises(ValueError, match=r"bad.json': the file is empty"):
        load_text(tmp_path, "")


def test_a_truncated_file_is_reported_as_invalid_json(tmp_path):
    text = json.dumps(saved(tmp_path))
    with pytest.raises(ValueError, match=r"bad.json': not valid JSON, perhaps truncated"):
        load_text(tmp_path, text[: len(text) // 2])


def test_binary_garbage_is_reported(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ValueError, match=r"bad.json"):
        nn.load(path)


def test_json_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a chainrule model"):
        load_text(tmp_path, '{"hello": "world"}')


def test_an_unknown_model_type_is_refused(tmp_path):
    document = saved(tmp_path)
    document["type"] = "Transformer"
    with pytest.raises(ValueError, match="unknown model type 'Transformer'"):
        load_text(tmp_path, json.dumps(document))


def test_parameters_that_do_not_fit_the_architecture_are_refused(tmp_path):
    document = saved(tmp_path)
    document["config"]["nouts"] = [4, 1]
    with pytest.raises(ValueError, match=r"bad.json': the state does not fit .* missing"):
        load_text(tmp_path, json.dumps(document))


def test_an_impossible_architecture_is_refused(tmp_path):
    document = saved(tmp_path)
    document["config"]["nouts"] = [0]
    with pytest.raises(
        ValueError, match=r"bad.json': each layer size in nouts must be an integer from 1"
    ):
        load_text(tmp_path, json.dumps(document))


def test_an_unknown_argument_is_refused(tmp_path):
    document = saved(tmp_path)
    document["config"]["colour"] = "blue"
    with pytest.raises(ValueError, match=r"bad.json': MLP has no setting 'colour' \(its settings"):
        load_text(tmp_path, json.dumps(document))


def test_a_non_numeric_parameter_is_refused(tmp_path):
    document = saved(tmp_path)
    document["parameters"]["layer1.neuron1.w1"] = "0.5"
    with pytest.raises(ValueError, match=r"parameter layer1.neuron1.w1 must be a number, not str"):
        load_text(tmp_path, json.dumps(document))


def test_another_format_version_is_refused(tmp_path):
    document = saved(tmp_path)
    document["version"] = 99
    with pytest.raises(ValueError, match="unsupported version 99"):
        load_text(tmp_path, json.dumps(document))
