"""Linear discriminant analysis on spliced frames, as Kaldi's acc-lda / est-lda.

Classes are the pdfs of an alignment (the previous system's senones). The statistics are
per-class frame counts and sums and one total scatter matrix; from them the total
covariance ``T`` and the between-class covariance ``B`` give the within-class covariance
``W = T - B``. With ``W = L L^T`` (Cholesky), the eigenvectors ``U`` of ``L^-1 B L^-T``
sorted by eigenvalue give ``M = U^T L^-1``: its rows are the directions that best
separate the classes relative to their spread, scaled so that the projected within-class
covariance is the identity (``M W M^T = I``), which suits diagonal-covariance models.
The first ``dim`` rows are the LDA transform (``0.mat``); all of them the full matrix.
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
class LdaStats:
    """Sufficient statistics of LDA: per-class counts and sums, total weighted scatter."""

    num_classes: int
    dim: int
    counts: np.ndarray = field(default=None)  # [C]
    sums: np.ndarray = field(default=None)  # [C, D]
    scatter: np.ndarray = field(default=None)  # [D, D], sum of w x x^T

    def __post_init__(self) -> None:
        if self.counts is None:
            self.counts = np.zeros(self.num_classes)
            self.sums = np.zeros((self.num_classes, self.dim))
            self.scatter = np.zeros((self.dim, self.dim))

    def accumulate(self, feats: np.ndarray, classes: np.ndarray, weights: Optional[np.ndarray] = None) -> None:
        """Add frames ``feats [T, D]`` of classes ``classes [T]`` (frame weights ``weights [T]``)."""
        x = np.asarray(feats, dtype=np.float64)
        c = np.asarray(classes, dtype=np.int64)
        if x.shape[1] != self.dim:
            raise MismatchError(f"features of dimension {x.shape[1]}, LDA statistics of {self.dim}")
        if len(c) != len(x):
            raise MismatchError(f"{len(c)} class labels for {len(x)} frames")
        if len(c) and (c.min() < 0 or c.max() >= self.num_classes):
            raise MismatchError(f"class ids outside [0, {self.num_classes})")
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
        self.counts += np.bincount(c, weights=w, minlength=self.num_classes)
        np.add.at(self.sums, c, x * w[:, None])
        self.scatter += (x * w[:, None]).T @ x

    def add(self, other: "LdaStats") -> None:
        if (other.num_classes, other.dim) != (self.num_classes, self.dim):
            raise MismatchError(f"LDA statistics of {other.num_classes} classes x {other.dim} dims do not add to "
                                f"{self.num_classes} x {self.dim}")
        self.counts += other.counts
        self.sums += other.sums
        self.scatter += other.scatter

    @property
    def total_count(self) -> float:
        return float(self.counts.sum())

    def save(self, path: PathLike) -> None:
        with atomic_write(path, "wb") as f:
            np.savez(f, counts=self.counts, sums=self.sums, scatter=self.scatter)

    @classmethod
    def load(cls, path: PathLike) -> "LdaStats":
        try:
            with np.load(path) as z:
                counts, sums, scatter = z["counts"], z["sums"], z["scatter"]
        except (OSError, ValueError, KeyError) as e:
            raise DataError(f"not LDA statistics: {e}", path=path)
        return cls(len(counts), sums.shape[1], counts, sums, scatter)

    @classmethod
    def sum_files(cls, paths: Iterable[PathLike]) -> "LdaStats":
        return sum_stats_files(cls.load, paths, "LDA")


@dataclass
class LdaResult:
    """The estimate: ``matrix [dim, D]`` (the transform), ``full [D, D]``, ``eigenvalues [D]``."""

    matrix: np.ndarray
    full: np.ndarray
    eigenvalues: np.ndarray


def covariances(stats: LdaStats) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(total mean, total covariance, between-class covariance)`` of the statistics."""
    n = stats.total_count
    if n <= 0:
        raise DataError("LDA statistics have no frames")
    mean = stats.sums.sum(0) / n
    total = stats.scatter / n - np.outer(mean, mean)
    seen = stats.counts > 0
    class_means = stats.sums[seen] / stats.counts[seen, None]
    diff = class_means - mean
    between = (diff * (stats.counts[seen, None] / n)).T @ diff
    return mean, total, between


def estimate_lda(stats: LdaStats, dim: int) -> LdaResult:
    """Kaldi's est-lda: the ``dim`` most discriminative directions, within-class normalised."""
    if not 0 < dim <= stats.dim:
        raise DataError(f"LDA dimension {dim} must be in 1..{stats.dim} (the spliced feature dimension)")
    _, total, between = covariances(stats)
    within = total - between
    try:
        chol = np.linalg.cholesky(within)
    except np.linalg.LinAlgError:
        raise DataError("the within-class covariance is singular: too little data for LDA, or constant feature dimensions")
    inv_chol = np.linalg.inv(chol)
    eigvals, eigvecs = np.linalg.eigh(inv_chol @ between @ inv_chol.T)
    order = np.argsort(eigvals)[::-1]
    full = eigvecs[:, order].T @ inv_chol
    return LdaResult(matrix=full[:dim].copy(), full=full, eigenvalues=eigvals[order])
