"""Training on real FSDD features: every task overfits a tiny set; logs, checkpoints, averaging."""

import csv

import pytest
import torch

from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, load_checkpoint
from mtlhybrid.nnet.chunks import prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.evaluate import evaluate
from mtlhybrid.nnet.targets import load_alignment_targets
from mtlhybrid.testing.toy_nnet_data import fsdd_fbank, write_toy_alignments
from mtlhybrid.nnet.trainer import Trainer
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.utils.errors import MismatchError

torch.set_num_threads(1)
ACCENT = {"jackson": "USA", "nicolas": "BEL-French", "lucas": "DEU-German"}


@pytest.fixture(scope="module")
def fsdd_task(fsdd_dir, tmp_path_factory):
    stems = [f"{d}_{s}_{k}" for d in range(4) for s in ACCENT for k in range(2)]
    feats = fsdd_fbank(fsdd_dir, stems)
    ali = tmp_path_factory.mktemp("ali")
    write_toy_alignments(ali, {u: len(x) for u, x in feats.items()}, {u: int(u[0]) + 1 for u in stems},
                         [f"d{i}" for i in range(10)])
    sen = load_alignment_targets(ali, "pdf", ali / "phones.txt")
    mono = load_alignment_targets(ali, "phone", ali / "phones.txt")
    classes = sorted(set(ACCENT.values()))
    acc = {u: classes.index(ACCENT[u.split("_")[1]]) for u in stems}
    return feats, {"senone": sen, "mono": mono}, acc, classes


def make_cfg(tasks, **train):
    t = {"epochs": 25, "batch_size": 8, "chunk_len": 20, "lr": 0.004, "seed": 3, "schedule": "cosine", "warmup_steps": 5}
    t.update(train)
    return config_from_dict({
        "tasks": tasks,
        "model": {"type": "tdnn", "hidden_dim": 64, "tdnn_contexts": [[-2, -1, 0, 1, 2], [-2, 0, 2], [-3, 0, 3], [0]],
                  "norm": "batchnorm"},
        "train": t,
    })


def test_multitask_overfits_tiny_set(fsdd_task, tmp_path):
    feats, ali, acc, classes = fsdd_task
    cfg = make_cfg([{"name": "senone", "source": "pdf"}, {"name": "mono", "source": "phone", "weight": 0.5},
                    {"name": "accent", "source": "label", "layer": 2, "weight": 0.5}], num_average=2)
    targets = {"senone": ali["senone"].targets, "mono": ali["mono"].targets, "accent": acc}
    data = prepare_corpus("default", feats, targets, cfg.tasks)
    idents = {"senone": ali["senone"].identity, "mono": ali["mono"].identity, "accent": TaskIdentity(3, classes)}
    res = Trainer(cfg, [data], idents, tmp_path, valid=[data]).fit()
    final = build_model_from_checkpoint(load_checkpoint(res.final_path))
    scores = evaluate(final, [data])
    assert scores["senone"]["acc"] > 0.9, scores
    assert scores["mono"]["acc"] > 0.9, scores
    assert scores["accent"]["acc"] == 1.0, scores
    rows = list(csv.DictReader(open(tmp_path / "train_log.csv")))
    assert len(rows) == 25
    assert float(rows[-1]["train_loss"]) < float(rows[0]["train_loss"])
    assert {"valid_senone_acc", "valid_mono_acc", "valid_accent_acc", "lr"} <= set(rows[0])
    assert sorted(p.name for p in tmp_path.glob("epoch*.pt"))[:2] == ["epoch1.pt", "epoch10.pt"]
    ck = load_checkpoint(res.final_path)
    assert ck["averaged_from"][-1].endswith(f"epoch{res.state.best_epoch}.pt")
    assert len(ck["averaged_from"]) == 2
    assert ck["identities"]["senone"]["tree_hash"] == ali["senone"].identity.tree_hash != ""


def test_single_task_baseline_and_early_stopping(fsdd_task, tmp_path):
    feats, ali, _, _ = fsdd_task
    # A learning rate too small to improve anything: validation stalls and training stops early.
    cfg = make_cfg([{"name": "senone", "source": "pdf"}], epochs=40, lr=1e-9, patience=2, min_delta=0.01)
    data = prepare_corpus("default", feats, {"senone": ali["senone"].targets}, cfg.tasks)
    res = Trainer(cfg, [data], {"senone": ali["senone"].identity}, tmp_path, valid=[data]).fit()
    st = res.state
    assert st.stopped_early
    assert st.epoch == st.best_epoch + 2 < 40
    assert not (tmp_path / f"epoch{st.epoch + 1}.pt").exists()
    assert load_checkpoint(res.final_path)["averaged_from"] == [str(tmp_path / f"epoch{st.best_epoch}.pt")]


def test_frame_count_mismatch_names_utterance(fsdd_task):
    feats, ali, _, _ = fsdd_task
    cfg = make_cfg([{"name": "senone", "source": "pdf"}])
    utt = sorted(feats)[0]
    bad = dict(ali["senone"].targets)
    bad[utt] = bad[utt][:-2]
    with pytest.raises(MismatchError, match=utt):
        prepare_corpus("default", feats, {"senone": bad}, cfg.tasks, frame_tolerance=1)
    data = prepare_corpus("default", feats, {"senone": bad}, cfg.tasks, frame_tolerance=2)
    assert (data.targets["senone"][utt][-2:] == -100).all()
    assert len(data.targets["senone"][utt]) == len(feats[utt])
