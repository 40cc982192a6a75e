"""Utterance-level tasks are trained as they are used: pooled over whole utterances (issue 14 item 3)."""

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.chunks import ChunkSampler, context_window, prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.evaluate import utterance_outputs
from mtlhybrid.nnet.losses import IGNORE
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.testing.toy_nnet_data import fsdd_fbank
from mtlhybrid.nnet.trainer import Trainer

torch.set_num_threads(1)
SPEAKERS = {"jackson": 0, "nicolas": 1, "lucas": 2}


@pytest.fixture(scope="module")
def fsdd_feats(fsdd_dir):
    stems = [f"{d}_{s}_{k}" for d in range(3) for s in SPEAKERS for k in range(2)]
    return fsdd_fbank(fsdd_dir, stems)


def make(feats, tmp_path, pooling="stats", **train):
    t = {"epochs": 1, "batch_size": 8, "chunk_len": 20, "seed": 2}
    t.update(train)
    cfg = config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf"},
                  {"name": "accent", "source": "label", "layer": 1, "pooling": pooling, "hidden_dim": 8}],
        "model": {"type": "tdnn", "hidden_dim": 16, "tdnn_contexts": [[-1, 0, 1], [-2, 0, 2], [0]], "norm": "batchnorm"},
        "train": t,
    })
    sen = {u: np.full(len(x), int(u[0]), dtype=np.int64) for u, x in feats.items()}
    acc = {u: SPEAKERS[u.split("_")[1]] for u in feats if not u.endswith("_1") or u[0] != "0"}  # three unlabelled
    data = prepare_corpus("default", feats, {"senone": sen, "accent": acc}, cfg.tasks)
    idents = {"senone": TaskIdentity(3), "accent": TaskIdentity(3, ["a", "b", "c"])}
    return Trainer(cfg, [data], idents, tmp_path), data


@pytest.mark.parametrize("pooling", ["stats", "attention"])
def test_training_and_inference_pool_the_same_frames(fsdd_feats, tmp_path, pooling):
    """The accent logits of a training step's utterance part equal the inference path's on the same utterances."""
    tr, data = make(fsdd_feats, tmp_path, pooling)
    tr.model.eval()  # batchnorm statistics fixed: the only train/test difference left would be the pooling
    parts = tr.sampler.epoch_utterance_parts(1)
    chunks = tr.sampler.epoch_batches(1)
    batch = tr._make_step_batch(chunks[0], parts[0])
    u = batch.utt_part
    assert u is not None
    assert len(parts[0]) >= 2
    assert int(u.lengths.min()) < u.feats.shape[1] - tr.model.left_context - tr.model.right_context  # padding present
    with torch.no_grad():
        train_logits = tr.model(u.feats, "default", u.lengths)["accent"]
    for i, (_, utt, start) in enumerate(parts[0]):
        assert start == 0
        assert int(u.lengths[i]) == len(data.feats[utt])
        test_logits = utterance_outputs(tr.model, data.feats[utt], "default", tasks=["accent"])["accent"]
        assert torch.allclose(train_logits[i], test_logits, atol=1e-4), utt


def test_window_cuts_long_utterances_only(fsdd_feats, tmp_path):
    """With utt_window, longer utterances give a window (true context around it); shorter ones pool whole."""
    tr, data = make(fsdd_feats, tmp_path, utt_window=45)
    tr.model.eval()
    parts = [p for p in tr.sampler.epoch_utterance_parts(1) if p]
    starts = [(utt, s) for p in parts for _, utt, s in p]
    long_ = [(u, s) for u, s in starts if len(data.feats[u]) > 45]
    assert long_
    assert len(long_) < len(starts)
    assert all(0 <= s <= len(data.feats[u]) - 45 for u, s in long_)
    assert any(s > 0 for u, s in long_)
    for part in parts:
        u = tr._make_step_batch(tr.sampler.epoch_batches(1)[0], part).utt_part
        assert u.feats.shape[1] <= 45 + tr.model.left_context + tr.model.right_context
        with torch.no_grad():
            train_logits = tr.model(u.feats, "default", u.lengths)["accent"]
        for i, (_, utt, start) in enumerate(part):
            T = len(data.feats[utt])
            assert int(u.lengths[i]) == min(T, 45)
            if T <= 45:
                test_logits = utterance_outputs(tr.model, data.feats[utt], "default", tasks=["accent"])["accent"]
                assert torch.allclose(train_logits[i], test_logits, atol=1e-4), utt


def test_every_labelled_utterance_once_per_epoch_and_chunks_unchanged(fsdd_feats, tmp_path):
    tr, data = make(fsdd_feats, tmp_path)
    plain = ChunkSampler([data], 20, 8, seed=2)  # no utterance tasks: the old sampler
    for epoch in (1, 2):
        batches, parts = tr.sampler.epoch_batches(epoch), tr.sampler.epoch_utterance_parts(epoch)
        assert batches == plain.epoch_batches(epoch)  # frame tasks see exactly what they saw before
        assert len(parts) == len(batches)
        seen = sorted(utt for p in parts for _, utt, _ in p)
        assert seen == sorted(data.targets["accent"])
        assert len(seen) == len(data.feats) - 3
        sizes = [len(p) for p in parts]
        assert max(sizes) - min(sizes) <= 1  # spread evenly over the steps
    assert tr.sampler.epoch_utterance_parts(1) == tr.sampler.epoch_utterance_parts(1)
    assert tr.sampler.epoch_utterance_parts(1) != tr.sampler.epoch_utterance_parts(2)


def test_chunks_carry_frame_targets_and_utterance_part_utterance_targets(fsdd_feats, tmp_path):
    tr, _ = make(fsdd_feats, tmp_path)
    batch = tr._make_step_batch(tr.sampler.epoch_batches(1)[0], tr.sampler.epoch_utterance_parts(1)[0])
    assert (batch.targets["accent"] == IGNORE).all()
    assert (batch.targets["senone"] != IGNORE).any()
    assert (batch.utt_part.targets["senone"] == IGNORE).all()
    assert (batch.utt_part.targets["accent"] != IGNORE).any()
    # The old behaviour on request: accent pooled over each chunk, no utterance part.
    old, _ = make(fsdd_feats, tmp_path / "old", utt_on_chunks=True)
    assert old.sampler.epoch_utterance_parts(1) == []
    ob = old._make_step_batch(old.sampler.epoch_batches(1)[0], [])
    assert ob.utt_part is None
    assert (ob.targets["accent"] != IGNORE).any()


def test_whole_utterance_training_needs_no_utterance_part(fsdd_feats, tmp_path):
    tr, data = make(fsdd_feats, tmp_path, chunk_len=0, batch_size=3)
    assert tr.sampler.epoch_utterance_parts(1) == []
    chunks = tr.sampler.epoch_batches(1)[0]
    batch = tr._make_step_batch(chunks, [])
    assert batch.lengths.tolist() == [len(data.feats[u]) for _, u, _ in chunks]
    assert batch.feats.shape[1] == max(batch.lengths) + tr.model.left_context + tr.model.right_context
    res = tr.fit()
    assert res.state.epoch == 1
    assert res.final_path.is_file()


def test_training_with_utterance_parts_learns_accent(fsdd_feats, tmp_path):
    tr, data = make(fsdd_feats, tmp_path, epochs=12, lr=0.01)
    tr.valid_data = [data]
    tr.fit()
    row = tr.state.history[-1]
    assert row["train_accent_acc"] > 0.8, row
    assert row["valid_accent_acc"] > 0.8, row


def test_utterance_heads_alone_stop_the_trunk_early(fsdd_feats, tmp_path):
    """The utterance part runs the trunk only up to the accent head's layer, with the same result."""
    tr, data = make(fsdd_feats, tmp_path)
    m = tr.model.eval()
    u = data.feats[data.utts[0]]
    x = torch.from_numpy(context_window(u, 0, len(u), m.left_context, m.right_context))[None]
    layers_run = []
    hooks = [layer.register_forward_hook(lambda mod, i, o, k=k: layers_run.append(k))
             for k, layer in enumerate(m.towers["shared"].layers)]
    with torch.no_grad():
        alone = m(x, "default", tasks=["accent"])["accent"]
        assert layers_run == [0, 1]
        full = m(x, "default")["accent"]
    for h in hooks:
        h.remove()
    assert torch.allclose(alone, full, atol=1e-6)
