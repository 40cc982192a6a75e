"""Maximum-likelihood (M-step) update of an acoustic model from its EM statistics, for all pdfs at once.

Semantics follow Kaldi's gmm-est: a Gaussian is re-estimated only when its occupancy
exceeds ``min_gaussian_occupancy`` and its share of the pdf's occupancy exceeds
``min_gaussian_weight``; otherwise it is removed (never the last remaining one of a pdf)
or, with ``remove_low_count_gaussians=False``, kept unchanged. Variances are floored per
dimension at ``max(min_variance, variance_floor_fraction * global variance)``, where the
global variance comes from the same statistics, so the floor follows the feature scale.
The objective reported is EM's auxiliary function (Kaldi's "objective function
improvement"), which never decreases without flooring or removal.

One deviation from Kaldi, on purpose: weights are renormalised in every pdf after the
update, so each mixture's weights always sum to one.
"""

from __future__ import annotations

from typing import Optional

import torch

from mtlhybrid.gmm.accumulate import AccumAmDiagGmm
from mtlhybrid.gmm.diag_gmm import AmDiagGmm, _natural
from mtlhybrid.gmm.mle_options import MleOptions, MleStats, log_update  # noqa: F401 (defined there without torch)
from mtlhybrid.utils.errors import MismatchError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)


def auxiliary_objective(am: AmDiagGmm, accs: AccumAmDiagGmm, weights=None, means=None, variances=None) -> float:
    """EM's auxiliary function sum_g [occ_g log w_g + sum_t gamma_tg log N(x_t; g)] in float64.

    With the model's own parameters by default, or with the given packed tensors.
    """
    w = (am.weights if weights is None else weights).to(torch.float64)
    m = (am.means if means is None else means).to(torch.float64)
    v = (am.variances if variances is None else variances).to(torch.float64)
    valid = am.valid & (accs.occ > 0)
    gc, mi, iv = _natural(w, m, v, am.valid)
    gc = torch.where(valid, gc, torch.zeros_like(gc))
    per_g = accs.occ * gc + (accs.mean_acc * mi).sum(-1) - 0.5 * (accs.var_acc * iv).sum(-1)
    return float(torch.where(valid, per_g, torch.zeros_like(per_g)).sum())


def global_variance(accs: AccumAmDiagGmm) -> Optional[torch.Tensor]:
    """Variance of all the data the statistics saw ``[D]`` (None when there was none)."""
    n = float(accs.occ.sum())
    if n <= 0:
        return None
    mean = accs.mean_acc.sum((0, 1)) / n
    return accs.var_acc.sum((0, 1)) / n - mean * mean


def mle_update(am: AmDiagGmm, accs: AccumAmDiagGmm, opts: Optional[MleOptions] = None, **kwargs) -> MleStats:
    """Re-estimate ``am`` in place from ``accs``; returns an :class:`MleStats`.

    Keyword arguments override fields of ``opts`` (``mle_update(am, accs, min_gaussian_occupancy=3)``).
    """
    opts = opts or MleOptions()
    if kwargs:
        opts = MleOptions(**{**opts.to_dict(), **kwargs})
    if (am.num_pdfs, am.max_gauss, am.dim) != (accs.num_pdfs, accs.max_gauss, accs.dim):
        raise MismatchError(
            f"model (pdfs, max_gauss, dim) = {(am.num_pdfs, am.max_gauss, am.dim)} but accumulators "
            f"{(accs.num_pdfs, accs.max_gauss, accs.dim)}: statistics from another model?"
        )
    dev = am.device
    accs_dev = accs if accs.device == dev else AccumAmDiagGmm.from_dict(accs.to_dict(), device=dev)
    occ, macc, vacc = accs_dev.occ, accs_dev.mean_acc, accs_dev.var_acc
    valid = am.valid
    n_per_pdf = am.num_gauss_per_pdf
    objf_before = auxiliary_objective(am, accs_dev)

    occ_sum = (occ * valid).sum(1, keepdim=True)
    prob = torch.where(occ_sum > 0, occ / occ_sum.clamp_min(1e-300), 1.0 / n_per_pdf[:, None].to(torch.float64))
    ok = valid & (occ > opts.min_gaussian_occupancy) & (prob > opts.min_gaussian_weight)
    low = valid & ~ok

    # Variance floor from the global variance of these statistics.
    gvar = global_variance(accs_dev)
    floor = torch.full((am.dim,), float(opts.min_variance), dtype=torch.float64, device=dev)
    if gvar is not None and opts.variance_floor_fraction > 0:
        floor = torch.maximum(floor, opts.variance_floor_fraction * gvar)

    safe_occ = torch.where(ok, occ, torch.ones_like(occ))[..., None]
    new_mean = macc / safe_occ
    new_var = vacc / safe_occ - new_mean * new_mean
    floored = (new_var < floor) & ok[..., None]
    new_var = torch.maximum(new_var, floor)

    old_w = am.weights.to(torch.float64)
    old_m = am.means.to(torch.float64)
    old_v = am.variances.to(torch.float64)
    means = torch.where(ok[..., None], new_mean, old_m)
    variances = torch.where(ok[..., None], new_var, old_v)
    weights = torch.where(ok, prob, torch.where(valid, prob.clamp_min(opts.min_gaussian_weight), torch.zeros_like(prob)))

    # Which low-count Gaussians go: all of them, except the last one of a pdf where every
    # Gaussian is low (a pdf keeps at least one).
    if opts.remove_low_count_gaussians:
        n_low = low.sum(1)
        all_low = n_low == n_per_pdf
        last_low = torch.zeros_like(low)
        # index of the last low Gaussian in each row
        idx = torch.arange(am.max_gauss, device=dev)[None, :].expand_as(low)
        last_idx = torch.where(low, idx, torch.full_like(idx, -1)).max(1).values
        rows = torch.nonzero(all_low).flatten()
        last_low[rows, last_idx[rows]] = True
        remove = low & ~last_low
    else:
        remove = torch.zeros_like(low)
    kept_low = low & ~remove

    objf_after = auxiliary_objective(am, accs_dev, weights, means, variances)

    keep = valid & ~remove
    # Compact each row: kept Gaussians first, in their original order.
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)
    weights = torch.gather(weights * keep, 1, order)
    means = torch.gather(means, 1, order[..., None].expand_as(means))
    variances = torch.gather(variances, 1, order[..., None].expand_as(variances))
    new_counts = keep.sum(1)
    weights = weights / weights.sum(1, keepdim=True)
    dtype = am.dtype
    am.set_parameters(weights.to(dtype), means.to(dtype), variances.to(dtype), new_counts)
    am.compact()

    stats = MleStats(
        objf_before=objf_before,
        objf_after=objf_after,
        count=float(occ.sum()),
        floored_elements=int(floored.sum()),
        floored_gaussians=int(floored.any(-1).sum()),
        removed_gaussians=int(remove.sum()),
        kept_low_count_gaussians=int(kept_low.sum()),
    )
    log_update(logger, stats, opts, am.total_gauss)
    return stats
