"""Mixing up: growing an acoustic model toward a total number of Gaussians (gmm-mixup).

How many Gaussians each pdf gets follows Kaldi's rule (SplitByCount / GetSplitTargets):
start from one per pdf and repeatedly give one more to the pdf with the largest
``occupancy^power / num_gauss``, but never so many that a Gaussian would have fewer than
``min_count`` frames. Each pdf then splits its heaviest component in two, halving its
weight and moving the two means apart by ``perturb_factor`` standard deviations along a
random direction, until it reaches its target. The splitting runs as rounds over all
pdfs at once (round ``k`` adds the ``k``-th extra Gaussian to every pdf that needs it).
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, List, Optional, Sequence

from mtlhybrid.utils.errors import MismatchError
from mtlhybrid.utils.log import get_logger

if TYPE_CHECKING:  # torch only where used: get_split_targets serves the numpy tools too
    import torch

    from mtlhybrid.gmm.diag_gmm import AmDiagGmm

logger = get_logger(__name__)


def get_split_targets(occs: Sequence[float], target_total: int, power: float = 0.2, min_count: float = 20.0) -> List[int]:
    """Number of Gaussians per pdf so that the total approaches ``target_total``.

    Pdfs are allotted one at a time to the pdf with the largest ``occ^power / n``; a pdf
    stops receiving when ``(n + 1) * min_count >= occ``. The total can stay below the
    target when ``min_count`` stops every pdf (a warning says so).
    """
    occs = [float(o) for o in occs]
    num_pdfs = len(occs)
    n = [1] * num_pdfs
    scaled = [o ** power if o > 0 else 0.0 for o in occs]
    # max-heap on scaled occupancy per Gaussian; ties broken by the larger pdf id, as a
    # priority queue of (value, ...) pops the largest element.
    heap = [(-s, -p) for p, s in enumerate(scaled) if s > 0]
    heapq.heapify(heap)
    total = num_pdfs
    while total < target_total and heap:
        _, negp = heapq.heappop(heap)
        p = -negp
        if (n[p] + 1) * min_count >= occs[p]:
            continue  # min_count reached: this pdf takes no more
        n[p] += 1
        total += 1
        heapq.heappush(heap, (-scaled[p] / n[p], negp))
    if total < target_total:
        logger.warning("could only reach %d of the %d Gaussians asked for (min_count = %g or no counts)",
                       total, target_total, min_count)
    return n


def split_to_total(
    am: AmDiagGmm,
    occs_per_pdf,
    target_total_gauss: int,
    power: float = 0.2,
    perturb_factor: float = 0.01,
    min_count: float = 20.0,
    generator: Optional[torch.Generator] = None,
) -> int:
    """Split Gaussians in place until ``am`` has (about) ``target_total_gauss``; returns the new total.

    ``occs_per_pdf [P]`` is each pdf's occupancy from the last EM pass
    (:meth:`~mtlhybrid.gmm.accumulate.AccumAmDiagGmm.occs_per_pdf`). Pdfs already at or above
    their target are left alone (this never merges). ``generator`` makes the perturbation
    reproducible; it must live on the model's device.
    """
    import torch

    occs = torch.as_tensor(occs_per_pdf, dtype=torch.float64).cpu()
    if occs.numel() != am.num_pdfs:
        raise MismatchError(f"{occs.numel()} occupancies for {am.num_pdfs} pdfs")
    before = am.total_gauss
    targets = torch.tensor(get_split_targets(occs.tolist(), target_total_gauss, power, min_count), dtype=torch.int64, device=am.device)
    counts = am.num_gauss_per_pdf.clone()
    targets = torch.maximum(targets, counts)
    new_g = int(targets.max())
    P, G, D = am.num_pdfs, am.max_gauss, am.dim
    w = torch.zeros(P, new_g, dtype=am.dtype, device=am.device)
    m = torch.zeros(P, new_g, D, dtype=am.dtype, device=am.device)
    v = torch.ones(P, new_g, D, dtype=am.dtype, device=am.device)
    w[:, :G], m[:, :G], v[:, :G] = am.weights, am.means, am.variances
    rows_all = torch.arange(P, device=am.device)
    slots = torch.arange(new_g, device=am.device)[None, :]
    while True:
        need = counts < targets
        if not bool(need.any()):
            break
        rows = rows_all[need]
        cur = counts[need]
        # heaviest valid component of each row that still needs Gaussians
        wr = torch.where(slots < cur[:, None], w[rows], torch.full_like(w[rows], -1.0))
        src = wr.argmax(1)
        half = w[rows, src] / 2
        w[rows, src] = half
        w[rows, cur] = half
        std = v[rows, src].sqrt()
        r = torch.randn(rows.numel(), D, generator=generator, device=am.device, dtype=am.dtype)
        delta = perturb_factor * r * std
        mean = m[rows, src]
        m[rows, cur] = mean + delta
        m[rows, src] = mean - delta
        v[rows, cur] = v[rows, src]
        counts[need] += 1
    am.set_parameters(w, m, v, counts)
    after = am.total_gauss
    logger.info("split %d pdfs with target %d, power %g, perturb %g, min_count %g: #Gauss %d -> %d",
                P, target_total_gauss, power, perturb_factor, min_count, before, after)
    return after
