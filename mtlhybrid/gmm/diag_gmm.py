"""Diagonal-covariance Gaussian mixtures on torch tensors: one mixture, and one per pdf.

Storage choice for :class:`AmDiagGmm`: the Gaussians of all pdfs are *packed* into
``[num_pdfs, max_gauss, dim]`` tensors, with ``num_gauss[p]`` valid components at the
front of row ``p`` and padding behind them (weight 0, mean 0, variance 1, log-weight
``-inf``). Why packed rather than a flat list with a pdf index:

* scoring every pdf is one matrix product ``[T, D] x [D, P*G]`` followed by a reshape to
  ``[T, P, G]`` and a ``logsumexp`` over the last axis; a flat list would need a ragged
  (segment) log-sum-exp;
* EM on alignments needs, per frame, only the Gaussians of *its* pdf: with packing that is
  a plain gather ``means[pdf_ali] -> [T, G, D]`` and the statistics go back with one
  ``index_add_`` over ``pdf * G + g``; no per-frame Python loop and no ragged indexing.

The price is padding: memory grows with ``max_gauss / mean_gauss``, which Kaldi's split
rule (targets proportional to occupancy^0.2) keeps small, typically below 3.

Likelihoods use Kaldi's natural parameters, cached and recomputed after any change:
``inv_vars = 1/var``, ``means_invvars = mean/var`` and
``gconsts = log w - 0.5 * (D log 2pi + sum log var + sum mean^2/var)``, so that
``log N(x) + log w = gconst + x.means_invvars - 0.5 x^2.inv_vars``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

import torch

from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

FORMAT = "mtlhybrid.am-diag-gmm"
VERSION = 1

#: default number of frames scored at once
DEFAULT_CHUNK = 4096
#: at most this many [frame, pdf, Gaussian] scores are held at once (128 MiB of float32)
MAX_SCORES_PER_CHUNK = 1 << 25

_LOG_2PI = math.log(2.0 * math.pi)


def _natural(weights: torch.Tensor, means: torch.Tensor, variances: torch.Tensor, valid: torch.Tensor):
    """(gconsts, means_invvars, inv_vars) from weights [..., G], means/vars [..., G, D]; invalid slots get -inf gconst."""
    inv_vars = 1.0 / variances
    means_invvars = means * inv_vars
    dim = means.shape[-1]
    with torch.no_grad():
        logw = torch.log(weights)  # -inf for zero weights; masked below anyway
        gconsts = logw - 0.5 * (dim * _LOG_2PI + torch.log(variances).sum(-1) + (means * means_invvars).sum(-1))
        gconsts = torch.where(valid & (weights > 0), gconsts, torch.full_like(gconsts, -math.inf))
    return gconsts, means_invvars, inv_vars


@dataclass
class DiagGmm:
    """One diagonal-covariance mixture: ``weights [G]``, ``means [G, D]``, ``variances [G, D]``.

    Used on its own (a UBM, a test) and as the per-pdf view of :class:`AmDiagGmm`.
    """

    weights: torch.Tensor
    means: torch.Tensor
    variances: torch.Tensor

    def __post_init__(self):
        if self.means.dim() != 2 or self.variances.shape != self.means.shape or self.weights.shape != self.means.shape[:1]:
            raise MismatchError(
                f"DiagGmm shapes disagree: weights {tuple(self.weights.shape)}, means {tuple(self.means.shape)}, "
                f"variances {tuple(self.variances.shape)}"
            )

    @property
    def num_gauss(self) -> int:
        return int(self.means.shape[0])

    @property
    def dim(self) -> int:
        return int(self.means.shape[1])

    def component_log_likelihoods(self, feats: torch.Tensor) -> torch.Tensor:
        """``log w_g + log N(x_t; mu_g, var_g)`` as ``[T, G]``."""
        gc, mi, iv = _natural(self.weights, self.means, self.variances, torch.ones_like(self.weights, dtype=torch.bool))
        x = feats.to(self.means.dtype)
        return gc + x @ mi.T - 0.5 * (x * x) @ iv.T

    def log_likelihood(self, feats: torch.Tensor) -> torch.Tensor:
        """Per-frame mixture log-likelihood ``[T]``."""
        return torch.logsumexp(self.component_log_likelihoods(feats), dim=-1)

    def component_posteriors(self, feats: torch.Tensor) -> torch.Tensor:
        """Per-frame posteriors of the components ``[T, G]`` (rows sum to 1)."""
        return torch.softmax(self.component_log_likelihoods(feats), dim=-1)

    def to(self, device=None, dtype=None) -> "DiagGmm":
        return DiagGmm(*(t.to(device=device, dtype=dtype) for t in (self.weights, self.means, self.variances)))

    def to_dict(self) -> dict:
        return {"weights": self.weights.detach().cpu(), "means": self.means.detach().cpu(), "variances": self.variances.detach().cpu()}

    @classmethod
    def from_dict(cls, d: dict) -> "DiagGmm":
        return cls(torch.as_tensor(d["weights"]), torch.as_tensor(d["means"]), torch.as_tensor(d["variances"]))


class AmDiagGmm:
    """The acoustic model of a GMM-HMM system: one :class:`DiagGmm` per pdf (senone), packed.

    Tensors (see the module docstring for the layout):
    ``weights [P, G]``, ``means [P, G, D]``, ``variances [P, G, D]``, ``num_gauss_per_pdf [P]``
    (int64). All on one device; :meth:`to` moves them. Float32 by default, which is what
    scoring needs; the EM accumulators keep float64 statistics.
    """

    def __init__(self, weights: torch.Tensor, means: torch.Tensor, variances: torch.Tensor, num_gauss_per_pdf: torch.Tensor):
        if means.dim() != 3 or variances.shape != means.shape or weights.shape != means.shape[:2]:
            raise MismatchError(
                f"AmDiagGmm shapes disagree: weights {tuple(weights.shape)}, means {tuple(means.shape)}, "
                f"variances {tuple(variances.shape)}"
            )
        num_gauss_per_pdf = torch.as_tensor(num_gauss_per_pdf, dtype=torch.int64, device=means.device)
        if num_gauss_per_pdf.shape != means.shape[:1]:
            raise MismatchError(f"num_gauss_per_pdf has {num_gauss_per_pdf.numel()} entries for {means.shape[0]} pdfs")
        if means.shape[0] and (int(num_gauss_per_pdf.min()) < 1 or int(num_gauss_per_pdf.max()) > means.shape[1]):
            raise MismatchError("every pdf needs between 1 and max_gauss Gaussians")
        self.weights = weights
        self.means = means
        self.variances = variances
        self.num_gauss_per_pdf = num_gauss_per_pdf
        self._cache = None
        self._buckets = None
        self._clear_padding()

    # ---- construction -------------------------------------------------------------------

    @classmethod
    def from_gmms(cls, gmms: Sequence[DiagGmm], device=None, dtype=torch.float32) -> "AmDiagGmm":
        """Pack a list of mixtures (one per pdf, pdf id = list index)."""
        if not gmms:
            raise MismatchError("an acoustic model needs at least one pdf")
        dim = gmms[0].dim
        for p, g in enumerate(gmms):
            if g.dim != dim:
                raise MismatchError(f"pdf {p} has dimension {g.dim}, pdf 0 has {dim}")
        P, G = len(gmms), max(g.num_gauss for g in gmms)
        w = torch.zeros(P, G, dtype=dtype)
        m = torch.zeros(P, G, dim, dtype=dtype)
        v = torch.ones(P, G, dim, dtype=dtype)
        for p, g in enumerate(gmms):
            n = g.num_gauss
            w[p, :n] = g.weights.detach().cpu().to(dtype)
            m[p, :n] = g.means.detach().cpu().to(dtype)
            v[p, :n] = g.variances.detach().cpu().to(dtype)
        counts = torch.tensor([g.num_gauss for g in gmms], dtype=torch.int64)
        return cls(w, m, v, counts).to(device)

    @classmethod
    def init_from_stats(cls, num_pdfs: int, mean: torch.Tensor, variance: torch.Tensor, dtype=torch.float32) -> "AmDiagGmm":
        """Every pdf one Gaussian with the same (global) mean and variance, as gmm-init-mono does.

        The first EM pass on equally spaced alignments then moves each pdf to its own data.
        """
        mean = torch.as_tensor(mean).to(dtype)
        variance = torch.as_tensor(variance).to(dtype)
        if mean.dim() != 1 or variance.shape != mean.shape:
            raise MismatchError(f"mean {tuple(mean.shape)} and variance {tuple(variance.shape)} must be equal-length vectors")
        if num_pdfs < 1:
            raise MismatchError(f"num_pdfs must be positive, got {num_pdfs}")
        if bool((variance <= 0).any()):
            raise DataError("global variance has non-positive entries (constant feature dimension?)")
        P, D = num_pdfs, mean.numel()
        w = torch.ones(P, 1, dtype=dtype, device=mean.device)
        return cls(w, mean.expand(P, 1, D).clone(), variance.expand(P, 1, D).clone(), torch.ones(P, dtype=torch.int64))

    @classmethod
    def init_single_gaussians(
        cls,
        feats: torch.Tensor,
        pdf_ali: torch.Tensor,
        num_pdfs: int,
        min_variance: float = 1e-3,
        variance_floor_fraction: float = 1e-3,
        dtype=torch.float32,
    ) -> "AmDiagGmm":
        """Each pdf one Gaussian estimated from the frames aligned to it.

        ``feats [N, D]`` and ``pdf_ali [N]`` are all frames of the training data (or a subset)
        concatenated. Pdfs with no frames get the global mean and variance; they are counted
        in the log. Variances are floored at ``max(min_variance, fraction * global variance)``.
        """
        x = torch.as_tensor(feats).to(torch.float64)
        pdf_ali = torch.as_tensor(pdf_ali, device=x.device).long()
        if x.dim() != 2 or pdf_ali.shape != x.shape[:1]:
            raise MismatchError(f"features {tuple(x.shape)} and alignment {tuple(pdf_ali.shape)} disagree in length")
        if x.shape[0] == 0:
            raise DataError("no frames to initialise from")
        if int(pdf_ali.min()) < 0 or int(pdf_ali.max()) >= num_pdfs:
            raise MismatchError(f"alignment has pdf ids outside [0, {num_pdfs})")
        D = x.shape[1]
        occ = torch.zeros(num_pdfs, dtype=torch.float64, device=x.device).index_add_(0, pdf_ali, torch.ones_like(pdf_ali, dtype=torch.float64))
        s1 = torch.zeros(num_pdfs, D, dtype=torch.float64, device=x.device).index_add_(0, pdf_ali, x)
        s2 = torch.zeros(num_pdfs, D, dtype=torch.float64, device=x.device).index_add_(0, pdf_ali, x * x)
        gmean = x.mean(0)
        gvar = (x * x).mean(0) - gmean * gmean
        floor = torch.clamp(variance_floor_fraction * gvar, min=min_variance)
        seen = occ > 0
        safe = occ.clamp_min(1.0)[:, None]
        mean = torch.where(seen[:, None], s1 / safe, gmean)
        var = torch.where(seen[:, None], s2 / safe - mean * mean, gvar)
        var = torch.maximum(var, floor)
        n_empty = int((~seen).sum())
        if n_empty:
            empty = torch.nonzero(~seen).flatten().tolist()
            logger.warning("%d of %d pdfs have no frames; they get the global mean and variance (pdfs %s%s)",
                           n_empty, num_pdfs, empty[:20], " ..." if n_empty > 20 else "")
        P = num_pdfs
        return cls(
            torch.ones(P, 1, dtype=dtype, device=x.device),
            mean[:, None, :].to(dtype),
            var[:, None, :].to(dtype),
            torch.ones(P, dtype=torch.int64),
        )

    # ---- basic properties -----------------------------------------------------------------

    @property
    def num_pdfs(self) -> int:
        return int(self.means.shape[0])

    @property
    def dim(self) -> int:
        return int(self.means.shape[2])

    @property
    def max_gauss(self) -> int:
        return int(self.means.shape[1])

    @property
    def total_gauss(self) -> int:
        return int(self.num_gauss_per_pdf.sum())

    @property
    def device(self) -> torch.device:
        return self.means.device

    @property
    def dtype(self) -> torch.dtype:
        return self.means.dtype

    def num_gauss(self, pdf: int) -> int:
        return int(self.num_gauss_per_pdf[pdf])

    @property
    def valid(self) -> torch.Tensor:
        """``[P, G]`` bool: which slots hold a real Gaussian."""
        return torch.arange(self.max_gauss, device=self.device)[None, :] < self.num_gauss_per_pdf[:, None]

    def get_pdf(self, pdf: int) -> DiagGmm:
        n = self.num_gauss(pdf)
        return DiagGmm(self.weights[pdf, :n].clone(), self.means[pdf, :n].clone(), self.variances[pdf, :n].clone())

    def to(self, device=None, dtype=None) -> "AmDiagGmm":
        """A copy on ``device`` (and ``dtype`` for the parameters)."""
        dtype = dtype or self.dtype
        return AmDiagGmm(
            self.weights.to(device=device, dtype=dtype),
            self.means.to(device=device, dtype=dtype),
            self.variances.to(device=device, dtype=dtype),
            self.num_gauss_per_pdf.to(device=device),
        )

    def copy(self) -> "AmDiagGmm":
        return AmDiagGmm(self.weights.clone(), self.means.clone(), self.variances.clone(), self.num_gauss_per_pdf.clone())

    def __repr__(self) -> str:
        return f"AmDiagGmm(num_pdfs={self.num_pdfs}, dim={self.dim}, total_gauss={self.total_gauss}, max_gauss={self.max_gauss}, device={self.device})"

    # ---- parameter changes ----------------------------------------------------------------

    def set_parameters(self, weights, means, variances, num_gauss_per_pdf) -> None:
        """Replace all parameters (packed layout); invalidates the natural-parameter cache."""
        self.weights, self.means, self.variances = weights, means, variances
        self.num_gauss_per_pdf = torch.as_tensor(num_gauss_per_pdf, dtype=torch.int64, device=means.device)
        self._cache = None
        self._clear_padding()

    def _clear_padding(self) -> None:
        valid = self.valid
        self.weights = torch.where(valid, self.weights, torch.zeros_like(self.weights))
        self.means = torch.where(valid[..., None], self.means, torch.zeros_like(self.means))
        self.variances = torch.where(valid[..., None], self.variances, torch.ones_like(self.variances))
        self._cache = None

    def compact(self) -> None:
        """Drop padding columns beyond the largest mixture (after Gaussians were removed)."""
        g = int(self.num_gauss_per_pdf.max())
        if g < self.max_gauss:
            self.set_parameters(self.weights[:, :g].contiguous(), self.means[:, :g].contiguous(),
                                self.variances[:, :g].contiguous(), self.num_gauss_per_pdf)

    def natural_parameters(self):
        """Cached ``(gconsts [P, G], means_invvars [P, G, D], inv_vars [P, G, D])``."""
        if self._cache is None:
            self._cache = _natural(self.weights, self.means, self.variances, self.valid)
        return self._cache

    # ---- scoring --------------------------------------------------------------------------

    def component_log_likelihoods(self, feats: torch.Tensor, pdfs: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``log w + log N`` of each component: ``[T, P, G]`` for all pdfs, or ``[T, G]`` for ``pdfs[T]``.

        Padding slots are ``-inf``. No chunking here; callers chunk (see :meth:`log_likelihoods`).
        """
        gc, mi, iv = self.natural_parameters()
        x = feats.to(device=self.device, dtype=self.dtype)
        if x.dim() != 2 or x.shape[1] != self.dim:
            raise MismatchError(f"features have shape {tuple(x.shape)}, the model expects dimension {self.dim}")
        x2 = x * x
        if pdfs is None:
            P, G, D = mi.shape
            lin = x @ mi.reshape(P * G, D).T - 0.5 * (x2 @ iv.reshape(P * G, D).T)
            return lin.reshape(-1, P, G) + gc[None]
        pdfs = pdfs.to(self.device).long()
        # [T, G, D] gathers: only the Gaussians of each frame's own pdf.
        return gc[pdfs] + torch.einsum("td,tgd->tg", x, mi[pdfs]) - 0.5 * torch.einsum("td,tgd->tg", x2, iv[pdfs])

    def _width_buckets(self):
        """Pdfs grouped by Gaussian count, each group padded only to its own widest member.

        Scoring every pdf with the full ``[P, max_gauss]`` layout spends most of its
        ``logsumexp`` on padding (Kaldi's split rule gives e.g. 19 slots for 7.6 used on
        average). Grouping pdfs whose counts lie within a factor of about 1.3 keeps the
        dense, contiguous matmul + ``logsumexp`` per group while cutting the padding to a
        few per cent. Cached with the natural parameters.
        """
        if self._buckets is not None and self._buckets[0] is self._cache:
            return self._buckets[1]
        gc, mi, iv = self.natural_parameters()
        counts = self.num_gauss_per_pdf
        widths = sorted(set(int(c) for c in counts.tolist()))
        groups, start = [], None
        for w in widths:  # greedy: a new group when the width grows by more than 30 % (and 2)
            if start is None or w > max(start * 1.3, start + 2):
                groups.append([w])
                start = w
            else:
                groups[-1].append(w)
        buckets = []
        D = self.dim
        for g in groups:
            lo, hi = g[0], g[-1]
            pdfs = torch.nonzero((counts >= lo) & (counts <= hi)).flatten()
            buckets.append((
                pdfs,
                hi,
                gc[pdfs, :hi].contiguous(),
                mi[pdfs, :hi].reshape(-1, D).T.contiguous(),
                (-0.5 * iv[pdfs, :hi]).reshape(-1, D).T.contiguous(),
            ))
        self._buckets = (self._cache, buckets)
        return buckets

    def log_likelihoods(self, feats: torch.Tensor, chunk: int = DEFAULT_CHUNK) -> torch.Tensor:
        """Log-likelihood of every frame under every pdf, ``[T, num_pdfs]``, in ``chunk``-frame pieces.

        Pdfs are scored in groups of similar Gaussian counts (:meth:`_width_buckets`), so
        the work follows the Gaussians actually used, not ``num_pdfs * max_gauss``. The
        chunk shrinks so that one piece holds at most :data:`MAX_SCORES_PER_CHUNK`
        component scores, whatever the model size.
        """
        feats = torch.as_tensor(feats)
        x_all = feats.to(device=self.device, dtype=self.dtype)
        if x_all.dim() != 2 or x_all.shape[1] != self.dim:
            raise MismatchError(f"features have shape {tuple(x_all.shape)}, the model expects dimension {self.dim}")
        T = x_all.shape[0]
        out = torch.empty(T, self.num_pdfs, dtype=self.dtype, device=self.device)
        if T == 0:
            return out
        buckets = self._width_buckets()
        chunk = max(1, min(chunk, MAX_SCORES_PER_CHUNK // max(1, self.total_gauss)))
        for s in range(0, T, chunk):
            x = x_all[s : s + chunk]
            x2 = x * x
            for pdfs, width, gc, mi_t, iv_t in buckets:
                lin = torch.addmm(x2 @ iv_t, x, mi_t).view(x.shape[0], -1, width) + gc[None]
                out[s : s + chunk, pdfs] = torch.logsumexp(lin, dim=-1)
        return out

    def log_likelihoods_of(self, feats: torch.Tensor, pdfs: torch.Tensor, chunk: int = DEFAULT_CHUNK) -> torch.Tensor:
        """Log-likelihood of each frame under its own pdf ``pdfs[t]`` only, ``[T]``."""
        feats = torch.as_tensor(feats)
        pdfs = torch.as_tensor(pdfs)
        out = [torch.logsumexp(self.component_log_likelihoods(feats[s : s + chunk], pdfs[s : s + chunk]), dim=-1)
               for s in range(0, feats.shape[0], chunk)]
        return torch.cat(out, 0) if out else torch.zeros(0, dtype=self.dtype, device=self.device)

    def component_posteriors(self, feats: torch.Tensor, pdfs: torch.Tensor) -> torch.Tensor:
        """Posteriors ``[T, G]`` of the components of each frame's pdf (padding gets 0)."""
        return torch.softmax(self.component_log_likelihoods(torch.as_tensor(feats), torch.as_tensor(pdfs)), dim=-1)

    # ---- serialisation --------------------------------------------------------------------

    def to_dict(self) -> Dict[str, object]:
        """Plain tensors and numbers (CPU), for ``torch.save`` loaded with ``weights_only=True``."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "num_pdfs": self.num_pdfs,
            "dim": self.dim,
            "num_gauss_per_pdf": self.num_gauss_per_pdf.detach().cpu(),
            "weights": self.weights.detach().cpu(),
            "means": self.means.detach().cpu(),
            "variances": self.variances.detach().cpu(),
        }

    @classmethod
    def from_dict(cls, d: dict, device=None) -> "AmDiagGmm":
        if d.get("format") != FORMAT:
            raise DataError(f"not an {FORMAT} dict (format={d.get('format')!r})")
        if int(d.get("version", -1)) > VERSION:
            raise DataError(f"{FORMAT} version {d.get('version')} is newer than this code ({VERSION})")
        am = cls(torch.as_tensor(d["weights"]), torch.as_tensor(d["means"]), torch.as_tensor(d["variances"]),
                 torch.as_tensor(d["num_gauss_per_pdf"]))
        return am.to(device) if device is not None else am
