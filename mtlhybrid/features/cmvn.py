"""Cepstral mean and variance normalization in Kaldi's layout and semantics.

Stats for a speaker are a float64 ``2 x (dim + 1)`` matrix: row 0 holds the per-dimension
sums and, in its last column, the frame count; row 1 holds the sums of squares (last
column 0). That is what ``compute-cmvn-stats`` writes to ``cmvn.scp`` and what
``apply-cmvn`` reads, so stats can be accumulated over many utterances, added across
jobs, and kept in double precision (sums of squares over hours of speech do not fit
float32's 7 digits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional, Tuple, Union

import numpy as np

from mtlhybrid.utils.errors import DataError, MismatchError

#: Kaldi's variance floor in apply-cmvn.
VAR_FLOOR = 1.0e-20


def init_stats(dim: int) -> np.ndarray:
    return np.zeros((2, dim + 1), dtype=np.float64)


def acc_stats(stats: np.ndarray, feats: np.ndarray, weights: Optional[np.ndarray] = None) -> np.ndarray:
    """Add one utterance's frames (optionally weighted) to ``stats`` in place; returns it."""
    feats = np.asarray(feats, dtype=np.float64)
    dim = stats.shape[1] - 1
    if feats.ndim != 2 or feats.shape[1] != dim:
        raise MismatchError(f"features of dim {feats.shape[-1]} added to CMVN stats of dim {dim}")
    if weights is None:
        stats[0, :dim] += feats.sum(axis=0)
        stats[1, :dim] += (feats * feats).sum(axis=0)
        stats[0, dim] += feats.shape[0]
    else:
        w = np.asarray(weights, dtype=np.float64)
        stats[0, :dim] += w @ feats
        stats[1, :dim] += w @ (feats * feats)
        stats[0, dim] += w.sum()
    return stats


def compute_cmvn_stats(utterances: Iterable[np.ndarray]) -> np.ndarray:
    """Stats over all frames of the given feature matrices (one speaker's utterances)."""
    stats: Optional[np.ndarray] = None
    for feats in utterances:
        if stats is None:
            stats = init_stats(np.asarray(feats).shape[1])
        acc_stats(stats, feats)
    if stats is None:
        raise DataError("no features to compute CMVN stats from")
    return stats


def fake_cmvn_stats(dim: int) -> np.ndarray:
    """Stats that normalize nothing (mean 0, variance 1), as ``compute_cmvn_stats.sh --fake``."""
    stats = init_stats(dim)
    stats[0, dim] = 1.0
    stats[1, :dim] = 1.0
    return stats


def apply_cmvn(feats: np.ndarray, stats: np.ndarray, norm_vars: bool = False) -> np.ndarray:
    """Kaldi's ``apply-cmvn``: subtract the mean, and with ``norm_vars`` divide by the std.

    Returns a new float32 matrix. A count below 1 is an error (as in Kaldi); variances are
    floored at 1e-20.
    """
    stats = np.asarray(stats, dtype=np.float64)
    feats = np.asarray(feats, dtype=np.float32)
    if stats.ndim != 2 or stats.shape[0] not in (1, 2):
        raise MismatchError(f"CMVN stats must be 1 or 2 rows by dim+1 columns, got shape {stats.shape}")
    dim = stats.shape[1] - 1
    if feats.ndim != 2 or feats.shape[1] != dim:
        raise MismatchError(f"dim mismatch: CMVN stats {stats.shape[0]}x{stats.shape[1]}, features {feats.shape}")
    if norm_vars and stats.shape[0] == 1:
        raise MismatchError("variance normalization requested but the stats have no variance row")
    count = stats[0, dim]
    if count < 1.0:
        raise DataError(f"insufficient stats for CMVN: count = {count}")
    mean = stats[0, :dim] / count
    if not norm_vars:
        offset = (-mean).astype(np.float32)
        return feats + offset
    var = stats[1, :dim] / count - mean * mean
    var = np.maximum(var, VAR_FLOOR)
    scale = 1.0 / np.sqrt(var)
    offset = -(mean * scale)
    return feats * scale.astype(np.float32) + offset.astype(np.float32)


def write_stats_ark_scp(ark: Union[str, Path], scp: Union[str, Path], items: Iterable[Tuple[str, np.ndarray]]) -> int:
    """Write stats matrices to an ark/scp pair, both atomically; double (Kaldi ``DM``) as in Kaldi."""
    from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp

    return write_matrices_ark_scp(ark, scp, items, dtype=np.float64)
