"""Model selection on held-out speakers by the senone task, never by the total training loss (issue 14 item 5)."""

import logging

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.checkpoint import load_checkpoint
from mtlhybrid.nnet.chunks import prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.targets import TaskIdentity, load_alignment_targets
from mtlhybrid.testing.toy_nnet_data import fsdd_fbank, write_toy_alignments
from mtlhybrid.nnet.trainer import Trainer

torch.set_num_threads(1)
ACCENT = {"jackson": 0, "nicolas": 1, "lucas": 0}  # the held-out speaker has a training accent


@pytest.fixture(scope="module")
def corpora(fsdd_dir, tmp_path_factory):
    """Training speakers jackson and nicolas; held-out speaker lucas (same digits)."""
    stems = [f"{d}_{s}_{k}" for d in range(4) for s in ACCENT for k in range(2)]
    feats = fsdd_fbank(fsdd_dir, stems)
    ali = tmp_path_factory.mktemp("ali")
    write_toy_alignments(ali, {u: len(x) for u, x in feats.items()}, {u: int(u[0]) + 1 for u in stems},
                         [f"d{i}" for i in range(4)])
    sen = load_alignment_targets(ali, "pdf", ali / "phones.txt")
    acc = {u: ACCENT[u.split("_")[1]] for u in stems}
    return feats, sen, acc


def run(corpora, tmp_path, held_out=True, **train):
    feats, sen, acc = corpora
    t = {"epochs": 6, "batch_size": 8, "chunk_len": 20, "lr": 0.004, "seed": 4, "num_average": 2}
    t.update(train)
    cfg = config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf"}, {"name": "accent", "source": "label", "layer": 1, "weight": 3.0}],
        "model": {"type": "tdnn", "hidden_dim": 32, "tdnn_contexts": [[-2, 0, 2], [-2, 0, 2], [0]], "norm": "batchnorm"},
        "train": t,
    })
    train_u = {u: x for u, x in feats.items() if "lucas" not in u}
    valid_u = {u: x for u, x in feats.items() if "lucas" in u}
    targets = {"senone": sen.targets, "accent": acc}
    tr_data = prepare_corpus("default", train_u, targets, cfg.tasks)
    va_data = prepare_corpus("default", valid_u, targets, cfg.tasks)
    idents = {"senone": sen.identity, "accent": TaskIdentity(2, ["a", "b"])}
    tr = Trainer(cfg, [tr_data], idents, tmp_path, valid=[va_data] if held_out else [])
    return tr, tr.fit()


@pytest.mark.parametrize("select_on", ["acc", "loss"])
def test_selects_on_held_out_senone_metric(corpora, tmp_path, caplog, select_on):
    with caplog.at_level(logging.INFO, logger="mtlhybrid"):
        tr, res = run(corpora, tmp_path, select_on=select_on)
    hist = res.state.history
    col = [row[f"valid_senone_{select_on}"] for row in hist]
    best = (int(np.argmax(col)) if select_on == "acc" else int(np.argmin(col))) + 1
    assert res.state.best_epoch == best
    assert [row["select_metric"] for row in hist] == [v if select_on == "acc" else -v for v in col]
    ck = load_checkpoint(res.final_path)
    assert ck["selection"] == {"metric": f"valid_senone_{select_on}", "held_out": True, "best_epoch": best}
    assert ck["averaged_from"][-1].endswith(f"epoch{best}.pt")
    assert f"selected on held-out data by valid_senone_{select_on} (best epoch {best}" in caplog.text
    # The held-out speaker's accent is one of the training accents: the head's accuracy there is logged every epoch.
    assert all("valid_accent_acc" in row for row in hist)
    assert "valid_accent_acc=" in caplog.text


def test_without_held_out_data_watches_senone_training_loss_not_total(corpora, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="mtlhybrid"):
        tr, res = run(corpora, tmp_path, held_out=False, epochs=3)
    for row in res.state.history:
        # The total includes the (heavily weighted) accent loss; the selection does not.
        assert row["select_metric"] == -row["train_senone_loss"] != -row["train_loss"]
    assert load_checkpoint(res.final_path)["selection"]["held_out"] is False
    assert "no held-out data: the last epochs, not selected" in caplog.text


def test_select_on_is_checked():
    from mtlhybrid.utils.errors import DataError

    with pytest.raises(DataError, match="select_on must be one of acc, loss"):
        config_from_dict({"tasks": [{"name": "s", "source": "pdf"}], "train": {"select_on": "total"}})
