"""Config loading: the shipped examples load; typos and bad values are named with the file."""

from pathlib import Path

import pytest

import mtlhybrid.nnet
from mtlhybrid.nnet.config import config_from_dict, load_config
from mtlhybrid.utils.errors import DataError

CONFIGS = Path(mtlhybrid.nnet.__file__).parent / "configs"


@pytest.mark.parametrize("name", ["mtl_example.yaml", "single_task.yaml", "multilingual_example.yaml"])
def test_examples_load_and_round_trip(name):
    cfg = load_config(CONFIGS / name)
    assert cfg.primary.source == "pdf"
    again = config_from_dict(cfg.to_dict())
    assert again.to_dict() == cfg.to_dict()


def test_example_defaults_filled():
    cfg = load_config(CONFIGS / "mtl_example.yaml")
    acc = cfg.task("accent")
    assert acc.level == "utterance"
    assert acc.label == "accent"
    assert acc.layer == 3
    assert cfg.task("mono").level == "frame"
    assert cfg.model.layer_contexts()[3] == [-3, 0, 3]
    single = load_config(CONFIGS / "single_task.yaml")
    assert [t.name for t in single.tasks] == ["senone"]
    assert single.tasks[0].primary


def _write(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    return p


def test_unknown_key_names_key_and_file(tmp_path):
    p = _write(tmp_path, "tasks:\n  - name: senone\n    source: pdf\n    wieght: 2\n")
    with pytest.raises(DataError) as e:
        load_config(p)
    assert "tasks[0].wieght" in str(e.value)
    assert str(p) in str(e.value)
    p = _write(tmp_path, "tasks:\n  - {name: senone, source: pdf}\nmodel: {hidden: 3}\n")
    with pytest.raises(DataError, match=r"model\.hidden"):
        load_config(p)


@pytest.mark.parametrize(
    "text, needle",
    [
        ("tasks:\n  - {name: senone, source: alignment}\n", "source must be one of"),
        ("tasks:\n  - {name: senone, source: pdf, weight: -1}\n", "weight"),
        ("tasks:\n  - {name: senone, source: pdf, level: utterance}\n", "frame-level"),
        ("tasks:\n  - {name: senone, source: pdf}\nmodel: {norm: groupnorm}\n", "norm must be"),
        ("tasks:\n  - {name: senone, source: pdf}\nmodel: {tdnn_contexts: [[-3, 0, 1]]}\n", "evenly spaced"),
        ("tasks:\n  - {name: senone, source: pdf, layer: 9}\nmodel: {type: mlp, num_layers: 2}\n", "outside the trunk"),
        ("tasks:\n  - {name: senone, source: pdf}\ntrain: {schedule: linear}\n", "schedule must be"),
        ("tasks:\n  - {name: a, source: pdf}\n  - {name: a, source: phone}\n", "used twice"),
        ("tasks:\n  - {name: acc, source: label, adversarial: true}\n", "not be adversarial"),
        ("tasks: [\n", "not valid YAML"),
    ],
)
def test_bad_values_are_named(tmp_path, text, needle):
    p = _write(tmp_path, text)
    with pytest.raises(DataError) as e:
        load_config(p)
    assert needle in str(e.value)
    assert str(p) in str(e.value)
