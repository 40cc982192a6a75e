"""Diagonal GMMs and EM: likelihoods, accumulation, M-step, mixing up, storage, devices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mtlhybrid.gmm import (
    AccumAmDiagGmm,
    AmDiagGmm,
    DiagGmm,
    get_split_targets,
    mle_update,
    save_accs,
    split_to_total,
    sum_accs,
)
from mtlhybrid.utils.errors import MismatchError

torch.set_num_threads(1)

STATES_PER_DIGIT = 3


def _mfcc(wav_path) -> np.ndarray:
    """13-dim MFCC + per-utterance mean normalisation, computed directly with kaldi-native-fbank."""
    import kaldi_native_fbank as knf
    import soundfile as sf

    samples, rate = sf.read(str(wav_path), dtype="float32")
    if samples.ndim > 1:
        samples = samples[:, 0]
    opts = knf.MfccOptions()
    opts.frame_opts.samp_freq = rate
    opts.frame_opts.dither = 0.0
    opts.mel_opts.num_bins = 23
    m = knf.OnlineMfcc(opts)
    m.accept_waveform(rate, samples.tolist())
    m.input_finished()
    feats = np.stack([m.get_frame(i) for i in range(m.num_frames_ready)]).astype(np.float32)
    return feats - feats.mean(0)


@pytest.fixture(scope="module")
def fsdd_frames(fsdd_dir):
    """Features of 30 FSDD recordings (digits 0-4, two speakers) with equal alignments.

    Each recording is cut into three equal parts, pdf = digit * 3 + part: the fixed
    alignment that a first monophone pass would start from.
    """
    feats, pdfs = [], []
    for digit in range(5):
        for spk in ("jackson", "theo"):
            for take in range(3):
                f = _mfcc(fsdd_dir / "recordings" / f"{digit}_{spk}_{take}.wav")
                part = np.minimum(np.arange(len(f)) * STATES_PER_DIGIT // len(f), STATES_PER_DIGIT - 1)
                feats.append(f)
                pdfs.append(digit * STATES_PER_DIGIT + part)
    return torch.from_numpy(np.concatenate(feats)), torch.from_numpy(np.concatenate(pdfs)).long(), 5 * STATES_PER_DIGIT


def _random_am(num_pdfs=4, dim=3, gauss=(1, 3, 2, 4), seed=0, dtype=torch.float64) -> AmDiagGmm:
    g = torch.Generator().manual_seed(seed)
    gmms = []
    for p in range(num_pdfs):
        n = gauss[p]
        w = torch.rand(n, generator=g, dtype=dtype) + 0.1
        gmms.append(DiagGmm(w / w.sum(), torch.randn(n, dim, generator=g, dtype=dtype) * 2,
                            torch.rand(n, dim, generator=g, dtype=dtype) + 0.3))
    return AmDiagGmm.from_gmms(gmms, dtype=dtype)


def _data_loglike(am, feats, pdfs) -> float:
    return float(am.log_likelihoods_of(feats, pdfs).double().sum())


def test_log_likelihoods_match_direct_computation():
    from scipy.special import logsumexp

    am = _random_am()
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    got = am.log_likelihoods(x, chunk=3).numpy()  # chunking across the 7 frames
    assert got.shape == (7, 4)
    xs = x.numpy()
    for p in range(am.num_pdfs):
        gmm = am.get_pdf(p)
        w, mu, var = gmm.weights.numpy(), gmm.means.numpy(), gmm.variances.numpy()
        for t in range(7):
            comp = [math.log(w[k]) - 0.5 * np.sum(np.log(2 * np.pi * var[k]) + (xs[t] - mu[k]) ** 2 / var[k])
                    for k in range(len(w))]
            assert got[t, p] == pytest.approx(logsumexp(comp), abs=1e-9)
    # the single-mixture class agrees with the packed model, and posteriors sum to one
    np.testing.assert_allclose(am.get_pdf(1).log_likelihood(x).numpy(), got[:, 1], atol=1e-9)
    post = am.component_posteriors(x, torch.full((7,), 3))
    np.testing.assert_allclose(post.sum(1).numpy(), 1.0, atol=1e-12)
    assert torch.all(am.component_posteriors(x, torch.zeros(7, dtype=torch.long))[:, 1:] == 0)  # padding


def test_em_with_mixup_never_lowers_likelihood(fsdd_frames):
    feats, pdfs, num_pdfs = fsdd_frames
    am = AmDiagGmm.init_single_gaussians(feats, pdfs, num_pdfs)
    assert am.total_gauss == num_pdfs
    assert am.dim == 13
    gen = torch.Generator().manual_seed(0)
    first = _data_loglike(am, feats, pdfs)
    history = []
    for it in range(6):
        acc = AccumAmDiagGmm.for_model(am)
        acc.accumulate(am, feats, pdfs)
        before = _data_loglike(am, feats, pdfs)
        assert acc.total_log_like == pytest.approx(before, rel=1e-6)
        assert acc.total_frames == len(feats)
        stats = mle_update(am, acc, min_gaussian_occupancy=3)
        after = _data_loglike(am, feats, pdfs)
        assert stats.objf_impr >= -1e-6
        assert after >= before - 1e-6 * abs(before), (it, before, after)
        history.append(after)
        if it in (1, 2, 3):
            split_to_total(am, acc.occs_per_pdf(), am.total_gauss + 2 * num_pdfs, min_count=10, generator=gen)
    assert am.total_gauss >= 3 * num_pdfs  # mixing up happened
    # more Gaussians, fitted: clearly better than single Gaussians (per frame)
    assert (history[-1] - first) / len(feats) > 0.3


def test_split_targets_and_split_to_total():
    occs = [1000.0, 100.0, 10.0, 0.0]
    t = get_split_targets(occs, 12, power=0.2, min_count=1.0)
    assert sum(t) == 12
    assert t[0] >= t[1] >= t[2]
    assert t[3] == 1
    # min_count limits: 10 frames at min_count 4 allow only 2 Gaussians
    t = get_split_targets([10.0, 10.0], 100, min_count=4.0)
    assert t == [2, 2]

    am = _random_am(dtype=torch.float32)
    w_before = am.weights.clone()
    total = split_to_total(am, torch.tensor([500.0, 400.0, 300.0, 200.0]), 30, min_count=5,
                           generator=torch.Generator().manual_seed(0))
    assert total == 30 == am.total_gauss
    for p in range(am.num_pdfs):
        gmm = am.get_pdf(p)
        assert float(gmm.weights.sum()) == pytest.approx(1.0, abs=1e-5)
        assert torch.all(gmm.weights > 0)
    # pdf 0 had one Gaussian; after splitting all its copies share its variance and are perturbed
    g0 = am.get_pdf(0)
    assert torch.allclose(g0.variances, g0.variances[:1].expand_as(g0.variances))
    assert len({tuple(r.tolist()) for r in g0.means}) == g0.num_gauss
    assert float(w_before[0, 0]) == pytest.approx(1.0)


def test_low_occupancy_gaussians_removed_but_never_the_last(caplog):
    # pdf 0: 3 Gaussians far apart, one of them sees only 2 frames; pdf 1: 2 Gaussians, no data.
    gmm0 = DiagGmm(torch.tensor([0.4, 0.4, 0.2]), torch.tensor([[0.0], [10.0], [20.0]]), torch.ones(3, 1))
    gmm1 = DiagGmm(torch.tensor([0.5, 0.5]), torch.tensor([[0.0], [1.0]]), torch.ones(2, 1))
    am = AmDiagGmm.from_gmms([gmm0, gmm1])
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(50, 1, generator=g), 10 + torch.randn(50, 1, generator=g), 20 + torch.randn(2, 1, generator=g)])
    acc = AccumAmDiagGmm.for_model(am)
    acc.accumulate(am, x, torch.zeros(len(x), dtype=torch.long))
    with caplog.at_level("WARNING"):
        stats = mle_update(am, acc, min_gaussian_occupancy=10)
    assert stats.removed_gaussians == 2  # one from pdf 0, one from pdf 1
    assert stats.kept_low_count_gaussians == 1  # pdf 1 keeps its last Gaussian
    assert am.num_gauss_per_pdf.tolist() == [2, 1]
    assert "removed 2 Gaussians" in caplog.text
    assert float(am.weights[0].sum()) == pytest.approx(1.0, abs=1e-6)
    assert sorted(round(float(v)) for v in am.means[0, :, 0]) == [0, 10]

    # with removal off, nothing goes away
    am2 = AmDiagGmm.from_gmms([gmm0, gmm1])
    stats = mle_update(am2, acc, min_gaussian_occupancy=10, remove_low_count_gaussians=False)
    assert stats.removed_gaussians == 0
    assert am2.total_gauss == 5


def test_variance_floor_applied():
    # dimension 1 is constant inside pdf 0 but varies across pdfs (global variance 1)
    g = torch.Generator().manual_seed(0)
    x0 = torch.stack([torch.randn(100, generator=g), torch.full((100,), -1.0)], 1)
    x1 = torch.stack([torch.randn(100, generator=g), torch.full((100,), 1.0)], 1)
    x = torch.cat([x0, x1])
    pdfs = torch.cat([torch.zeros(100), torch.ones(100)]).long()
    am = AmDiagGmm.init_single_gaussians(x, pdfs, 2, min_variance=1e-3, variance_floor_fraction=0.01)
    assert float(am.variances[0, 0, 1]) == pytest.approx(0.01, rel=1e-4)  # 0.01 * global var 1.0
    acc = AccumAmDiagGmm.for_model(am)
    acc.accumulate(am, x, pdfs)
    stats = mle_update(am, acc, variance_floor_fraction=0.05)
    assert float(am.variances[0, 0, 1]) == pytest.approx(0.05, rel=1e-4)
    assert float(am.variances[1, 0, 1]) == pytest.approx(0.05, rel=1e-4)
    assert stats.floored_elements == 2
    assert stats.floored_gaussians == 2
    assert float(am.variances[0, 0, 0]) > 0.5  # the varying dimension is untouched
    # absolute floor wins when larger
    mle_update(am, acc, variance_floor_fraction=0.0, min_variance=0.2)
    assert float(am.variances[1, 0, 1]) == pytest.approx(0.2, rel=1e-4)


def test_merge_equals_one_accumulation_and_files_round_trip(tmp_path, fsdd_frames):
    feats, pdfs, num_pdfs = fsdd_frames
    am = AmDiagGmm.init_single_gaussians(feats, pdfs, num_pdfs)
    split_to_total(am, torch.full((num_pdfs,), 1000.0), 3 * num_pdfs, generator=torch.Generator().manual_seed(0))
    whole = AccumAmDiagGmm.for_model(am)
    whole.accumulate(am, feats, pdfs)
    half = len(feats) // 2
    a, b = AccumAmDiagGmm.for_model(am), AccumAmDiagGmm.for_model(am)
    a.accumulate(am, feats[:half], pdfs[:half], chunk=100)
    b.accumulate(am, feats[half:], pdfs[half:], chunk=333)
    a.merge(b)
    for name in ("occ", "mean_acc", "var_acc"):
        torch.testing.assert_close(getattr(a, name), getattr(whole, name), rtol=1e-9, atol=1e-6)
    assert a.total_log_like == pytest.approx(whole.total_log_like, rel=1e-9)

    # accumulator files with transition counts; gmm-sum-accs
    save_accs(tmp_path / "1.acc", _acc_of(am, feats[:half], pdfs[:half]), torch.tensor([0.0, 2.0, 3.0]))
    save_accs(tmp_path / "2.acc", _acc_of(am, feats[half:], pdfs[half:]), torch.tensor([0.0, 1.0, 1.0]))
    total, counts = sum_accs([tmp_path / "1.acc", tmp_path / "2.acc"])
    torch.testing.assert_close(total.occ, whole.occ, rtol=1e-9, atol=1e-6)
    assert counts.tolist() == [0.0, 3.0, 4.0]
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temp files

    # the model round-trips through torch.save with weights_only=True
    torch.save({"acoustic_model": am.to_dict()}, tmp_path / "final.mdl")
    back = AmDiagGmm.from_dict(torch.load(tmp_path / "final.mdl", weights_only=True)["acoustic_model"])
    assert back.num_gauss_per_pdf.tolist() == am.num_gauss_per_pdf.tolist()
    torch.testing.assert_close(back.log_likelihoods(feats[:50]), am.log_likelihoods(feats[:50]))

    # accumulators from a different model are refused
    other = AmDiagGmm.init_single_gaussians(feats, pdfs, num_pdfs)
    with pytest.raises(MismatchError):
        mle_update(other, whole)


def _acc_of(am, feats, pdfs) -> AccumAmDiagGmm:
    acc = AccumAmDiagGmm.for_model(am)
    acc.accumulate(am, feats, pdfs)
    return acc


def test_posterior_accumulation_matches_weighted_frames():
    am = _random_am()
    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 3, generator=g, dtype=torch.float64)
    post = [[(0, 1.0)], [(1, 0.25), (2, 0.75)], [], [(3, 0.5)]]
    a = AccumAmDiagGmm.for_model(am)
    a.accumulate_posteriors(am, x, post)
    b = AccumAmDiagGmm.for_model(am)
    b.accumulate(am, x[[0, 1, 1, 3]], torch.tensor([0, 1, 2, 3]), weights=torch.tensor([1.0, 0.25, 0.75, 0.5]))
    torch.testing.assert_close(a.mean_acc, b.mean_acc)
    assert a.total_frames == pytest.approx(2.5)
    torch.testing.assert_close(a.occs_per_pdf(), torch.tensor([1.0, 0.25, 0.75, 0.5], dtype=torch.float64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    am = _random_am(dtype=torch.float32)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 3, generator=g)
    pdfs = torch.randint(0, 4, (500,), generator=g)
    cpu_ll = am.log_likelihoods(x)
    gpu = am.to("cuda")
    assert gpu.device.type == "cuda"
    torch.testing.assert_close(gpu.log_likelihoods(x.cuda()).cpu(), cpu_ll, rtol=1e-4, atol=1e-4)
    acc_c, acc_g = AccumAmDiagGmm.for_model(am), AccumAmDiagGmm.for_model(gpu)
    acc_c.accumulate(am, x, pdfs)
    acc_g.accumulate(gpu, x.cuda(), pdfs.cuda())
    torch.testing.assert_close(acc_g.occ.cpu(), acc_c.occ, rtol=1e-4, atol=1e-4)
    mle_update(am, acc_c, min_gaussian_occupancy=1)
    mle_update(gpu, acc_g, min_gaussian_occupancy=1)
    split_to_total(gpu, acc_g.occs_per_pdf(), 20, min_count=1, generator=torch.Generator(device="cuda").manual_seed(0))
    assert gpu.total_gauss == 20
    assert gpu.means.device.type == "cuda"
    torch.testing.assert_close(gpu.to("cpu").log_likelihoods(x)[:, 0], gpu.log_likelihoods(x.cuda()).cpu()[:, 0], rtol=1e-4, atol=1e-4)


def _padded_reference_accumulate(am, x, pdfs, w=None):
    """The accumulation as it was before packing: every frame over all max_gauss slots of its pdf."""
    G, D = am.max_gauss, am.dim
    occ = torch.zeros(am.num_pdfs * G, dtype=torch.float64)
    m1 = torch.zeros(am.num_pdfs * G, D, dtype=torch.float64)
    m2 = torch.zeros(am.num_pdfs * G, D, dtype=torch.float64)
    ll = am.component_log_likelihoods(x, pdfs).to(torch.float64)
    frame_ll = torch.logsumexp(ll, -1)
    post = torch.exp(ll - frame_ll[:, None])
    if w is not None:
        post = post * w[:, None]
    x64 = x.to(torch.float64)
    idx = (pdfs[:, None] * G + torch.arange(G)[None, :]).reshape(-1)
    occ.index_add_(0, idx, post.reshape(-1))
    px = post[:, :, None] * x64[:, None, :]
    m1.index_add_(0, idx, px.reshape(-1, D))
    m2.index_add_(0, idx, (px * x64[:, None, :]).reshape(-1, D))
    total = float((frame_ll * (1 if w is None else w)).sum())
    return occ.view(am.num_pdfs, G), m1.view(am.num_pdfs, G, D), m2.view(am.num_pdfs, G, D), total


@pytest.mark.parametrize("gauss", [(1, 2, 19, 3, 7, 8, 1, 12, 5, 16, 4, 9), (1, 5, 2, 3, 5, 4)], ids=["packed", "plain"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_packed_kernels_equal_padded_computation(dtype, gauss):
    """Bucketed scoring and packed accumulation give what the padded [P, max_gauss] layout gave.

    Gaussian counts are skewed as Kaldi's split rule leaves them (a few wide pdfs, many
    narrow ones), so several width groups and padding inside groups are exercised.
    """
    from mtlhybrid.gmm.accumulate import _pack_pays

    am = _random_am(num_pdfs=len(gauss), dim=5, gauss=gauss, seed=3, dtype=dtype)
    assert len(am._width_buckets()) >= (3 if len(gauss) > 6 else 1)
    assert _pack_pays(am) == (len(gauss) > 6)
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(300, 5, generator=gen, dtype=dtype) * 2
    pdfs = torch.randint(0, len(gauss), (300,), generator=gen)
    want = torch.logsumexp(am.component_log_likelihoods(x), -1)
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == torch.float32 else dict(rtol=1e-10, atol=1e-9)
    torch.testing.assert_close(am.log_likelihoods(x, chunk=64), want, **tol)
    for w in (None, torch.rand(300, generator=gen, dtype=torch.float64)):
        acc = AccumAmDiagGmm.for_model(am)
        got_total = acc.accumulate(am, x, pdfs, weights=w, chunk=70)
        occ, m1, m2, total = _padded_reference_accumulate(am, x, pdfs, w)
        torch.testing.assert_close(acc.occ, occ, **tol)
        torch.testing.assert_close(acc.mean_acc, m1, **tol)
        torch.testing.assert_close(acc.var_acc, m2, **tol)
        assert got_total == pytest.approx(total, rel=1e-6 if dtype == torch.float32 else 1e-12)
    # parameters changed in place (as mle_update does) invalidate the width groups
    am.set_parameters(am.weights, am.means + 1.0, am.variances, am.num_gauss_per_pdf)
    torch.testing.assert_close(am.log_likelihoods(x), torch.logsumexp(am.component_log_likelihoods(x), -1), **tol)


def test_gmm_tools_use_one_thread_unless_told(monkeypatch):
    from mtlhybrid.gmm.tool_io import use_tool_threads

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        assert use_tool_threads() == 1
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        assert use_tool_threads() == 2
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_model_files_read_without_torch(tmp_path):
    """final.mdl is read by a torch-free unpickler (latgen and the alignment tools never import
    torch: seconds per job); what it returns equals torch.load's, tensors as numpy arrays."""
    import subprocess
    import sys

    from mtlhybrid.testing.toy_graph import make_toy_system
    from mtlhybrid.hmm.model_file import load_model, save_model

    s = make_toy_system(tmp_path / "toy", [["one", "two"]], triphone=False)
    am = _random_am(num_pdfs=s.tree.num_pdfs, dim=3, gauss=[1 + p % 4 for p in range(s.tree.num_pdfs)], dtype=torch.float32)
    save_model(tmp_path / "final.mdl", s.transition_model, am)
    tm, am_dict = load_model(tmp_path / "final.mdl")
    assert tm.to_dict() == s.transition_model.to_dict()
    ref = torch.load(tmp_path / "final.mdl", weights_only=True)["acoustic_model"]
    for k in ("weights", "means", "variances", "num_gauss_per_pdf"):
        assert isinstance(am_dict[k], np.ndarray)
        assert am_dict[k].dtype == ref[k].numpy().dtype
        np.testing.assert_array_equal(am_dict[k], ref[k].numpy())
    back = AmDiagGmm.from_dict(am_dict)
    torch.testing.assert_close(back.log_likelihoods(torch.ones(2, 3)), am.log_likelihoods(torch.ones(2, 3)))
    code = ("import sys; from mtlhybrid.hmm.model_file import load_model; from mtlhybrid.decode.decoder import Decoder; "
            f"load_model({str(tmp_path / 'final.mdl')!r}); assert 'torch' not in sys.modules, 'torch imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # a file that is not a zip archive still gets the clear error
    (tmp_path / "bad.mdl").write_bytes(b"not a model")
    with pytest.raises(Exception, match="cannot read model"):
        load_model(tmp_path / "bad.mdl")
