"""Loss balance (issue 14 item 4): uncertainty weighting, masking, the GRL ramp, soft sharing."""

import math

import numpy as np
import pytest
import torch

from mtlhybrid.nnet.chunks import make_batch, prepare_corpus
from mtlhybrid.nnet.config import config_from_dict
from mtlhybrid.nnet.losses import IGNORE, LossWeighting, masked_ce
from mtlhybrid.nnet.model import MtlNet
from mtlhybrid.nnet.schedule import grl_ramp
from mtlhybrid.nnet.targets import TaskIdentity
from mtlhybrid.nnet.trainer import Trainer

torch.set_num_threads(1)


def cfg(sharing="hard", adversarial=False, grl_schedule="ganin", hidden=16, **train):
    return config_from_dict({
        "tasks": [{"name": "senone", "source": "pdf", "weight": 1.0},
                  {"name": "accent", "source": "label", "layer": 1, "weight": 0.5, "adversarial": adversarial,
                   "grl_scale": 0.5, "grl_schedule": grl_schedule}],
        "model": {"type": "tdnn", "hidden_dim": hidden, "tdnn_contexts": [[-1, 0, 1], [-2, 0, 2], [0]],
                  "norm": "layernorm", "sharing": sharing},
        "train": {"epochs": 2, "batch_size": 4, "chunk_len": 10, **train},
    })


def test_uncertainty_weighting_is_kendalls_classification_form():
    """weight * (exp(-s) * L + s / 2), s = b * tanh(r / b): exact values."""
    c = cfg(weighting="uncertainty", log_var_bound=3.0)
    w = LossWeighting(c.tasks, "uncertainty", 3.0)
    with torch.no_grad():
        w.log_vars["senone"].fill_(0.7)
        w.log_vars["accent"].fill_(-1.2)
    L = {"senone": torch.tensor(2.5), "accent": torch.tensor(0.8)}
    total = float(w(L, {"senone": True, "accent": True}).detach())
    s1, s2 = 3.0 * math.tanh(0.7 / 3.0), 3.0 * math.tanh(-1.2 / 3.0)
    want = 1.0 * (math.exp(-s1) * 2.5 + s1 / 2) + 0.5 * (math.exp(-s2) * 0.8 + s2 / 2)
    assert total == pytest.approx(want, rel=1e-6)
    # At r = 0 (the start) it is the static weighting; the optimum of exp(-s) L + s / 2 is s = log(2 L).
    w0 = LossWeighting(c.tasks, "uncertainty", 3.0)
    assert float(w0(L, {"senone": True, "accent": True}).detach()) == pytest.approx(2.5 + 0.5 * 0.8)
    r = torch.tensor(0.0, requires_grad=True)
    opt = torch.optim.SGD([r], lr=0.1)
    for _ in range(2000):
        s = 3.0 * torch.tanh(r / 3.0)
        loss = torch.exp(-s) * 0.6 + s / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(3.0 * torch.tanh(r.detach() / 3.0)) == pytest.approx(math.log(1.2), abs=1e-3)


def test_log_variance_is_bounded():
    c = cfg(weighting="uncertainty")
    w = LossWeighting(c.tasks, "uncertainty", 2.0)
    with torch.no_grad():
        w.log_vars["senone"].fill_(-1e4)  # a task whose loss went to zero pushes s down without end
        w.log_vars["accent"].fill_(1e4)
    assert -2.0 <= float(w.log_var("senone").detach()) < -1.999
    assert 1.999 < float(w.log_var("accent").detach()) <= 2.0
    eff = w.current()
    assert eff["senone"] == pytest.approx(math.exp(2.0))
    assert eff["accent"] == pytest.approx(0.5 * math.exp(-2.0))


def _trainer(tmp_path, **kw):
    rng = np.random.default_rng(3)
    feats = {f"u{i}": rng.standard_normal((int(rng.integers(20, 35)), 5)).astype(np.float32) for i in range(8)}
    sen = {u: rng.integers(0, 4, len(x)) for u, x in feats.items()}
    acc = {u: i % 3 for i, u in enumerate(feats)}
    c = cfg(**kw)
    data = prepare_corpus("default", feats, {"senone": sen, "accent": acc}, c.tasks)
    return Trainer(c, [data], {"senone": TaskIdentity(4), "accent": TaskIdentity(3)}, tmp_path), data


def test_masked_task_log_variance_not_updated(tmp_path):
    """No gradient and no optimizer move (momentum, weight decay) for a task absent from the step."""
    tr, data = _trainer(tmp_path, weighting="uncertainty", weight_decay=0.1)
    left, right = tr.model.left_context, tr.model.right_context
    chunks = [(0, u, 0) for u in data.utts[:4]]
    with_accent = make_batch([data], chunks, tr.cfg.tasks, 10, left, right)
    without = make_batch([data], chunks, tr.cfg.tasks, 10, left, right, levels=("frame",))
    assert (without.targets["accent"] == IGNORE).all()
    for _ in range(3):  # build up Adam's moments for both log-variances
        tr._step(with_accent)
    s_acc = tr.weighting.log_vars["accent"].detach().clone()
    s_sen = tr.weighting.log_vars["senone"].detach().clone()
    tr._step(without)
    assert tr.weighting.log_vars["accent"].grad is None
    assert torch.equal(tr.weighting.log_vars["accent"].detach(), s_acc)
    assert not torch.equal(tr.weighting.log_vars["senone"].detach(), s_sen)
    groups = tr.optimizer.param_groups
    assert len(groups) == 2
    assert groups[1]["weight_decay"] == 0.0
    assert groups[0]["weight_decay"] == 0.1


def test_grl_ramp_values():
    assert grl_ramp(0.0) == 0.0
    assert grl_ramp(1.0) == pytest.approx(2 / (1 + math.exp(-10)) - 1, abs=1e-12)
    assert grl_ramp(0.1) == pytest.approx(2 / (1 + math.exp(-1)) - 1, abs=1e-12)
    assert grl_ramp(2.0) == grl_ramp(1.0)
    assert grl_ramp(-1.0) == 0.0
    vals = [grl_ramp(p / 10) for p in range(11)]
    assert all(a < b for a, b in zip(vals, vals[1:]))


@pytest.mark.parametrize("schedule", ["ganin", "constant"])
def test_trainer_ramps_gradient_reversal(tmp_path, schedule):
    tr, data = _trainer(tmp_path, adversarial=True, grl_schedule=schedule)
    total = tr.tcfg.epochs * tr.sampler.num_batches()
    batch = make_batch([data], [(0, u, 0) for u in data.utts[:4]], tr.cfg.tasks, 10,
                       tr.model.left_context, tr.model.right_context)
    head = tr.model.heads["accent"]
    for k in range(3):
        tr._step(batch)
        want = grl_ramp(k / total) if schedule == "ganin" else 1.0
        assert head.grl_factor == pytest.approx(want)
    # The factor scales the reversed gradient reaching the shared layers.
    m = tr.model
    x = batch.feats
    grads = {}
    for p in (0.05, 1.0):
        m.set_progress(p)
        m.zero_grad()
        loss, _, _ = masked_ce(m(x, "default", batch.lengths)["accent"], torch.tensor([0, 1, 2, 0]))
        loss.backward()
        grads[p] = m.towers["shared"].layers[0].conv.weight.grad.clone()
    ratio = grl_ramp(0.05) / grl_ramp(1.0) if schedule == "ganin" else 1.0
    assert torch.allclose(grads[0.05], ratio * grads[1.0], atol=1e-7)


def test_soft_towers_start_identical():
    torch.manual_seed(0)
    m = MtlNet(cfg(sharing="soft"), {"default": 5}, {"senone": 4, "accent": 3})
    a, b = m.towers["senone"].state_dict(), m.towers["accent"].state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert float(m.soft_sharing_distance().detach()) == 0.0


@pytest.mark.parametrize("hidden", [8, 32])
def test_soft_sharing_distance_is_per_parameter(hidden):
    """Every trunk parameter of one tower moved by d: the distance is d^2, whatever the network's size."""
    torch.manual_seed(0)
    m = MtlNet(cfg(sharing="soft", hidden=hidden), {"default": 5}, {"senone": 4, "accent": 3})
    with torch.no_grad():
        for p in m.towers["accent"].layers.parameters():
            p.add_(0.03)
    assert float(m.soft_sharing_distance().detach()) == pytest.approx(0.03 ** 2, rel=1e-4)
