"""fMLLR on a synthetic speaker whose features are an affine distortion of the model's data."""

from __future__ import annotations

import numpy as np
import torch

from mtlhybrid.transform.fmllr import FmllrStats, estimate_fmllr, fmllr_objf, identity_transform
from mtlhybrid.transform.io import apply_transform, read_transforms, write_transforms


def _model_and_speaker(rng, D=5, P=4, n=300):
    from mtlhybrid.gmm.diag_gmm import AmDiagGmm

    means = rng.normal(0, 3, size=(P, D))
    variances = rng.uniform(0.5, 2.0, size=(P, D))
    am = AmDiagGmm(torch.ones(P, 1), torch.tensor(means[:, None], dtype=torch.float32),
                   torch.tensor(variances[:, None], dtype=torch.float32), torch.ones(P, dtype=torch.int64))
    pdfs = np.repeat(np.arange(P), n)
    clean = means[pdfs] + rng.normal(size=(len(pdfs), D)) * np.sqrt(variances[pdfs])
    A0 = np.eye(D) + 0.3 * rng.normal(size=(D, D))
    b0 = rng.normal(0, 2, size=D)
    return am, pdfs, clean @ A0.T + b0


def _loglike(am, feats, pdfs, W=None):
    x = feats if W is None else apply_transform(feats, W).astype(np.float64)
    ll = am.log_likelihoods_of(torch.tensor(x, dtype=torch.float32), torch.tensor(pdfs)).double().sum().item()
    return ll + (len(x) * np.linalg.slogdet(W[:, : W.shape[0]])[1] if W is not None else 0.0)


def test_fmllr_raises_the_speakers_likelihood(tmp_path):
    rng = np.random.default_rng(0)
    am, pdfs, feats = _model_and_speaker(rng)
    st = FmllrStats(feats.shape[1])
    st.accumulate(am, feats, pdfs)
    W, impr = estimate_fmllr(st)
    assert impr > 0
    before, after = _loglike(am, feats, pdfs), _loglike(am, feats, pdfs, W)
    assert after > before + 1.0 * len(feats)  # the distortion costs several nats a frame; fMLLR undoes most of it
    # The auxiliary function's gain is the likelihood gain (single Gaussians: posteriors are 1).
    np.testing.assert_allclose(after - before, impr, rtol=1e-3)
    # Too few frames: the identity, as Kaldi's --fmllr-min-count.
    small = FmllrStats(feats.shape[1])
    small.accumulate(am, feats[:10], pdfs[:10])
    W_small, impr_small = estimate_fmllr(small, min_count=50)
    assert impr_small == 0.0
    assert np.array_equal(W_small, identity_transform(feats.shape[1]))
    assert fmllr_objf(st, identity_transform(feats.shape[1])) < fmllr_objf(st, W)


def test_fmllr_transforms_round_trip_through_trans_archives(tmp_path):
    rng = np.random.default_rng(1)
    mats = {f"spk{i}": np.concatenate([np.eye(3) + 0.1 * rng.normal(size=(3, 3)), rng.normal(size=(3, 1))], axis=1)
            for i in range(3)}
    write_transforms(f"ark:{tmp_path}/trans.1", mats.items())
    back = read_transforms(f"ark:{tmp_path}/trans.1")
    assert list(back) == list(mats)
    for k in mats:
        assert back[k].shape == (3, 4)
        np.testing.assert_allclose(back[k], mats[k], rtol=1e-6, atol=1e-6)  # Kaldi stores BaseFloat (float32)
    import kaldiio

    with kaldiio.ReadHelper(f"ark:{tmp_path}/trans.1") as r:  # an independent Kaldi-format reader
        assert [k for k, _ in r] == list(mats)


def test_feature_reader_splices_then_applies_global_and_speaker_transforms(tmp_path):
    import pytest

    from mtlhybrid.features.reader import FeatureReader
    from mtlhybrid.features.splice import splice_frames
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp

    rng = np.random.default_rng(2)
    feats = {"a_1": rng.normal(size=(7, 2)).astype(np.float32), "b_1": rng.normal(size=(5, 2)).astype(np.float32)}
    write_matrices_ark_scp(tmp_path / "feats.ark", tmp_path / "feats.scp", feats.items())
    (tmp_path / "utt2spk").write_text("a_1 a\nb_1 b\n")
    lda = rng.normal(size=(3, 6))  # 2 dims spliced +-1 -> 6 -> 3
    spk = {"a": np.concatenate([2 * np.eye(3), np.ones((3, 1))], axis=1)}
    r = FeatureReader(tmp_path, apply_cmvn=False, splice=(1, 1), transform=lda, speaker_transforms=spk)
    expected = (splice_frames(feats["a_1"], 1, 1) @ lda.T) * 2 + 1
    np.testing.assert_allclose(r["a_1"], expected, rtol=1e-5, atol=1e-5)
    assert r.dim == 3
    with pytest.raises(DataError, match="no transform for speaker b"):
        r["b_1"]
