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
