"""Resuming after an interruption gives the uninterrupted run's weights; checkpoint identity and integrity errors."""

import csv

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.checkpoint import check_identity, load_checkpoint
from mtlhybrid.nnet.chunks import prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.inference import NnetForward
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.nnet.trainer import Trainer
from mtlhybrid.utils.errors import DataError, MismatchError

torch.set_num_threads(1)


def setup():
    rng = np.random.default_rng(5)
    feats = {f"u{i:02d}": rng.standard_normal((int(rng.integers(15, 40)), 6)).astype(np.float32) for i in range(16)}
    sen = {u: rng.integers(0, 5, len(x)) for u, x in feats.items()}
    acc = {u: i % 2 for i, u in enumerate(feats) if i % 5}
    cfg = config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf"}, {"name": "accent", "source": "label", "layer": 0}],
        "model": {"type": "tdnn", "hidden_dim": 12, "tdnn_contexts": [[-1, 0, 1], [-2, 0, 2], [0]],
                  "norm": "batchnorm", "dropout": 0.2},
        "train": {"epochs": 3, "batch_size": 3, "chunk_len": 10, "weighting": "uncertainty", "schedule": "cosine",
                  "warmup_steps": 3, "save_every_steps": 4, "num_average": 2, "seed": 11},
        # Augmentation draws random numbers every step: resuming must draw the same ones.
        "augment": {"freq_warp": 0.2, "freq_masks": 1, "freq_mask_width": 2, "time_masks": 1, "time_mask_width": 3},
    })
    data = prepare_corpus("default", feats, {"senone": sen, "accent": acc}, cfg.tasks)
    idents = {"senone": TaskIdentity(5, [], "aaaa", "tree1"), "accent": TaskIdentity(2, ["x", "y"])}
    return cfg, data, idents


def test_resume_reproduces_uninterrupted_run(tmp_path):
    cfg, data, idents = setup()
    full = Trainer(cfg, [data], idents, tmp_path / "full", valid=[data]).fit()
    steps_per_epoch = Trainer(cfg, [data], idents, tmp_path / "probe").sampler.num_batches()
    assert steps_per_epoch > 5
    # Crash mid-epoch 2, after step steps_per_epoch + 6; the last save was at a multiple of 4.
    part = Trainer(cfg, [data], idents, tmp_path / "part", valid=[data])
    res = part.fit(stop_after_steps=steps_per_epoch + 6)
    assert res.final_path is None
    assert not (tmp_path / "part" / "final.pt").exists()
    saved = load_checkpoint(tmp_path / "part" / "last.pt")["train_state"]
    assert 0 < saved["batch"]
    assert saved["step"] % 4 == 0
    assert saved["step"] < steps_per_epoch + 6
    resumed = Trainer(cfg, [data], idents, tmp_path / "part", valid=[data]).fit()
    a, b = load_checkpoint(full.final_path), load_checkpoint(resumed.final_path)
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    la, lb = load_checkpoint(tmp_path / "full" / "last.pt"), load_checkpoint(tmp_path / "part" / "last.pt")
    for k in la["weighting"]:
        assert torch.equal(la["weighting"][k], lb["weighting"][k]), k
    for i, st in la["optimizer"]["state"].items():
        assert torch.equal(st["exp_avg_sq"], lb["optimizer"]["state"][i]["exp_avg_sq"])
    assert list(csv.reader(open(tmp_path / "full" / "train_log.csv"))) == \
        list(csv.reader(open(tmp_path / "part" / "train_log.csv")))
    # A fresh run without resume (different seed) would differ: the comparison above can fail.
    cfg2 = config_from_dict({**cfg.to_dict(), "train": {**cfg.train.to_dict(), "seed": 12}})
    other = Trainer(cfg2, [data], idents, tmp_path / "other").fit()
    c = load_checkpoint(other.final_path)
    assert not all(torch.equal(a["model"][k], c["model"][k]) for k in a["model"])


def test_checkpoint_identity_mismatch_names_both(tmp_path):
    cfg, data, idents = setup()
    cfg = config_from_dict({**cfg.to_dict(), "train": {**cfg.train.to_dict(), "epochs": 1}})
    res = Trainer(cfg, [data], idents, tmp_path).fit()
    ck = load_checkpoint(res.final_path)
    check_identity(ck, {"senone": TaskIdentity(5, [], "aaaa", "tree1")}, "model", "decoder")
    with pytest.raises(MismatchError, match=r"another tree \(tree1\).*\(tree2\)"):
        check_identity(ck, {"senone": TaskIdentity(5, [], "aaaa", "tree2")}, "model.pt", "exp/tri3/tree")
    with pytest.raises(MismatchError, match=r"phones.txt"):
        NnetForward(res.final_path, expected={"senone": TaskIdentity(5, [], "bbbb", "tree1")})
    with pytest.raises(MismatchError, match=r"model.pt has 5 classes but lang has 7"):
        check_identity(ck, {"senone": TaskIdentity(7)}, "model.pt", "lang")
    # Resuming into the same dir with targets of another tree is refused too.
    other = dict(idents, senone=TaskIdentity(5, [], "aaaa", "tree9"))
    with pytest.raises(MismatchError, match="tree9"):
        Trainer(cfg, [data], other, tmp_path).fit()


def test_truncated_or_foreign_checkpoint_is_a_clear_error(tmp_path):
    cfg, data, idents = setup()
    cfg = config_from_dict({**cfg.to_dict(), "train": {**cfg.train.to_dict(), "epochs": 1}})
    res = Trainer(cfg, [data], idents, tmp_path).fit()
    raw = res.final_path.read_bytes()
    bad = tmp_path / "truncated.pt"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match=r"truncated\.pt: cannot read checkpoint"):
        load_checkpoint(bad)
    foreign = tmp_path / "foreign.pt"
    torch.save({"format": "something-else", "version": 1}, foreign)
    with pytest.raises(DataError, match="not an mtlhybrid nnet checkpoint"):
        load_checkpoint(foreign)
    # No partial files are left by the atomic writes.
    assert not list(tmp_path.glob(".*.tmp"))


def test_rerun_with_another_config_is_refused_naming_each_change(tmp_path):
    from mtlhybrid.utils.rerun import ChangedRequestError

    cfg, data, idents = setup()
    cfg = config_from_dict({**cfg.to_dict(), "train": {**cfg.train.to_dict(), "epochs": 1}})
    Trainer(cfg, [data], idents, tmp_path).fit()
    before = (tmp_path / "final.pt").read_bytes()
    lr = cfg.train.lr
    new_lr = config_from_dict({**cfg.to_dict(), "train": {**cfg.train.to_dict(), "lr": 0.05}})
    with pytest.raises(ChangedRequestError, match=rf"train\.lr: {lr} -> 0\.05 \(rerun .*--overwrite true"):
        Trainer(new_lr, [data], idents, tmp_path).fit()
    # Another architecture: named as such, not a load_state_dict traceback.
    wider = config_from_dict({**cfg.to_dict(), "model": {**cfg.model.to_dict(), "hidden_dim": 16}})
    with pytest.raises(ChangedRequestError, match=r"model\.hidden_dim: 12 -> 16"):
        Trainer(wider, [data], idents, tmp_path).fit()
    assert (tmp_path / "final.pt").read_bytes() == before
    # The same config resumes (nothing left to train); starting over is allowed.
    assert Trainer(cfg, [data], idents, tmp_path).fit().final_path is not None
    res = Trainer(new_lr, [data], idents, tmp_path).fit(resume=False)
    assert load_checkpoint(res.final_path)["config"]["train"]["lr"] == 0.05


def test_truncated_last_pt_falls_back_to_newest_readable_epoch(tmp_path, caplog):
    cfg, data, idents = setup()
    full = Trainer(cfg, [data], idents, tmp_path / "full").fit()
    steps_per_epoch = Trainer(cfg, [data], idents, tmp_path / "probe").sampler.num_batches()
    part = tmp_path / "part"
    Trainer(cfg, [data], idents, part).fit(stop_after_steps=2 * steps_per_epoch + 3)  # crash in epoch 3
    last = part / "last.pt"
    last.write_bytes(last.read_bytes()[:1000])  # as a full disk or a kill during the write leaves it
    epoch2 = part / "epoch2.pt"
    raw = epoch2.read_bytes()
    epoch2.write_bytes(raw[: len(raw) // 2])  # the newest epoch is broken too: epoch1.pt it is
    with caplog.at_level("WARNING"):
        resumed = Trainer(cfg, [data], idents, part).fit()
    assert "last.pt: cannot read checkpoint" in caplog.text
    assert "resuming from" in caplog.text
    assert "epoch1.pt" in caplog.text
    a, b = load_checkpoint(full.final_path), load_checkpoint(resumed.final_path)
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    # Nothing readable at all: a clear error, not a traceback.
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "last.pt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataError, match=r"last\.pt: cannot read checkpoint.*no readable epoch"):
        Trainer(cfg, [data], idents, bad).fit()


class _Payload:
    """Unpickling this would run code (``__reduce__``): what a malicious checkpoint carries."""

    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(_Payload.marker),))


def test_checkpoints_and_models_with_pickled_code_are_refused_unrun(tmp_path):
    from mtlhybrid.hmm.model_file import load_model

    _Payload.marker = str(tmp_path / "pwned")
    for name in ("last.pt", "final.mdl"):
        torch.save({"format": "mtlhybrid.nnet-checkpoint", "version": 1, "x": _Payload()}, tmp_path / name)
    with pytest.raises(DataError, match=r"last\.pt: cannot read checkpoint"):
        load_checkpoint(tmp_path / "last.pt")
    with pytest.raises(DataError, match=r"final\.mdl"):
        load_model(tmp_path / "final.mdl")
    assert not (tmp_path / "pwned").exists()
