"""fMLLR (constrained MLLR, Gales 1998), one affine feature transform per speaker, as
Kaldi's fmllr-diag-gmm.h (gmm-est-fmllr).

A speaker's features ``x`` become ``W [x; 1] = A x + b``, with ``W`` chosen to maximise the
likelihood of the speaker's frames under the (diagonal) GMM, Jacobian included:

    Q(W) = beta log|det A| + sum_i (w_i k_i^T - 1/2 w_i G_i w_i^T),
    k_i = sum_{t,m} gamma_tm mu_mi / s_mi xi_t^T,   G_i = sum_{t,m} gamma_tm / s_mi xi_t xi_t^T,

``xi = [x; 1]``, ``s`` the variances, ``beta`` the total count. Given the other rows, row
``i`` is ``w_i = (alpha c_i + k_i) G_i^-1`` (``c_i`` the cofactor row of ``A``, padded with 0),
with ``alpha`` the root of ``a alpha^2 + b alpha - beta = 0`` (``a = c_i G_i^-1 c_i^T``,
``b = k_i G_i^-1 c_i^T``) that gives the larger ``beta log|alpha a + b| - a alpha^2 / 2``.
Rows are updated in turn for a number of passes; each update cannot lower ``Q``.
A speaker with fewer than ``min_count`` frames keeps the identity, as in Kaldi.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np

from mtlhybrid.utils.errors import MismatchError


@dataclass
class FmllrStats:
    """One speaker's statistics: ``beta``, ``K [d, d+1]``, ``G [d, d+1, d+1]``."""

    dim: int
    beta: float = 0.0
    K: np.ndarray = field(default=None)
    G: np.ndarray = field(default=None)

    def __post_init__(self) -> None:
        d = self.dim
        if self.K is None:
            self.K = np.zeros((d, d + 1))
            self.G = np.zeros((d, d + 1, d + 1))

    def accumulate_gaussians(self, feats: np.ndarray, gammas: np.ndarray, means: np.ndarray, variances: np.ndarray,
                             chunk: int = 2048) -> None:
        """Add ``N`` (frame, Gaussian) pairs: ``feats [N, d]``, ``gammas [N]``, ``means``/``variances [N, d]``."""
        x = np.asarray(feats, dtype=np.float64)
        if x.shape[1] != self.dim:
            raise MismatchError(f"features of dimension {x.shape[1]}, fMLLR statistics of {self.dim}")
        d = self.dim
        xi = np.concatenate([x, np.ones((len(x), 1))], axis=1)
        w = np.asarray(gammas, dtype=np.float64)[:, None] / np.asarray(variances, dtype=np.float64)  # [N, d]
        self.K += (w * means).T @ xi
        for s in range(0, len(x), chunk):
            xs = xi[s : s + chunk]
            outer = (xs[:, :, None] * xs[:, None, :]).reshape(len(xs), (d + 1) ** 2)
            self.G += (w[s : s + chunk].T @ outer).reshape(d, d + 1, d + 1)
        self.beta += float(np.sum(gammas))

    def accumulate(self, am, feats: np.ndarray, pdfs: np.ndarray, weights: Optional[np.ndarray] = None,
                   min_post: float = 1e-3) -> None:
        """Add an utterance aligned to ``pdfs [T]`` under the GMM ``am`` (an AmDiagGmm)."""
        from mtlhybrid.transform.aligned import gaussian_pairs

        t_idx, gammas, means, variances = gaussian_pairs(am, feats, pdfs, weights, min_post)
        if len(t_idx):
            self.accumulate_gaussians(np.asarray(feats, dtype=np.float64)[t_idx], gammas, means, variances)


def identity_transform(dim: int) -> np.ndarray:
    return np.concatenate([np.eye(dim), np.zeros((dim, 1))], axis=1)


def fmllr_objf(stats: FmllrStats, W: np.ndarray) -> float:
    """``Q(W)`` up to a constant (the change of the log-likelihood when ``W`` replaces the identity)."""
    _, logdet = np.linalg.slogdet(W[:, : stats.dim])
    return float(stats.beta * logdet + np.sum(W * stats.K) - 0.5 * np.einsum("ij,ijk,ik->", W, stats.G, W))


def estimate_fmllr(stats: FmllrStats, num_iters: int = 40, min_count: float = 50.0,
                   init: Optional[np.ndarray] = None) -> Tuple[np.ndarray, float]:
    """``(W [d, d+1], objective improvement)`` for one speaker (identity and 0 below ``min_count``)."""
    d = stats.dim
    W = identity_transform(d) if init is None else np.array(init, dtype=np.float64)
    if stats.beta < min_count:
        return W, 0.0
    G_inv = np.linalg.inv(stats.G)
    before = fmllr_objf(stats, W)
    for _ in range(num_iters):
        for i in range(d):
            cof = np.append(np.linalg.inv(W[:, :d]).T[i] * np.linalg.det(W[:, :d]), 0.0)
            gc = G_inv[i] @ cof
            a = float(cof @ gc)
            b = float(stats.K[i] @ gc)
            disc = np.sqrt(b * b + 4 * a * stats.beta)
            best, best_q = None, -np.inf
            for alpha in ((-b + disc) / (2 * a), (-b - disc) / (2 * a)):
                q = stats.beta * np.log(abs(alpha * a + b)) - 0.5 * a * alpha * alpha
                if q > best_q:
                    best, best_q = alpha, q
            W[i] = (best * cof + stats.K[i]) @ G_inv[i]
    return W, fmllr_objf(stats, W) - before
