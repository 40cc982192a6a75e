"""Network mechanics: shapes and context, masking, gradient reversal, soft sharing, uncertainty weights."""

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.chunks import ChunkSampler, CorpusData, corpus_chunks, make_batch
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.losses import IGNORE, LossWeighting, masked_ce
from mtlhybrid.nnet.model import MtlNet
from mtlhybrid.nnet.trainer import MtlObjective

torch.set_num_threads(1)


def cfg(adversarial=False, sharing="hard", model_type="tdnn", norm="layernorm", weighting="static", extra_tasks=()):
    return config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf"},
                  {"name": "accent", "source": "label", "layer": 1, "adversarial": adversarial, "grl_scale": 0.5},
                  *extra_tasks],
        "model": {"type": model_type, "hidden_dim": 16, "tdnn_contexts": [[-1, 0, 1], [-2, 0, 2], [0]],
                  "splice": [2, 1], "num_layers": 2, "norm": norm, "sharing": sharing, "soft_penalty": 1.0},
        "train": {"weighting": weighting},
    })


def net(c, seed=0):
    torch.manual_seed(seed)
    return MtlNet(c, {"default": 5}, {"senone": 7, "accent": 3, "other": 4})


@pytest.mark.parametrize("model_type, left, right", [("tdnn", 3, 3), ("mlp", 2, 1)])
def test_output_shapes_and_context(model_type, left, right):
    m = net(cfg(model_type=model_type, norm="batchnorm"))
    assert (m.left_context, m.right_context) == (left, right)
    out = m(torch.randn(4, 10 + left + right, 5), "default")
    assert out["senone"].shape == (4, 10, 7)
    assert out["accent"].shape == (4, 3)


def test_frame_outputs_do_not_depend_on_chunking():
    """Whole-utterance and chunked evaluation agree: the context frames make each output exact."""
    m = net(cfg()).eval()
    x = np.random.default_rng(0).standard_normal((30, 5)).astype(np.float32)
    from mtlhybrid.nnet.chunks import context_window

    whole = m(torch.from_numpy(context_window(x, 0, 30, 3, 3))[None], "default")["senone"][0]
    part = m(torch.from_numpy(context_window(x, 10, 12, 3, 3))[None], "default")["senone"][0]
    assert torch.allclose(whole[10:22], part, atol=1e-5)


def test_chunks_cover_every_frame_and_pad_short_utterances():
    data = CorpusData("c", {"a": np.zeros((25, 5), np.float32), "b": np.zeros((7, 5), np.float32)},
                      {"senone": {"a": np.arange(25), "b": np.arange(7)}, "accent": {"a": 2}})
    chunks = corpus_chunks(0, data, 10)
    assert chunks == [(0, "a", 0), (0, "a", 10), (0, "a", 15), (0, "b", 0)]
    c = cfg()
    batch = make_batch([data], chunks, c.tasks, 10, 3, 3)
    assert batch.feats.shape == (4, 16, 5)
    assert batch.lengths.tolist() == [10, 10, 10, 7]
    assert batch.targets["senone"][3].tolist() == list(range(7)) + [IGNORE] * 3
    assert batch.targets["accent"].tolist() == [2, 2, 2, IGNORE]
    s = ChunkSampler([data], 10, 2, seed=3)
    assert s.epoch_batches(1) == s.epoch_batches(1)
    assert sorted(sum(s.epoch_batches(2), [])) == sorted(chunks)


def test_unlabelled_utterance_gets_no_accent_gradient_but_senone_gradient():
    m = net(cfg())
    x = torch.randn(2, 16, 5, requires_grad=True)
    out = m(x, "default")
    accent_t = torch.tensor([1, IGNORE])
    senone_t = torch.randint(0, 7, (2, 10))
    loss, _, n = masked_ce(out["accent"], accent_t)
    assert n == 1
    (g_acc,) = torch.autograd.grad(loss, x, retain_graph=True)
    assert g_acc[1].abs().max() == 0
    assert g_acc[0].abs().max() > 0
    loss_s, _, _ = masked_ce(out["senone"], senone_t)
    (g_sen,) = torch.autograd.grad(loss_s, x)
    assert g_sen[1].abs().max() > 0


def test_task_without_any_label_in_batch_is_zero_but_in_graph():
    logits = torch.randn(3, 4, requires_grad=True)
    loss, correct, n = masked_ce(logits, torch.full((3,), IGNORE))
    assert float(loss.detach()) == 0
    assert n == 0
    loss.backward()
    assert logits.grad is not None
    assert logits.grad.abs().max() == 0


def test_gradient_reversal_flips_shared_gradient():
    plain, adv = net(cfg(adversarial=False)), net(cfg(adversarial=True))
    x = torch.randn(3, 16, 5)
    t = torch.tensor([0, 1, 2])
    grads = []
    for m in (plain, adv):
        loss, _, _ = masked_ce(m(x, "default")["accent"], t)
        m.zero_grad()
        loss.backward()
        grads.append({n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None})
    g_plain, g_adv = grads
    trunk = [n for n in g_plain if n.startswith("towers.shared.layers.0")]
    head = [n for n in g_plain if n.startswith("heads.accent")]
    assert trunk
    assert head
    for n in trunk:  # shared layers: reversed and scaled by grl_scale
        assert torch.allclose(g_adv[n], -0.5 * g_plain[n], atol=1e-6)
        assert g_plain[n].abs().max() > 0
    for n in head:  # the adversary's own head still learns to classify
        assert torch.allclose(g_adv[n], g_plain[n], atol=1e-6)


def test_soft_sharing_penalty_pulls_towers_together():
    c = cfg(sharing="soft")
    m = net(c)
    assert set(m.towers) == {"senone", "accent"}
    w = LossWeighting(c.tasks)
    x = torch.randn(4, 16, 5)
    targets = {"senone": torch.randint(0, 7, (4, 10)), "accent": torch.tensor([0, 1, 2, 0])}

    def run(penalty):
        model = net(c)
        obj = MtlObjective(model, w, penalty)
        opt = torch.optim.SGD(obj.parameters(), lr=0.05)
        assert float(model.soft_sharing_distance().detach()) == 0.0  # towers start identical
        for _ in range(15):
            loss, _ = obj(x, "default", None, targets)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(model.soft_sharing_distance().detach())

    d_pen = run(1000.0)
    d_free = run(0.0)
    assert 0 < d_pen < 0.5 * d_free


def test_uncertainty_weights_learn_per_task():
    """A task that stays hard (random labels) gets a larger log-variance than an easy one."""
    c = cfg(weighting="uncertainty", extra_tasks=[{"name": "other", "source": "phone"}])
    m = net(c)
    w = LossWeighting(c.tasks, "uncertainty")
    assert set(w.log_vars) == {"senone", "accent", "other"}
    obj = MtlObjective(m, w)
    opt = torch.optim.Adam(obj.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(0)
    for _ in range(40):
        x = torch.randn(4, 16, 5, generator=gen)
        targets = {"senone": torch.randint(0, 7, (4, 10), generator=gen),  # unlearnable
                   "other": torch.zeros(4, 10, dtype=torch.long),  # trivial
                   "accent": torch.full((4,), IGNORE)}  # never labelled: its weight must not move
        loss, _ = obj(x, "default", None, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    s = {k: float(v.detach()) for k, v in w.log_vars.items()}
    assert s["senone"] > 0.5
    assert s["other"] < -0.5
    assert s["accent"] == 0.0
    eff = w.current()
    assert eff["other"] > eff["senone"]
