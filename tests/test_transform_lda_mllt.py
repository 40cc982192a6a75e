"""LDA, MLLT and Kaldi matrix files on synthetic Gaussian classes whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mtlhybrid.transform.io import apply_transform, compose_transforms, read_matrix, read_transforms, write_matrix, write_transforms
from mtlhybrid.transform.lda import LdaStats, estimate_lda
from mtlhybrid.transform.mllt import MlltStats, estimate_mllt, transform_means
from mtlhybrid.utils.errors import DataError


def test_lda_recovers_the_discriminative_directions():
    # 6-dim frames: classes differ only along dimensions 1 and 4; the rest is shared noise,
    # with a larger spread than the class separation, so PCA would pick the wrong directions.
    rng = np.random.default_rng(0)
    D, C, n = 6, 5, 2000
    centres = np.zeros((C, D))
    centres[:, 1] = rng.normal(0, 3, C)
    centres[:, 4] = rng.normal(0, 3, C)
    scale = np.array([5.0, 1.0, 5.0, 5.0, 1.0, 5.0])
    st = LdaStats(C, D)
    for c in range(C):
        x = centres[c] + rng.normal(size=(n, D)) * scale
        st.accumulate(x, np.full(n, c))
    res = estimate_lda(st, 2)
    assert res.matrix.shape == (2, D)
    # The two kept rows live in the span of dimensions 1 and 4.
    weight_on_discriminative = np.abs(res.matrix[:, [1, 4]] * scale[[1, 4]]).sum()
    weight_elsewhere = np.abs(np.delete(res.matrix, [1, 4], axis=1) * np.delete(scale, [1, 4])).sum()
    assert weight_on_discriminative > 10 * weight_elsewhere
    assert res.eigenvalues[1] > 50 * res.eigenvalues[2]  # two directions carry the class separation
    # Within-class covariance of the projection is the identity (Kaldi's normalisation).
    from mtlhybrid.transform.lda import covariances

    _, total, between = covariances(st)
    np.testing.assert_allclose(res.full @ (total - between) @ res.full.T, np.eye(D), atol=1e-8)


def test_lda_stats_file_round_trip_and_bad_dim(tmp_path):
    st = LdaStats(3, 2)
    st.accumulate(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0, 2]))
    st.save(tmp_path / "a.acc")
    st.save(tmp_path / "b.acc")
    tot = LdaStats.sum_files([tmp_path / "a.acc", tmp_path / "b.acc"])
    np.testing.assert_allclose(tot.scatter, 2 * st.scatter)
    with pytest.raises(DataError, match="LDA dimension 5"):
        estimate_lda(tot, 5)


def _correlated_data(rng, n=2000):
    """Two classes sharing one full covariance with strongly correlated dimensions."""
    D = 4
    R = np.linalg.qr(rng.normal(size=(D, D)))[0]
    cov = R @ np.diag([9.0, 3.0, 1.0, 0.2]) @ R.T
    chol = np.linalg.cholesky(cov)
    means = np.array([[0.0, 0, 0, 0], [2.0, -1, 1, 0]])
    xs = [means[c] + rng.normal(size=(n, D)) @ chol.T for c in range(2)]
    return np.concatenate(xs), np.repeat([0, 1], n)


def _diag_loglike(x, labels, logdet=0.0):
    """Total log-likelihood of x under one ML diagonal Gaussian per class, plus a Jacobian term."""
    tot = 0.0
    for c in np.unique(labels):
        xc = x[labels == c]
        mu, var = xc.mean(0), xc.var(0)
        tot += -0.5 * (np.log(2 * np.pi * var).sum() * len(xc) + (((xc - mu) ** 2) / var).sum())
    return tot + len(x) * logdet


def test_mllt_raises_the_training_log_likelihood():
    from mtlhybrid.gmm.diag_gmm import AmDiagGmm

    rng = np.random.default_rng(1)
    x, labels = _correlated_data(rng)
    D = x.shape[1]
    mus = np.stack([x[labels == c].mean(0) for c in (0, 1)])
    vars_ = np.stack([x[labels == c].var(0) for c in (0, 1)])
    am = AmDiagGmm(torch.ones(2, 1), torch.tensor(mus[:, None], dtype=torch.float32),
                   torch.tensor(vars_[:, None], dtype=torch.float32), torch.ones(2, dtype=torch.int64))
    st = MlltStats(D)
    st.accumulate(am, x, labels)
    A, before, after = estimate_mllt(st)
    assert after > before
    ll_before = _diag_loglike(x, labels)
    ll_after = _diag_loglike(apply_transform(x, A).astype(np.float64), labels, np.linalg.slogdet(A)[1])
    # The data are full-covariance Gaussians: a diagonal model in the right basis gains a lot.
    assert ll_after > ll_before + 0.3 * len(x)
    # The model's means move into the new space.
    transform_means(am, A)
    np.testing.assert_allclose(am.means[:, 0].numpy(), mus @ A.T, rtol=1e-4, atol=1e-4)


def test_matrix_files_are_kaldis_and_compose(tmp_path):
    import kaldiio

    a = np.arange(6, dtype=np.float64).reshape(2, 3) / 7
    write_matrix(tmp_path / "a.mat", a)
    assert (tmp_path / "a.mat").read_bytes()[:2] == b"\0B"  # Kaldi's binary header
    np.testing.assert_allclose(kaldiio.load_mat(str(tmp_path / "a.mat")), a, rtol=1e-6)
    np.testing.assert_allclose(read_matrix(tmp_path / "a.mat"), a, rtol=1e-6)
    (tmp_path / "bad.mat").write_bytes(b"junk")
    with pytest.raises(DataError, match="bad.mat"):
        read_matrix(tmp_path / "bad.mat")
    x = np.random.default_rng(0).normal(size=(5, 3))
    b = np.array([[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])  # affine 2 x (2+1)
    np.testing.assert_allclose(apply_transform(apply_transform(x, a), b), apply_transform(x, compose_transforms(b, a)), rtol=1e-5)
    np.testing.assert_allclose(apply_transform(apply_transform(x[:, :2], b), b),
                               apply_transform(x[:, :2], compose_transforms(b, b, b_is_affine=True)), rtol=1e-5)
    n = write_transforms(f"ark:{tmp_path}/trans.1", [("spk1", b), ("spk2", 2 * b)])
    back = read_transforms(f"ark:{tmp_path}/trans.1")
    assert n == 2
    assert list(back) == ["spk1", "spk2"]
    np.testing.assert_allclose(back["spk2"], 2 * b, rtol=1e-6)
