"""Initial GMM of a new tree, from the tree statistics it was built on (Kaldi's gmm-init-model).

Every leaf of the tree (a pdf) pools the single-Gaussian statistics of the contexts that
map to it, so a triphone system starts from one Gaussian per senone estimated from the
monophone alignments, before mixing up. A leaf that saw no data (possible when a shared
root is split by pdf class only) starts at the global mean and variance, logged.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from mtlhybrid.gmm.numpy_gmm import NumpyAmDiagGmm
from mtlhybrid.hmm.tree import ContextDependency
from mtlhybrid.hmm.tree_stats import TreeStats
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)


def init_gmm_from_tree_stats(
    tree: ContextDependency, stats: TreeStats, min_variance: float = 1e-3
) -> Tuple[NumpyAmDiagGmm, np.ndarray]:
    """One Gaussian per pdf of ``tree`` from pooled ``stats``; returns the model and per-pdf counts.

    The model is numpy (no torch import in gmm_init_model); ``AmDiagGmm.from_dict(am.to_dict())``
    gives the torch one.
    """
    events, keys, counts, sums, sumsqs = stats.arrays()
    num_pdfs, dim = tree.num_pdfs, int(stats.dim or 0)
    pdf_of = np.array([tree.compute(window, pdf_class) for window, pdf_class in events], dtype=np.int64)
    occ = np.bincount(pdf_of, weights=counts, minlength=num_pdfs)
    pdf_sum = np.zeros((num_pdfs, dim))
    pdf_sumsq = np.zeros((num_pdfs, dim))
    np.add.at(pdf_sum, pdf_of, sums)
    np.add.at(pdf_sumsq, pdf_of, sumsqs)
    total = counts.sum()
    global_mean = sums.sum(0) / total
    global_var = np.maximum(sumsqs.sum(0) / total - global_mean**2, min_variance)
    means = np.tile(global_mean, (num_pdfs, 1))
    variances = np.tile(global_var, (num_pdfs, 1))
    seen = occ > 0
    means[seen] = pdf_sum[seen] / occ[seen, None]
    variances[seen] = np.maximum(pdf_sumsq[seen] / occ[seen, None] - means[seen] ** 2, min_variance)
    if (~seen).any():
        logger.warning("%d of %d pdfs have no tree statistics and start at the global mean and variance", int((~seen).sum()), num_pdfs)
    am = NumpyAmDiagGmm(
        np.ones((num_pdfs, 1), dtype=np.float32),
        means.astype(np.float32)[:, None, :],
        variances.astype(np.float32)[:, None, :],
        np.ones(num_pdfs, dtype=np.int64),
    )
    logger.info("initialised %d single-Gaussian pdfs of dimension %d from %.0f frames of tree statistics", num_pdfs, dim, total)
    return am, occ
