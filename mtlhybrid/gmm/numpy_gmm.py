"""GMM scoring and EM statistics in numpy, for the GMM tools that run on the CPU.

Why a second implementation next to the torch one (:mod:`.diag_gmm`, :mod:`.accumulate`):
importing torch costs about 3 CPU seconds per process, and a training iteration starts
``nj`` accumulation jobs (plus ``nj`` likelihood jobs when it realigns), each of which
does well under a second of arithmetic on recipe-sized splits. On the CPU the kernels are
the same dense products either way (numpy's matmul is BLAS), so gmm_acc_stats_ali and
gmm_compute_likes use these when ``--device cpu`` and keep torch for ``--device cuda``.

The arrays follow the packed layout of :class:`~mtlhybrid.gmm.diag_gmm.AmDiagGmm`
(``[P, G(, D)]``, ``num_gauss_per_pdf[p]`` valid slots at the front of row ``p``) and the
arithmetic follows it step by step (float32 scores, float64 statistics), so results agree
with the torch code to float rounding; ``tests/test_gmm_numpy.py`` asserts that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Mapping, Optional, Tuple

import numpy as np

from mtlhybrid.utils.errors import DataError, MismatchError

_LOG_2PI = math.log(2.0 * math.pi)

#: at most this many [frame, Gaussian] scores are held at once (as diag_gmm.MAX_SCORES_PER_CHUNK)
MAX_SCORES_PER_CHUNK = 1 << 25
DEFAULT_CHUNK = 4096
ACC_CHUNK = 2048


def _logsumexp(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(sum(exp(a))) over ``axis``; rows of only -inf give -inf (no warnings)."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(a.dtype, copy=False)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(a - m), axis=axis))
    return s + np.squeeze(m, axis=axis)


@dataclass
class NumpyAmDiagGmm:
    """The packed parameters of an acoustic model as numpy arrays (see the module docstring)."""

    weights: np.ndarray  # [P, G]
    means: np.ndarray  # [P, G, D]
    variances: np.ndarray  # [P, G, D]
    num_gauss_per_pdf: np.ndarray  # [P] int64

    def __post_init__(self):
        self.num_gauss_per_pdf = np.asarray(self.num_gauss_per_pdf, dtype=np.int64)
        if (self.means.ndim != 3 or self.variances.shape != self.means.shape
                or self.weights.shape != self.means.shape[:2] or self.num_gauss_per_pdf.shape != self.means.shape[:1]):
            raise MismatchError(f"GMM arrays disagree: weights {self.weights.shape}, means {self.means.shape}, "
                                f"variances {self.variances.shape}, counts {self.num_gauss_per_pdf.shape}")
        self._natural: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]] = None
        self._buckets = None

    @classmethod
    def from_dict(cls, d: Mapping) -> "NumpyAmDiagGmm":
        """From the ``acoustic_model`` dict of a model file (:func:`mtlhybrid.hmm.model_file.load_model`)."""
        if d.get("format") != "mtlhybrid.am-diag-gmm":
            raise DataError(f"not an mtlhybrid.am-diag-gmm dict (format={d.get('format')!r})")
        w = np.asarray(d["weights"], dtype=np.float32)
        m = np.asarray(d["means"], dtype=np.float32)
        v = np.asarray(d["variances"], dtype=np.float32)
        return cls(w, m, v, np.asarray(d["num_gauss_per_pdf"], dtype=np.int64))

    def to_dict(self) -> dict:
        """The model file's ``acoustic_model`` dict (as AmDiagGmm.to_dict, numpy arrays)."""
        return model_dict(self)

    @property
    def num_pdfs(self) -> int:
        return int(self.means.shape[0])

    @property
    def max_gauss(self) -> int:
        return int(self.means.shape[1])

    @property
    def dim(self) -> int:
        return int(self.means.shape[2])

    @property
    def total_gauss(self) -> int:
        return int(self.num_gauss_per_pdf.sum())

    @property
    def valid(self) -> np.ndarray:
        return np.arange(self.max_gauss)[None, :] < self.num_gauss_per_pdf[:, None]

    def natural_parameters(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(gconsts [P, G], means_invvars [P, G, D], inv_vars [P, G, D])`` in float32, as diag_gmm._natural."""
        if self._natural is None:
            valid = self.valid
            w, m = self.weights, self.means
            v = np.where(valid[..., None], self.variances, np.float32(1.0))
            inv_vars = (np.float32(1.0) / v).astype(np.float32)
            means_invvars = (m * inv_vars).astype(np.float32)
            with np.errstate(divide="ignore"):
                logw = np.log(w)
            gconsts = logw - np.float32(0.5) * (np.float32(self.dim * _LOG_2PI) + np.log(v).sum(-1)
                                                 + (m * means_invvars).sum(-1))
            gconsts = np.where(valid & (w > 0), gconsts, -np.inf).astype(np.float32)
            self._natural = (gconsts, means_invvars, inv_vars)
        return self._natural

    def _width_buckets(self) -> List[Tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]]:
        """Pdfs grouped by Gaussian count, as AmDiagGmm._width_buckets (padding cut to a few per cent)."""
        if self._buckets is None:
            gc, mi, iv = self.natural_parameters()
            counts = self.num_gauss_per_pdf
            groups: List[List[int]] = []
            start = None
            for w in sorted(set(int(c) for c in counts)):
                if start is None or w > max(start * 1.3, start + 2):
                    groups.append([w])
                    start = w
                else:
                    groups[-1].append(w)
            D = self.dim
            self._buckets = []
            for g in groups:
                lo, hi = g[0], g[-1]
                pdfs = np.nonzero((counts >= lo) & (counts <= hi))[0]
                self._buckets.append((
                    pdfs, hi,
                    np.ascontiguousarray(gc[pdfs, :hi]),
                    np.ascontiguousarray(mi[pdfs, :hi].reshape(-1, D).T),
                    np.ascontiguousarray((np.float32(-0.5) * iv[pdfs, :hi]).reshape(-1, D).T),
                ))
        return self._buckets

    def log_likelihoods(self, feats: np.ndarray, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
        """Log-likelihood of every frame under every pdf, ``[T, P]`` float32 (gmm-compute-likes)."""
        x_all = np.asarray(feats, dtype=np.float32)
        if x_all.ndim != 2 or x_all.shape[1] != self.dim:
            raise MismatchError(f"features have shape {x_all.shape}, the model expects dimension {self.dim}")
        T = x_all.shape[0]
        out = np.empty((T, self.num_pdfs), dtype=np.float32)
        chunk = max(1, min(chunk, MAX_SCORES_PER_CHUNK // max(1, self.total_gauss)))
        buckets = self._width_buckets()
        for s in range(0, T, chunk):
            x = x_all[s:s + chunk]
            x2 = x * x
            for pdfs, width, gc, mi_t, iv_t in buckets:
                lin = (x2 @ iv_t + x @ mi_t).reshape(x.shape[0], -1, width) + gc[None]
                out[s:s + chunk, pdfs] = _logsumexp(lin, -1)
        return out

    def component_log_likelihoods(self, x: np.ndarray, pdfs: np.ndarray) -> np.ndarray:
        """``log w + log N`` of the Gaussians of each frame's own pdf, ``[T, G]`` float32 (padding -inf)."""
        gc, mi, iv = self.natural_parameters()
        x = np.asarray(x, dtype=np.float32)
        return (gc[pdfs] + np.einsum("td,tgd->tg", x, mi[pdfs])
                - np.float32(0.5) * np.einsum("td,tgd->tg", x * x, iv[pdfs]))


def _pack_pays(am: NumpyAmDiagGmm) -> bool:
    """As accumulate._pack_pays: skip padding slots only when there are many of them."""
    return am.max_gauss >= 8 and float(am.num_gauss_per_pdf.astype(np.float32).mean()) < 0.75 * am.max_gauss


@dataclass
class NumpyGmmAccs:
    """EM statistics ``occ [P, G]``, ``mean_acc [P, G, D]``, ``var_acc [P, G, D]`` (float64), as AccumAmDiagGmm."""

    occ: np.ndarray
    mean_acc: np.ndarray
    var_acc: np.ndarray
    total_log_like: float = 0.0
    total_frames: float = 0.0

    @classmethod
    def for_model(cls, am: NumpyAmDiagGmm) -> "NumpyGmmAccs":
        P, G, D = am.means.shape
        return cls(np.zeros((P, G)), np.zeros((P, G, D)), np.zeros((P, G, D)))

    def avg_log_like(self) -> float:
        return self.total_log_like / self.total_frames if self.total_frames > 0 else float("nan")

    def accumulate(self, am: NumpyAmDiagGmm, feats: np.ndarray, pdf_ali: np.ndarray, chunk: int = ACC_CHUNK) -> float:
        """Add the statistics of ``feats [T, D]`` aligned to pdfs ``pdf_ali [T]``; returns their log-likelihood."""
        P, G, D = self.mean_acc.shape
        if (am.num_pdfs, am.max_gauss, am.dim) != (P, G, D):
            raise MismatchError(f"accumulators are for (pdfs, max_gauss, dim) = {(P, G, D)}, "
                                f"the model has {(am.num_pdfs, am.max_gauss, am.dim)}")
        x_all = np.asarray(feats, dtype=np.float32)
        p_all = np.asarray(pdf_ali, dtype=np.int64)
        if x_all.ndim != 2 or x_all.shape[1] != D:
            raise MismatchError(f"features have shape {x_all.shape}, the model expects dimension {D}")
        if p_all.shape != x_all.shape[:1]:
            raise MismatchError(f"{x_all.shape[0]} feature frames but {p_all.size} alignment entries")
        if p_all.size and (int(p_all.min()) < 0 or int(p_all.max()) >= P):
            raise MismatchError(f"pdf ids outside [0, {P}) in the alignment")
        ng = am.num_gauss_per_pdf
        slots = np.arange(G)
        packed = _pack_pays(am)
        n_bins = P * G
        occ, macc, vacc = self.occ.reshape(-1), self.mean_acc.reshape(-1, D), self.var_acc.reshape(-1, D)
        total = 0.0
        for s in range(0, x_all.shape[0], chunk):
            x, pdfs = x_all[s:s + chunk], p_all[s:s + chunk]
            ll = am.component_log_likelihoods(x, pdfs).astype(np.float64)
            frame_ll = _logsumexp(ll, -1)
            total += float(frame_ll.sum())
            if packed:
                rows, gs = np.nonzero(slots[None, :] < ng[pdfs][:, None])
                post = np.exp(ll[rows, gs] - frame_ll[rows])
                flat = pdfs[rows] * G + gs
                x64 = x.astype(np.float64)[rows]
            else:
                post = np.exp(ll - frame_ll[:, None]).reshape(-1)
                flat = (pdfs[:, None] * G + slots[None, :]).reshape(-1)
                x64 = np.repeat(x.astype(np.float64), G, axis=0)
            px = post[:, None] * x64
            pxx = px * x64
            occ += np.bincount(flat, weights=post, minlength=n_bins)
            # A sort by bin and one segment sum per statistic: as np.add.at, far faster.
            order = np.argsort(flat, kind="stable")
            fs = flat[order]
            starts = np.flatnonzero(np.r_[True, fs[1:] != fs[:-1]])
            bins = fs[starts]
            macc[bins] += np.add.reduceat(px[order], starts, axis=0)
            vacc[bins] += np.add.reduceat(pxx[order], starts, axis=0)
        self.total_log_like += total
        self.total_frames += float(x_all.shape[0])
        return total


# ---- M-step and mixing up (gmm-est), as mle.mle_update and mixup.split_to_total ----------------


def _with_params(am: NumpyAmDiagGmm, weights, means, variances, counts) -> NumpyAmDiagGmm:
    """A float32 model from packed float64 parameters, padding cleared and unused columns dropped."""
    counts = np.asarray(counts, dtype=np.int64)
    g = max(1, int(counts.max()))
    valid = np.arange(weights.shape[1])[None, :] < counts[:, None]
    w = np.where(valid, weights, 0.0)[:, :g]
    m = np.where(valid[..., None], means, 0.0)[:, :g]
    v = np.where(valid[..., None], variances, 1.0)[:, :g]
    return NumpyAmDiagGmm(np.ascontiguousarray(w, dtype=np.float32), np.ascontiguousarray(m, dtype=np.float32),
                          np.ascontiguousarray(v, dtype=np.float32), counts)


def model_dict(am: NumpyAmDiagGmm) -> dict:
    """The ``acoustic_model`` dict of a model file, as AmDiagGmm.to_dict writes it (arrays, not tensors)."""
    return {"format": "mtlhybrid.am-diag-gmm", "version": 1, "num_pdfs": am.num_pdfs, "dim": am.dim,
            "num_gauss_per_pdf": am.num_gauss_per_pdf.astype(np.int64), "weights": am.weights.astype(np.float32),
            "means": am.means.astype(np.float32), "variances": am.variances.astype(np.float32)}


def auxiliary_objective(am: NumpyAmDiagGmm, accs: NumpyGmmAccs, weights=None, means=None, variances=None) -> float:
    """EM's auxiliary function in float64 (mle.auxiliary_objective)."""
    w = np.asarray(am.weights if weights is None else weights, dtype=np.float64)
    m = np.asarray(am.means if means is None else means, dtype=np.float64)
    v = np.asarray(am.variances if variances is None else variances, dtype=np.float64)
    vmask = am.valid
    valid = vmask & (accs.occ > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iv = 1.0 / v
        mi = m * iv
        gc = np.log(w) - 0.5 * (am.dim * _LOG_2PI + np.log(v).sum(-1) + (m * mi).sum(-1))
        gc = np.where(vmask & (w > 0), gc, -np.inf)
        gc = np.where(valid, gc, 0.0)
        per_g = accs.occ * gc + (accs.mean_acc * mi).sum(-1) - 0.5 * (accs.var_acc * iv).sum(-1)
    return float(np.where(valid, per_g, 0.0).sum())


def mle_update(am: NumpyAmDiagGmm, accs: NumpyGmmAccs, opts=None):
    """Re-estimate ``am`` from ``accs`` (Kaldi's gmm-est, as :func:`mtlhybrid.gmm.mle.mle_update`).

    Returns ``(new model, MleStats)``; the semantics, flooring, removal and log lines are
    those of the torch version, which the tests compare this with.
    """
    from mtlhybrid.gmm.mle_options import MleOptions, MleStats, log_update
    from mtlhybrid.utils.log import get_logger

    logger = get_logger("mtlhybrid.gmm.mle")
    opts = opts or MleOptions()
    P, G, D = am.means.shape
    if accs.occ.shape != (P, G) or accs.mean_acc.shape != (P, G, D):
        raise MismatchError(f"model (pdfs, max_gauss, dim) = {(P, G, D)} but accumulators {accs.mean_acc.shape}: "
                            "statistics from another model?")
    occ, macc, vacc = accs.occ, accs.mean_acc, accs.var_acc
    valid = am.valid
    n_per_pdf = am.num_gauss_per_pdf
    objf_before = auxiliary_objective(am, accs)

    occ_sum = (occ * valid).sum(1, keepdims=True)
    prob = np.where(occ_sum > 0, occ / np.maximum(occ_sum, 1e-300), 1.0 / n_per_pdf[:, None].astype(np.float64))
    ok = valid & (occ > opts.min_gaussian_occupancy) & (prob > opts.min_gaussian_weight)
    low = valid & ~ok

    floor = np.full(D, float(opts.min_variance))
    n = float(occ.sum())
    if n > 0 and opts.variance_floor_fraction > 0:
        gmean = macc.sum((0, 1)) / n
        gvar = vacc.sum((0, 1)) / n - gmean * gmean
        floor = np.maximum(floor, opts.variance_floor_fraction * gvar)

    safe_occ = np.where(ok, occ, 1.0)[..., None]
    new_mean = macc / safe_occ
    new_var = vacc / safe_occ - new_mean * new_mean
    floored = (new_var < floor) & ok[..., None]
    new_var = np.maximum(new_var, floor)

    means = np.where(ok[..., None], new_mean, am.means.astype(np.float64))
    variances = np.where(ok[..., None], new_var, am.variances.astype(np.float64))
    weights = np.where(ok, prob, np.where(valid, np.maximum(prob, opts.min_gaussian_weight), 0.0))

    if opts.remove_low_count_gaussians:  # all low-count Gaussians go, but a pdf keeps its last one
        all_low = low.sum(1) == n_per_pdf
        idx = np.broadcast_to(np.arange(G)[None, :], low.shape)
        last_idx = np.where(low, idx, -1).max(1)
        last_low = np.zeros_like(low)
        rows = np.nonzero(all_low)[0]
        last_low[rows, last_idx[rows]] = True
        remove = low & ~last_low
    else:
        remove = np.zeros_like(low)
    kept_low = low & ~remove

    objf_after = auxiliary_objective(am, accs, weights, means, variances)

    keep = valid & ~remove
    order = np.argsort((~keep).astype(np.int8), axis=1, kind="stable")
    weights = np.take_along_axis(weights * keep, order, 1)
    means = np.take_along_axis(means, order[..., None], 1)
    variances = np.take_along_axis(variances, order[..., None], 1)
    new_counts = keep.sum(1)
    weights = weights / weights.sum(1, keepdims=True)
    new_am = _with_params(am, weights, means, variances, new_counts)

    stats = MleStats(objf_before=objf_before, objf_after=objf_after, count=float(occ.sum()),
                     floored_elements=int(floored.sum()), floored_gaussians=int(floored.any(-1).sum()),
                     removed_gaussians=int(remove.sum()), kept_low_count_gaussians=int(kept_low.sum()))
    log_update(logger, stats, opts, new_am.total_gauss)
    return new_am, stats


def split_to_total(am: NumpyAmDiagGmm, occs_per_pdf, target_total_gauss: int, power: float = 0.2,
                   perturb_factor: float = 0.01, min_count: float = 20.0,
                   rng: Optional[np.random.Generator] = None) -> NumpyAmDiagGmm:
    """Mix up toward ``target_total_gauss`` (gmm-mixup), as :func:`mtlhybrid.gmm.mixup.split_to_total`.

    The same targets and the same splits (heaviest component halved, the two means moved
    apart along a random direction); only the random numbers come from numpy's generator
    ``rng``, so the perturbation differs from the torch version's.
    """
    from mtlhybrid.gmm.mixup import get_split_targets
    from mtlhybrid.utils.log import get_logger

    rng = rng if rng is not None else np.random.default_rng(0)
    occs = np.asarray(occs_per_pdf, dtype=np.float64)
    if occs.size != am.num_pdfs:
        raise MismatchError(f"{occs.size} occupancies for {am.num_pdfs} pdfs")
    before = am.total_gauss
    counts = am.num_gauss_per_pdf.copy()
    targets = np.maximum(np.asarray(get_split_targets(occs.tolist(), target_total_gauss, power, min_count),
                                    dtype=np.int64), counts)
    new_g = int(targets.max())
    P, G, D = am.means.shape
    w = np.zeros((P, new_g), dtype=np.float32)
    m = np.zeros((P, new_g, D), dtype=np.float32)
    v = np.ones((P, new_g, D), dtype=np.float32)
    w[:, :G], m[:, :G], v[:, :G] = am.weights, am.means, am.variances
    slots = np.arange(new_g)[None, :]
    while True:
        need = counts < targets
        if not need.any():
            break
        rows = np.nonzero(need)[0]
        cur = counts[rows]
        wr = np.where(slots < cur[:, None], w[rows], np.float32(-1.0))
        src = wr.argmax(1)
        half = w[rows, src] / 2
        w[rows, src] = half
        w[rows, cur] = half
        std = np.sqrt(v[rows, src])
        delta = np.float32(perturb_factor) * rng.standard_normal((rows.size, D)).astype(np.float32) * std
        mean = m[rows, src]
        m[rows, cur] = mean + delta
        m[rows, src] = mean - delta
        v[rows, cur] = v[rows, src]
        counts[rows] += 1
    new_am = _with_params(am, w, m, v, counts)
    get_logger("mtlhybrid.gmm.mixup").info(
        "split %d pdfs with target %d, power %g, perturb %g, min_count %g: #Gauss %d -> %d",
        P, target_total_gauss, power, perturb_factor, min_count, before, new_am.total_gauss)
    return new_am
