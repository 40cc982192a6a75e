"""Sequence-training math: lattice forward-backward and the MMI/bMMI/sMBR/MPFE gradients.

A hand-made lattice small enough to enumerate every path checks the totals, expected
accuracies and gradients against brute force and finite differences; a lattice decoded
from a real toy HCLG checks the PyTorch forward-backward against the numpy one of
mtlhybrid.lattice.functions.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from mtlhybrid.lattice.lattice import StateLattice
from mtlhybrid.seqtrain.criteria import CriterionOptions, arc_frame_accuracy, sequence_stats, surrogate_loss
from mtlhybrid.seqtrain.forward_backward import expected_accuracy, frame_posteriors, log_forward_backward
from mtlhybrid.seqtrain.lattice_arrays import LatticeArrays
from mtlhybrid.utils.errors import DataError

torch.set_num_threads(1)

# tids 1..6: pdf (tid-1) % 3, phone 1 for tids 1-3, 2 for 4-6 (phone 2 is "silence" where asked)
TID2PDF = np.array([0, 0, 1, 2, 0, 1, 2])
TID2PHONE = np.array([0, 1, 1, 1, 2, 2, 2])
#        src dst tid word graph_cost
ARCS = [(0, 1, 1, 7, 0.3), (0, 2, 4, 8, 1.1), (1, 3, 2, 0, 0.2), (1, 3, 5, 0, 0.9), (2, 3, 5, 0, 0.4),
        (2, 4, 4, 0, 0.7), (3, 5, 0, 9, 0.5),  # an epsilon (word) arc inside frame 2
        (4, 6, 6, 0, 0.1), (5, 6, 3, 0, 0.6), (3, 6, 6, 0, 1.3), (3, 6, 3, 0, 0.25)]
FINAL = {6: 0.5}
T, P = 3, 3
REF_TIDS = np.array([1, 2, 3])  # reference alignment: pdfs 0 1 2, phone 1


def tiny_lattice() -> StateLattice:
    a = np.array(ARCS, dtype=np.float64)
    fg = np.full(7, np.inf)
    for s, c in FINAL.items():
        fg[s] = c
    return StateLattice.from_arrays(7, 0, a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4], np.zeros(len(a)), fg, np.zeros(7))


def paths():
    """Every start-to-final path as a list of arc tuples (brute force)."""
    out = []

    def walk(s, acc):
        if s in FINAL:
            out.append(list(acc))
        for arc in ARCS:
            if arc[0] == s:
                walk(arc[1], acc + [arc])

    walk(0, [])
    return out


def path_score(path, ll, kappa, extra=lambda arc, t: 0.0):
    t, score = 0, -FINAL[path[-1][1]]
    for arc in path:
        score -= arc[4]
        if arc[2]:
            score += kappa * ll[t, TID2PDF[arc[2]]] + extra(arc, t)
            t += 1
    return score


def path_frames(path):
    return [arc for arc in path if arc[2]]


@pytest.fixture
def lat():
    return LatticeArrays.from_lattice(tiny_lattice(), TID2PDF, TID2PHONE)


@pytest.fixture
def loglik():
    return torch.tensor(np.random.default_rng(0).normal(-3.0, 2.0, (T, P)), dtype=torch.float64)


def ref():
    return torch.as_tensor(TID2PDF[REF_TIDS]), torch.as_tensor(TID2PHONE[REF_TIDS])


def test_forward_backward_total_and_posteriors_equal_brute_force(lat, loglik):
    kappa = 0.7
    ps = paths()
    assert len(ps) == 10
    assert all(len(path_frames(p)) == T for p in ps)
    scores = np.array([path_score(p, loglik.numpy(), kappa) for p in ps])
    fb = log_forward_backward(lat, lat.arc_scores(loglik, kappa))
    assert fb.log_total == pytest.approx(np.logaddexp.reduce(scores), abs=1e-10)
    # per-frame pdf occupancies: each path's probability on its pdf at each frame
    occ = np.zeros((T, P))
    w = np.exp(scores - np.logaddexp.reduce(scores))
    for p, wp in zip(ps, w):
        for t, arc in enumerate(path_frames(p)):
            occ[t, TID2PDF[arc[2]]] += wp
    got = frame_posteriors(lat, fb.arc_post, P).numpy()
    np.testing.assert_allclose(got, occ, atol=1e-12)
    np.testing.assert_allclose(got.sum(1), 1.0, atol=1e-12)


@pytest.mark.parametrize("level", ["smbr", "mpfe"])
def test_expected_accuracy_equals_brute_force(lat, loglik, level):
    kappa = 0.5
    rp, rph = ref()
    acc = arc_frame_accuracy(lat, rp, rph, level)
    fb = log_forward_backward(lat, lat.arc_scores(loglik, kappa))
    ea = expected_accuracy(lat, lat.arc_scores(loglik, kappa), acc, fb)
    ps = paths()
    scores = np.array([path_score(p, loglik.numpy(), kappa) for p in ps])
    w = np.exp(scores - np.logaddexp.reduce(scores))
    key = TID2PDF if level == "smbr" else TID2PHONE
    accs = [sum(key[a[2]] == key[REF_TIDS[t]] for t, a in enumerate(path_frames(p))) for p in ps]
    assert ea.average == pytest.approx(float(np.dot(w, accs)), abs=1e-12)
    assert 0 < ea.average < T


def _fd_check(lat, loglik, opts, eps=1e-6):
    """Autograd gradient of the surrogate loss vs central finite differences of the objective."""
    rp, rph = ref()
    x = loglik.clone().requires_grad_(True)
    st = sequence_stats(lat, x, rp, rph, opts)
    surrogate_loss(x, st).backward()
    assert float(surrogate_loss(x, st).detach()) == pytest.approx(-st.objective)
    num = np.zeros((T, P))
    for t, p in itertools.product(range(T), range(P)):
        d = torch.zeros_like(loglik)
        d[t, p] = eps
        up = sequence_stats(lat, loglik + d, rp, rph, opts).objective
        dn = sequence_stats(lat, loglik - d, rp, rph, opts).objective
        num[t, p] = (up - dn) / (2 * eps)
    np.testing.assert_allclose(-x.grad.numpy(), num, atol=1e-6)
    assert np.abs(num).max() > 1e-3  # not a vacuous check
    return st


@pytest.mark.parametrize("criterion,extra", [("mmi", {}), ("bmmi", {"boost": 0.5}), ("smbr", {}), ("mpfe", {}),
                                             ("smbr", {"silence_phones": (2,), "one_silence_class": True}),
                                             ("mpfe", {"silence_phones": (2,)})])
def test_gradient_matches_finite_differences(lat, loglik, criterion, extra):
    _fd_check(lat, loglik, CriterionOptions(criterion=criterion, acoustic_scale=0.6, **extra))


def test_mmi_gradient_is_kappa_times_num_minus_den_occupancy(lat, loglik):
    kappa = 0.3
    rp, rph = ref()
    st = sequence_stats(lat, loglik, rp, rph, CriterionOptions("mmi", acoustic_scale=kappa))
    den = frame_posteriors(lat, log_forward_backward(lat, lat.arc_scores(loglik, kappa)).arc_post, P)
    num = torch.zeros(T, P, dtype=torch.float64)
    num[torch.arange(T), rp] = 1.0
    torch.testing.assert_close(st.grad, kappa * (num - den))
    torch.testing.assert_close(st.grad.sum(1), torch.zeros(T, dtype=torch.float64))
    # the objective: kappa * numerator log-likelihood minus the denominator's log total
    assert st.objective == pytest.approx(kappa * float(loglik[torch.arange(T), rp].sum()) - st.den_log_total)


def test_boosting_adds_weight_to_paths_with_errors(lat, loglik):
    rp, rph = ref()
    mmi = sequence_stats(lat, loglik, rp, rph, CriterionOptions("bmmi", acoustic_scale=0.5, boost=0.0))
    b = sequence_stats(lat, loglik, rp, rph, CriterionOptions("bmmi", acoustic_scale=0.5, boost=1.0))
    # brute force of the boosted total: each wrong-phone frame adds `boost` to the path score
    ps = paths()
    ll = loglik.numpy()
    err = lambda arc, t: 1.0 * (TID2PHONE[arc[2]] != TID2PHONE[REF_TIDS[t]])
    assert b.den_log_total == pytest.approx(np.logaddexp.reduce([path_score(p, ll, 0.5, err) for p in ps]), abs=1e-10)
    assert b.den_log_total > mmi.den_log_total
    assert b.objective < mmi.objective


def test_mmi_drops_frames_whose_reference_left_the_lattice(lat, loglik):
    rp, rph = ref()
    bad = rp.clone()
    bad[0] = 2  # no arc has pdf 2 at frame 0
    st = sequence_stats(lat, loglik, bad, rph, CriterionOptions("mmi", acoustic_scale=0.5))
    assert st.dropped_frames == 1
    assert float(st.grad[0].abs().sum()) == 0.0
    assert float(st.grad[1].abs().sum()) > 0


def test_lattice_checks_name_the_utterance():
    a = np.array(ARCS, dtype=np.float64)
    fg = np.full(7, np.inf)
    fg[6] = 0.0
    fg[3] = 0.0  # a final state at frame 2 of 3
    bad = StateLattice.from_arrays(7, 0, a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4], np.zeros(len(a)), fg, np.zeros(7))
    with pytest.raises(DataError, match="time-synchronous.*utt1|utt1.*time-synchronous"):
        LatticeArrays.from_lattice(bad, TID2PDF, TID2PHONE, utt="utt1")
    with pytest.raises(DataError, match="empty lattice"):
        LatticeArrays.from_lattice(StateLattice.empty(), TID2PDF, TID2PHONE, utt="utt2")
    with pytest.raises(DataError, match="lattice has 3 frames"):
        LatticeArrays.from_lattice(tiny_lattice(), TID2PDF, TID2PHONE).arc_scores(torch.zeros(4, P), 0.1)


def test_decoded_lattice_matches_numpy_forward_backward_and_gradient(tmp_path):
    """On a real decoder lattice (epsilon word arcs, thousands of arcs): posteriors as the
    numpy forward-backward gives them, and sMBR's gradient vs finite differences on a few entries."""
    pytest.importorskip("kaldi_decoder")
    from mtlhybrid.align.aligner import equal_align
    from mtlhybrid.decode.decoder import DecodeOptions, Decoder, DecodingGraph
    from mtlhybrid.graph.hclg import make_hclg
    from mtlhybrid.testing.toy_graph import make_toy_system
    from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
    from mtlhybrid.graph.transitions import TransitionTables
    from mtlhybrid.lattice.functions import forward_backward
    from mtlhybrid.seqtrain.lattice_arrays import transition_tables

    s = make_toy_system(tmp_path, [["one", "two", "three"], ["four", "five"], ["two", "two", "oh"]])
    g = make_hclg(s.lang, s.tree, s.transition_model)
    tb = TransitionTables.from_model(s.transition_model)
    comp = TrainingGraphCompiler.from_lang(s.lang, s.tree, s.transition_model)
    ali = equal_align(comp.compile("u", ["one", "two", "three"]), 60, utt="u")
    rng = np.random.default_rng(5)
    sc = rng.normal(-4.0, 2.0, (60, s.tree.num_pdfs)).astype(np.float32)
    sc[np.arange(60), tb.tid2pdf[ali]] = 0.0
    r = Decoder(DecodingGraph(g.fst, tb), DecodeOptions(beam=14.0, lattice_beam=6.0)).decode(sc)
    lat = r.lattice
    assert (lat.ilabel == 0).any()
    assert lat.num_arcs > 200
    tid2pdf, tid2phone = transition_tables(s.transition_model)
    la = LatticeArrays.from_lattice(lat, tid2pdf, tid2phone)
    ll = torch.as_tensor(sc, dtype=torch.float64)
    # the lattice's acoustic costs are -sc of its pdfs: rescoring with sc reproduces them, to
    # the 6 significant digits of kaldifst's lattice printout that the decoder's lattices go through
    fb = log_forward_backward(la, la.arc_scores(ll, 0.1))
    ref_post = forward_backward(lat, acoustic_scale=0.1).to_dense(s.tree.num_pdfs, label_map=tb.tid2pdf)
    np.testing.assert_allclose(frame_posteriors(la, fb.arc_post, s.tree.num_pdfs).numpy(), ref_post, atol=1e-6)

    opts = CriterionOptions("smbr", acoustic_scale=0.1)
    rp, rph = torch.as_tensor(tid2pdf[ali]), torch.as_tensor(tid2phone[ali])
    st = sequence_stats(la, ll, rp, rph, opts)
    assert 0 < st.objective <= 60
    big = np.argsort(-np.abs(st.grad.numpy()).ravel())[:5]
    for k in big:
        t, p = divmod(int(k), s.tree.num_pdfs)
        d = torch.zeros_like(ll)
        d[t, p] = 1e-5
        fd = (sequence_stats(la, ll + d, rp, rph, opts).objective - sequence_stats(la, ll - d, rp, rph, opts).objective) / 2e-5
        assert fd == pytest.approx(float(st.grad[t, p]), rel=1e-4, abs=1e-7)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("criterion", ["mmi", "bmmi", "smbr", "mpfe"])
def test_cuda_matches_cpu(lat, loglik, criterion):
    rp, rph = ref()
    opts = CriterionOptions(criterion, acoustic_scale=0.6, boost=0.5, silence_phones=(2,))
    cpu = sequence_stats(lat, loglik, rp, rph, opts)
    gpu = sequence_stats(lat.to("cuda"), loglik.cuda(), rp.cuda(), rph.cuda(), opts)
    assert gpu.grad.is_cuda
    assert gpu.objective == pytest.approx(cpu.objective, abs=1e-10)
    torch.testing.assert_close(gpu.grad.cpu(), cpu.grad)
