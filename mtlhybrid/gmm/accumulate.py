"""EM statistics for an :class:`~mtlhybrid.gmm.diag_gmm.AmDiagGmm`, gathered without per-frame loops.

For each Gaussian ``(p, g)`` we keep the zeroth, first and second order statistics
(occupancy, sum of ``gamma x``, sum of ``gamma x^2``) in float64, in the same packed
``[P, G(, D)]`` layout as the model. One call of :meth:`AccumAmDiagGmm.accumulate` takes
all frames of an utterance (or of a whole job) with their pdf ids: component posteriors
of every frame are computed in one batched operation over its own pdf's Gaussians and
the statistics are added with a single ``index_add_`` over the flattened ``p * G + g``
index. The rows are *packed*: one per (frame, Gaussian that frame's pdf really has),
not ``max_gauss`` per frame, so padding costs nothing (it was most of the work when a
few pdfs have many more Gaussians than the average). Frames are processed in chunks
only to bound memory.

Accumulator files (``N.acc``, as gmm-acc-stats-ali writes them) are written and read by
:mod:`mtlhybrid.gmm.acc_file` (numpy archives); they may also carry transition-id counts
for the transition model's update, summed by :func:`sum_accs` (gmm-sum-accs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mtlhybrid.gmm.diag_gmm import AmDiagGmm
from mtlhybrid.utils.errors import MismatchError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

from mtlhybrid.gmm.acc_file import ACC_FORMAT, ACC_VERSION  # noqa: F401 (re-exported)

#: frames per chunk in accumulation (memory ~ chunk * max_gauss * dim doubles)
ACC_CHUNK = 2048


def _pack_pays(am: AmDiagGmm) -> bool:
    """Whether skipping the padding slots is worth its gather: with few, evenly used slots
    (a small monophone model: 5 slots, 2.3 used) the plain layout was faster, with
    Kaldi-shaped mixtures (19 slots, 7.6 used) the packed rows were 3x faster."""
    return am.max_gauss >= 8 and float(am.num_gauss_per_pdf.float().mean()) < 0.75 * am.max_gauss


class AccumAmDiagGmm:
    """Sufficient statistics of every Gaussian of an acoustic model, plus the data log-likelihood.

    ``occ [P, G]``, ``mean_acc [P, G, D]``, ``var_acc [P, G, D]`` (sums of x^2), float64.
    ``total_log_like`` and ``total_frames`` are weighted sums over the frames seen; their
    ratio is the average per-frame log-likelihood that gmm-acc-stats-ali prints.
    """

    def __init__(self, num_pdfs: int, max_gauss: int, dim: int, device=None):
        dev = torch.device(device) if device is not None else torch.device("cpu")
        self.occ = torch.zeros(num_pdfs, max_gauss, dtype=torch.float64, device=dev)
        self.mean_acc = torch.zeros(num_pdfs, max_gauss, dim, dtype=torch.float64, device=dev)
        self.var_acc = torch.zeros(num_pdfs, max_gauss, dim, dtype=torch.float64, device=dev)
        self.total_log_like = 0.0
        self.total_frames = 0.0

    @classmethod
    def for_model(cls, am: AmDiagGmm) -> "AccumAmDiagGmm":
        """Zero statistics shaped like ``am`` and on its device."""
        return cls(am.num_pdfs, am.max_gauss, am.dim, device=am.device)

    @property
    def num_pdfs(self) -> int:
        return int(self.occ.shape[0])

    @property
    def max_gauss(self) -> int:
        return int(self.occ.shape[1])

    @property
    def dim(self) -> int:
        return int(self.mean_acc.shape[2])

    @property
    def device(self) -> torch.device:
        return self.occ.device

    def occs_per_pdf(self) -> torch.Tensor:
        """Occupancy of each pdf ``[P]`` (what gmm-mixup's split targets are computed from)."""
        return self.occ.sum(1)

    def avg_log_like(self) -> float:
        return self.total_log_like / self.total_frames if self.total_frames > 0 else float("nan")

    def _check(self, am: AmDiagGmm) -> None:
        if (am.num_pdfs, am.max_gauss, am.dim) != (self.num_pdfs, self.max_gauss, self.dim):
            raise MismatchError(
                f"accumulators are for (pdfs, max_gauss, dim) = {(self.num_pdfs, self.max_gauss, self.dim)}, "
                f"the model has {(am.num_pdfs, am.max_gauss, am.dim)}"
            )

    def accumulate(self, am: AmDiagGmm, feats, pdf_ali, weights=None, chunk: int = ACC_CHUNK) -> float:
        """Add the statistics of frames ``feats [T, D]`` aligned to pdfs ``pdf_ali [T]``.

        ``weights [T]`` (optional) scales each frame (posterior weight); frames of weight 0
        contribute nothing. Returns the weighted log-likelihood of these frames.
        """
        self._check(am)
        x_all = torch.as_tensor(feats).to(self.device)
        p_all = torch.as_tensor(pdf_ali).to(self.device).long()
        if x_all.dim() != 2 or x_all.shape[1] != self.dim:
            raise MismatchError(f"features have shape {tuple(x_all.shape)}, the model expects dimension {self.dim}")
        if p_all.shape != x_all.shape[:1]:
            raise MismatchError(f"{x_all.shape[0]} feature frames but {p_all.numel()} alignment entries")
        if p_all.numel() and (int(p_all.min()) < 0 or int(p_all.max()) >= self.num_pdfs):
            raise MismatchError(f"pdf ids outside [0, {self.num_pdfs}) in the alignment")
        w_all = None if weights is None else torch.as_tensor(weights).to(self.device, torch.float64)
        if w_all is not None and w_all.shape != p_all.shape:
            raise MismatchError(f"{w_all.numel()} weights for {p_all.numel()} frames")
        G, D = self.max_gauss, self.dim
        ng = am.num_gauss_per_pdf.to(self.device)
        slots = torch.arange(G, device=self.device)
        packed = _pack_pays(am)
        total = 0.0
        frames = 0.0
        for s in range(0, x_all.shape[0], chunk):
            x, pdfs = x_all[s : s + chunk], p_all[s : s + chunk]
            ll = am.component_log_likelihoods(x, pdfs).to(torch.float64)  # [T, G], padding -inf
            frame_ll = torch.logsumexp(ll, dim=-1)
            if w_all is not None:
                w = w_all[s : s + chunk]
                total += float((frame_ll * w).sum())
                frames += float(w.sum())
            else:
                w = None
                total += float(frame_ll.sum())
                frames += float(x.shape[0])
            if packed:  # one row per (frame, Gaussian that frame's pdf really has)
                rows, gs = (slots[None, :] < ng[pdfs][:, None]).nonzero(as_tuple=True)
                post = torch.exp(ll[rows, gs] - frame_ll[rows])
                if w is not None:
                    post = post * w[rows]
                flat = pdfs[rows] * G + gs
                x64 = x.to(torch.float64)[rows]
                px = post[:, None] * x64
                pxx = px * x64
            else:  # every slot of the frame's pdf (padding gets posterior 0)
                post = torch.exp(ll - frame_ll[:, None])
                if w is not None:
                    post = post * w[:, None]
                flat = (pdfs[:, None] * G + slots[None, :]).reshape(-1)
                x64 = x.to(torch.float64)
                px3 = post[:, :, None] * x64[:, None, :]
                pxx = (px3 * x64[:, None, :]).reshape(-1, D)
                px = px3.reshape(-1, D)
                post = post.reshape(-1)
            self.occ.view(-1).index_add_(0, flat, post)
            self.mean_acc.view(-1, D).index_add_(0, flat, px)
            self.var_acc.view(-1, D).index_add_(0, flat, pxx)
        self.total_log_like += total
        self.total_frames += frames
        return total

    def accumulate_posteriors(self, am: AmDiagGmm, feats, post: Sequence[Sequence[Tuple[int, float]]]) -> float:
        """Add statistics from per-frame ``(pdf, weight)`` lists (e.g. lattice posteriors).

        Frame ``t`` contributes to each listed pdf with its weight; the lists are flattened
        into parallel (frame, pdf, weight) vectors and passed to :meth:`accumulate` at once.
        """
        x = torch.as_tensor(feats)
        if len(post) != x.shape[0]:
            raise MismatchError(f"{x.shape[0]} feature frames but {len(post)} posterior entries")
        t_idx, pdfs, ws = [], [], []
        for t, entries in enumerate(post):
            for pdf, w in entries:
                t_idx.append(t)
                pdfs.append(int(pdf))
                ws.append(float(w))
        if not t_idx:
            return 0.0
        t_idx_t = torch.tensor(t_idx, device=x.device)
        return self.accumulate(am, x[t_idx_t], torch.tensor(pdfs), torch.tensor(ws, dtype=torch.float64))

    def merge(self, other: "AccumAmDiagGmm") -> "AccumAmDiagGmm":
        """Add another job's statistics into these (same model shape); returns self."""
        if other.occ.shape != self.occ.shape or other.mean_acc.shape != self.mean_acc.shape:
            raise MismatchError(f"cannot merge accumulators of shapes {tuple(self.mean_acc.shape)} and {tuple(other.mean_acc.shape)}")
        self.occ += other.occ.to(self.device)
        self.mean_acc += other.mean_acc.to(self.device)
        self.var_acc += other.var_acc.to(self.device)
        self.total_log_like += other.total_log_like
        self.total_frames += other.total_frames
        return self

    # ---- serialisation --------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "occ": self.occ.cpu(),
            "mean_acc": self.mean_acc.cpu(),
            "var_acc": self.var_acc.cpu(),
            "total_log_like": float(self.total_log_like),
            "total_frames": float(self.total_frames),
        }

    @classmethod
    def from_dict(cls, d: dict, device=None) -> "AccumAmDiagGmm":
        occ = torch.as_tensor(d["occ"], dtype=torch.float64)
        mean_acc = torch.as_tensor(d["mean_acc"], dtype=torch.float64)
        acc = cls(occ.shape[0], occ.shape[1], mean_acc.shape[2], device=device)
        acc.occ.copy_(occ)
        acc.mean_acc.copy_(mean_acc)
        acc.var_acc.copy_(torch.as_tensor(d["var_acc"], dtype=torch.float64))
        acc.total_log_like = float(d["total_log_like"])
        acc.total_frames = float(d["total_frames"])
        return acc


def save_accs(path: Union[str, Path], accs: AccumAmDiagGmm, transition_counts=None) -> None:
    """Write an accumulator file atomically (GMM statistics and optional transition-id counts).

    The format is :mod:`mtlhybrid.gmm.acc_file`'s (numpy, readable without torch).
    """
    from mtlhybrid.gmm.acc_file import write_acc_file

    tc = None if transition_counts is None else torch.as_tensor(transition_counts, dtype=torch.float64).cpu().numpy()
    write_acc_file(path, accs.occ.cpu().numpy(), accs.mean_acc.cpu().numpy(), accs.var_acc.cpu().numpy(),
                   accs.total_log_like, accs.total_frames, tc)


def _from_file_dict(d: dict, device=None) -> Tuple[AccumAmDiagGmm, Optional[torch.Tensor]]:
    tc = d["transition_counts"]
    accs = AccumAmDiagGmm.from_dict({k: torch.from_numpy(np.ascontiguousarray(d[k])) for k in ("occ", "mean_acc", "var_acc")}
                                    | {"total_log_like": d["total_log_like"], "total_frames": d["total_frames"]}, device=device)
    return accs, (None if tc is None else torch.from_numpy(np.asarray(tc, dtype=np.float64)))


def load_accs(path: Union[str, Path], device=None) -> Tuple[AccumAmDiagGmm, Optional[torch.Tensor]]:
    """Read an accumulator file: ``(gmm statistics, transition counts or None)``."""
    from mtlhybrid.gmm.acc_file import read_acc_file

    return _from_file_dict(read_acc_file(path), device=device)


def sum_accs(paths: Iterable[Union[str, Path]], device=None) -> Tuple[AccumAmDiagGmm, Optional[torch.Tensor]]:
    """Sum several accumulator files (gmm-sum-accs); transition counts are summed when all have them."""
    from mtlhybrid.gmm.acc_file import sum_acc_files

    return _from_file_dict(sum_acc_files(paths), device=device)
