"""Accent embeddings fed back into the trunk (Jain et al. 2018; issue 14 item 6): shapes, gradients, consistency."""

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.chunks import context_window, prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.evaluate import utterance_outputs
from mtlhybrid.nnet.losses import masked_ce
from mtlhybrid.nnet.model import MtlNet
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.utils.errors import DataError

torch.set_num_threads(1)


def cfg(feedback="bottleneck", layer=0, feedback_layer=2, hidden=8, chunk_len=0, **task):
    return config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf"},
                  {"name": "accent", "source": "label", "layer": layer, "hidden_dim": hidden, "weight": 0.5,
                   "feedback": feedback, "feedback_layer": feedback_layer, **task}],
        "model": {"type": "tdnn", "hidden_dim": 16, "tdnn_contexts": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1], [0]],
                  "norm": "layernorm"},
        "train": {"chunk_len": chunk_len, "epochs": 2, "batch_size": 3},
    })


def net(c, seed=0):
    torch.manual_seed(seed)
    return MtlNet(c, {"default": 5}, {"senone": 7, "accent": 3})


@pytest.mark.parametrize("feedback, extra", [("bottleneck", 8), ("posterior", 3), ("none", 0)])
def test_feedback_layer_takes_the_embedding(feedback, extra):
    m = net(cfg(feedback))
    convs = [layer.conv for layer in m.towers["shared"].layers]
    assert [c.in_channels for c in convs] == [5, 16, 16 + extra, 16]
    out = m(torch.randn(2, 20 + m.left_context + m.right_context, 5), "default")
    assert out["senone"].shape == (2, 20, 7)
    assert out["accent"].shape == (2, 3)
    out = m(torch.randn(2, 20 + m.left_context + m.right_context, 5), "default", tasks=["senone"])
    assert list(out) == ["senone"]


@pytest.mark.parametrize("feedback", ["bottleneck", "posterior"])
def test_senone_loss_trains_the_accent_head_through_the_embedding(feedback):
    m = net(cfg(feedback))
    x = torch.randn(2, 26, 5)
    loss, _, _ = masked_ce(m(x, "default")["senone"], torch.randint(0, 7, (2, 20)))
    loss.backward()
    head = m.heads["accent"].out.net
    assert head[0].weight.grad is not None
    assert head[0].weight.grad.abs().max() > 0  # the bottleneck layer
    final = head[2].weight.grad
    if feedback == "bottleneck":  # the bottleneck is below the output layer: no senone gradient there
        assert final is None or final.abs().max() == 0
    else:
        assert final.abs().max() > 0
    assert m.towers["shared"].layers[0].conv.weight.grad.abs().max() > 0
    # Without feedback the accent head gets nothing from the senone loss.
    plain = net(cfg("none"))
    loss, _, _ = masked_ce(plain(x, "default")["senone"], torch.randint(0, 7, (2, 20)))
    loss.backward()
    assert plain.heads["accent"].out.net[0].weight.grad is None


def test_embedding_pools_the_whole_utterance():
    """A frame far outside the receptive field changes every senone output: through the pooled embedding."""
    x = torch.randn(1, 46, 5)
    far = x.clone()
    far[0, 35] += 3.0  # output frame 0 sees input frames 0..6 only
    for feedback, changes in (("bottleneck", True), ("none", False)):
        m = net(cfg(feedback)).eval()
        a, b = m(x, "default")["senone"][0, 0], m(far, "default")["senone"][0, 0]
        assert (not torch.allclose(a, b, atol=1e-6)) == changes, feedback


def test_padded_batch_matches_each_utterance_alone():
    """Training on padded whole utterances gives what inference gives for each utterance."""
    m = net(cfg("bottleneck")).eval()
    rng = np.random.default_rng(1)
    utts = [rng.standard_normal((n, 5)).astype(np.float32) for n in (30, 17)]
    L = 30
    feats = torch.from_numpy(np.stack([context_window(u, 0, L, m.left_context, m.right_context) for u in utts]))
    with torch.no_grad():
        out = m(feats, "default", torch.tensor([30, 17]))
    for i, u in enumerate(utts):
        alone = utterance_outputs(m, u, "default")
        assert torch.allclose(out["accent"][i], alone["accent"], atol=1e-5)
        assert torch.allclose(out["senone"][i, : len(u)], alone["senone"], atol=1e-5)


def test_feedback_config_checks():
    with pytest.raises(DataError, match="train.chunk_len: 0"):
        cfg(chunk_len=50)
    with pytest.raises(DataError, match="must come after layer"):
        cfg(layer=2, feedback_layer=1)
    with pytest.raises(DataError, match="bottleneck needs hidden_dim"):
        cfg(hidden=0)
    with pytest.raises(DataError, match="adversarial"):
        cfg(adversarial=True)
    with pytest.raises(DataError, match="feedback must be one of"):
        cfg(feedback="logits")


def test_trains_and_reloads(tmp_path):
    from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, load_checkpoint
    from mtlhybrid.nnet.trainer import Trainer

    rng = np.random.default_rng(2)
    feats = {f"u{i}": rng.standard_normal((int(rng.integers(12, 30)), 5)).astype(np.float32) for i in range(9)}
    c = cfg("posterior")
    data = prepare_corpus("default", feats, {"senone": {u: rng.integers(0, 7, len(x)) for u, x in feats.items()},
                                             "accent": {u: i % 3 for i, u in enumerate(feats)}}, c.tasks)
    res = Trainer(c, [data], {"senone": TaskIdentity(7), "accent": TaskIdentity(3)}, tmp_path, valid=[data]).fit()
    assert res.state.epoch == 2
    assert "valid_accent_acc" in res.state.history[-1]
    m = build_model_from_checkpoint(load_checkpoint(res.final_path))
    out = utterance_outputs(m, feats["u0"], "default")
    assert out["senone"].shape == (len(feats["u0"]), 7)
    assert out["accent"].shape == (3,)
