"""MLLT, the maximum likelihood linear transform (semi-tied covariance; Gopinath 1998,
Gales 1999), as Kaldi's gmm-acc-mllt / est-mllt / gmm-transform-means.

Diagonal-covariance Gaussians cannot model correlated feature dimensions (LDA output is
decorrelated only on average over classes). MLLT finds a square ``A`` such that diagonal
Gaussians fit ``A x`` as well as possible: it maximises

    beta * log|det A| - 1/2 * sum_i a_i G_i a_i^T,
    G_i = sum_{t,m} gamma_tm (x_t - mu_m)(x_t - mu_m)^T / sigma2_mi,

(``a_i`` the rows of ``A``, ``beta`` the total occupancy), the part of the log-likelihood
that depends on ``A`` when the variances are re-estimated afterwards. Each row has a
closed-form update given the others (``a_i = c_i G_i^-1 sqrt(beta / c_i G_i^-1 c_i^T)``,
``c_i`` the cofactor row), iterated over the rows a few times. The model's means are then
moved into the new space (``mu -> A mu``) and the next EM pass re-estimates the variances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Tuple, Union

import numpy as np

from mtlhybrid.transform.io import sum_stats_files
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_write

PathLike = Union[str, Path]


@dataclass
class MlltStats:
    """``beta`` (total occupancy) and the ``G_i`` matrices ``[D, D, D]``."""

    dim: int
    beta: float = 0.0
    G: np.ndarray = field(default=None)

    def __post_init__(self) -> None:
        if self.G is None:
            self.G = np.zeros((self.dim, self.dim, self.dim))

    def accumulate_gaussians(self, feats: np.ndarray, gammas: np.ndarray, means: np.ndarray, variances: np.ndarray,
                             chunk: int = 2048) -> None:
        """Add ``N`` (frame, Gaussian) pairs: ``feats [N, D]``, ``gammas [N]``, the Gaussians' ``means``/``variances [N, D]``."""
        x = np.asarray(feats, dtype=np.float64)
        if x.shape[1] != self.dim:
            raise MismatchError(f"features of dimension {x.shape[1]}, MLLT statistics of {self.dim}")
        g = np.asarray(gammas, dtype=np.float64)
        y = (x - means) * np.sqrt(g)[:, None]
        inv_var = 1.0 / np.asarray(variances, dtype=np.float64)
        D = self.dim
        for s in range(0, len(x), chunk):
            ys = y[s : s + chunk]
            outer = (ys[:, :, None] * ys[:, None, :]).reshape(len(ys), D * D)
            self.G += (inv_var[s : s + chunk].T @ outer).reshape(D, D, D)
        self.beta += float(g.sum())

    def accumulate(self, am, feats: np.ndarray, pdfs: np.ndarray, weights: Optional[np.ndarray] = None,
                   min_post: float = 1e-3) -> None:
        """Add an utterance aligned to ``pdfs [T]`` under the GMM ``am`` (an AmDiagGmm)."""
        from mtlhybrid.transform.aligned import gaussian_pairs

        t_idx, gammas, means, variances = gaussian_pairs(am, feats, pdfs, weights, min_post)
        if len(t_idx):
            self.accumulate_gaussians(np.asarray(feats, dtype=np.float64)[t_idx], gammas, means, variances)

    def add(self, other: "MlltStats") -> None:
        if other.dim != self.dim:
            raise MismatchError(f"MLLT statistics of dimension {other.dim} do not add to {self.dim}")
        self.beta += other.beta
        self.G += other.G

    def save(self, path: PathLike) -> None:
        with atomic_write(path, "wb") as f:
            np.savez(f, beta=np.array(self.beta), G=self.G)

    @classmethod
    def load(cls, path: PathLike) -> "MlltStats":
        try:
            with np.load(path) as z:
                beta, G = float(z["beta"]), z["G"]
        except (OSError, ValueError, KeyError) as e:
            raise DataError(f"not MLLT statistics: {e}", path=path)
        return cls(G.shape[0], beta, G)

    @classmethod
    def sum_files(cls, paths: Iterable[PathLike]) -> "MlltStats":
        return sum_stats_files(cls.load, paths, "MLLT")


def mllt_objf(stats: MlltStats, A: np.ndarray) -> float:
    """The auxiliary function ``beta log|det A| - 1/2 sum_i a_i G_i a_i^T``."""
    _, logdet = np.linalg.slogdet(A)
    quad = np.einsum("ij,ijk,ik->", A, stats.G, A)
    return float(stats.beta * logdet - 0.5 * quad)


def estimate_mllt(stats: MlltStats, num_iters: int = 10, init: Optional[np.ndarray] = None) -> Tuple[np.ndarray, float, float]:
    """Kaldi's est-mllt: ``(A, objf before, objf after)``, starting from ``init`` (identity).

    Each row update maximises the objective given the other rows, so it never decreases.
    """
    if stats.beta <= 0:
        raise DataError("MLLT statistics have no frames")
    D = stats.dim
    A = np.eye(D) if init is None else np.array(init, dtype=np.float64)
    try:
        G_inv = np.linalg.inv(stats.G)
    except np.linalg.LinAlgError:
        raise DataError("MLLT statistics are singular (too little data for the feature dimension)")
    before = mllt_objf(stats, A)
    for _ in range(num_iters):
        for i in range(D):
            cof = np.linalg.inv(A).T[i]  # the cofactor row up to det(A), which the normalisation cancels
            v = cof @ G_inv[i]
            A[i] = v * np.sqrt(stats.beta / float(v @ cof))
    return A, before, mllt_objf(stats, A)


def transform_means(am, mat: np.ndarray) -> None:
    """Kaldi's gmm-transform-means: every mean ``mu -> A mu`` (plus the offset if affine), in place.

    ``am`` is a NumpyAmDiagGmm (gmm_transform_means, no torch) or an AmDiagGmm; both get
    the same float32 means.
    """
    from mtlhybrid.gmm.numpy_gmm import NumpyAmDiagGmm

    D = am.dim
    if mat.shape[0] != D or mat.shape[1] not in (D, D + 1):
        raise MismatchError(f"a {mat.shape} transform cannot move the means of a dimension-{D} model")
    if isinstance(am, NumpyAmDiagGmm):
        m = am.means.astype(np.float64) @ mat[:, :D].T
        if mat.shape[1] == D + 1:
            m = m + mat[:, D]
        am.means = m.astype(np.float32) * am.valid.astype(np.float32)[..., None]
        am._natural = None  # cached scoring parameters of the old means
        am._buckets = None
        return
    import torch

    m = am.means.double().cpu().numpy() @ mat[:, :D].T
    if mat.shape[1] == D + 1:
        m = m + mat[:, D]
    means = torch.as_tensor(m, dtype=am.dtype, device=am.device) * am.valid.to(am.dtype)[..., None]
    am.set_parameters(am.weights, means, am.variances, am.num_gauss_per_pdf)
