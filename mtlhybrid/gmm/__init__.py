"""Diagonal-covariance GMMs and their EM training on torch tensors (CPU or CUDA).

* :mod:`.diag_gmm`: :class:`DiagGmm`, :class:`AmDiagGmm` (one mixture per pdf, packed).
* :mod:`.accumulate`: :class:`AccumAmDiagGmm` (E-step statistics), accumulator files.
* :mod:`.mle`: :func:`mle_update` (M-step with flooring and low-count removal).
* :mod:`.mixup`: :func:`split_to_total` (mixing up toward a total Gaussian count).
"""

from mtlhybrid.gmm.accumulate import AccumAmDiagGmm, load_accs, save_accs, sum_accs
from mtlhybrid.gmm.diag_gmm import AmDiagGmm, DiagGmm
from mtlhybrid.gmm.mixup import get_split_targets, split_to_total
from mtlhybrid.gmm.mle import MleOptions, MleStats, auxiliary_objective, mle_update

__all__ = [
    "AccumAmDiagGmm", "AmDiagGmm", "DiagGmm", "MleOptions", "MleStats", "auxiliary_objective",
    "get_split_targets", "load_accs", "mle_update", "save_accs", "split_to_total", "sum_accs",
]
