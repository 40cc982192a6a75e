"""Several corpora at once: own input layers and senone heads; each utterance trains only its own heads."""

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.chunks import make_batch, prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.evaluate import evaluate
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.nnet.trainer import Trainer
from mtlhybrid.utils.errors import MismatchError

torch.set_num_threads(1)


def corpora(cfg):
    rng = np.random.default_rng(9)
    out = []
    for name, dim, k in (("a", 6, 4), ("b", 9, 5)):
        centers = rng.standard_normal((k, dim)) * 3
        feats, sen = {}, {}
        for i in range(8):
            lab = rng.integers(0, k, 24)
            feats[f"{name}{i}"] = (centers[lab] + 0.3 * rng.standard_normal((24, dim))).astype(np.float32)
            sen[f"{name}{i}"] = lab
        acc = {u: i % 2 for i, u in enumerate(feats)}
        out.append(prepare_corpus(name, feats, {f"senone_{name}": sen, "accent": acc}, cfg.tasks))
    return out


def make_cfg(input_layer="per_corpus"):
    return config_from_dict({
        "tasks": [{"name": "senone_a", "source": "pdf", "corpus": "a"},
                  {"name": "senone_b", "source": "pdf", "corpus": "b"},
                  {"name": "accent", "source": "label", "layer": 0, "weight": 0.2}],
        "model": {"type": "tdnn", "hidden_dim": 16, "tdnn_contexts": [[-1, 0, 1], [0]], "norm": "layernorm",
                  "input_layer": input_layer, "input_dim": 8},
        "train": {"epochs": 15, "batch_size": 4, "chunk_len": 12, "lr": 0.01, "seed": 2},
    })


IDENTS = {"senone_a": TaskIdentity(4), "senone_b": TaskIdentity(5), "accent": TaskIdentity(2)}


def test_each_corpus_trains_its_own_heads(tmp_path):
    cfg = make_cfg()
    data = corpora(cfg)
    tr = Trainer(cfg, data, IDENTS, tmp_path)
    assert set(tr.model.towers["shared"].inputs) == {"a", "b"}
    batch = make_batch(data, [(0, "a0", 0), (0, "a1", 12)], cfg.tasks, 12, 1, 1)
    assert (batch.targets["senone_b"] == -100).all()
    assert (batch.targets["senone_a"] != -100).all()
    loss, stats = tr.objective(batch.feats, batch.corpus, batch.lengths, batch.targets)
    loss.backward()
    grads = {n: p.grad for n, p in tr.model.named_parameters()}
    assert all(g is None or g.abs().max() == 0 for n, g in grads.items() if "heads.senone_b" in n or "inputs.b" in n)
    assert all(g.abs().max() > 0 for n, g in grads.items() if "heads.senone_a" in n or "inputs.a" in n)
    assert stats["senone_b"][2] == 0
    assert stats["senone_a"][2] == 24
    tr.optimizer.zero_grad()
    tr.fit()
    res = evaluate(tr.model, data)
    assert res["senone_a"]["acc"] > 0.9
    assert res["senone_b"]["acc"] > 0.9
    assert res["senone_a"]["count"] == 8 * 24  # only corpus a utterances score the corpus-a head


def test_different_feature_dims_need_per_corpus_input(tmp_path):
    cfg = make_cfg(input_layer="shared")
    with pytest.raises(MismatchError, match="per_corpus"):
        Trainer(cfg, corpora(make_cfg()), IDENTS, tmp_path)
