"""Tree statistics: one Gaussian's sufficient statistics per (phone window, pdf class).

Decision-tree building only ever needs, for any set of events, the likelihood of the
data under one diagonal Gaussian fitted to it; count, sum and sum of squares are enough
and add up across events and across jobs. This is what Kaldi's acc-tree-stats writes.

An event is ``(window, pdf_class)``. For a context-independent central phone (silence)
the context positions hold :data:`NO_KEY` (-1) instead of phones: as in Kaldi, where the
keys are left out of the event, the tree can then never ask about the context of those
phones (0 would be wrong: it means "utterance edge" and could be asked about).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from mtlhybrid.hmm.alignment import split_to_phones
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_write

PathLike = Union[str, Path]
NO_KEY = -1
STATS_FORMAT = "mtlhybrid.tree-stats"
STATS_VERSION = 1
Event = Tuple[Tuple[int, ...], int]


def gauss_objf(count: np.ndarray, sums: np.ndarray, sumsq: np.ndarray, var_floor: float = 0.01) -> np.ndarray:
    """Log-likelihood of the data under its own ML diagonal Gaussian (Kaldi's GaussClusterable::Objf).

    Works on stacked stats: ``count`` [...], ``sums``/``sumsq`` [..., D]. The variance is
    floored; zero counts give 0.
    """
    count = np.asarray(count, dtype=np.float64)
    safe = np.where(count > 0, count, 1.0)[..., None]
    mean = sums / safe
    var = sumsq / safe - mean * mean
    fvar = np.maximum(var, var_floor)
    dim = sums.shape[-1]
    per_frame = -0.5 * np.sum(var / fvar, axis=-1) - 0.5 * (np.sum(np.log(fvar), axis=-1) + dim * math.log(2 * math.pi))
    return np.where(count > 0, per_frame * count, 0.0)


@dataclass
class TreeStats:
    """Gaussian stats per event, mergeable across utterances and jobs."""

    context_width: int = 3
    central_position: int = 1
    dim: Optional[int] = None
    stats: Dict[Event, Tuple[float, np.ndarray, np.ndarray]] = field(default_factory=dict)
    num_utts: int = 0
    num_frames: int = 0

    def add(self, event: Event, count: float, sums: np.ndarray, sumsq: np.ndarray) -> None:
        sums = np.asarray(sums, dtype=np.float64)
        if self.dim is None:
            self.dim = int(sums.shape[-1])
        elif sums.shape[-1] != self.dim:
            raise MismatchError(f"feature dimension {sums.shape[-1]} differs from the stats' {self.dim}")
        old = self.stats.get(event)
        if old is None:
            self.stats[event] = (float(count), sums.copy(), np.asarray(sumsq, dtype=np.float64).copy())
        else:
            self.stats[event] = (old[0] + float(count), old[1] + sums, old[2] + sumsq)

    def merge(self, other: "TreeStats") -> "TreeStats":
        """Add ``other`` into this one (Kaldi's sum-tree-stats); returns self."""
        if (other.context_width, other.central_position) != (self.context_width, self.central_position):
            raise MismatchError(
                f"tree stats with context ({other.context_width}, {other.central_position}) cannot be merged with ({self.context_width}, {self.central_position})"
            )
        for ev, (c, s, q) in other.stats.items():
            self.add(ev, c, s, q)
        self.num_utts += other.num_utts
        self.num_frames += other.num_frames
        return self

    @property
    def total_count(self) -> float:
        return float(sum(c for c, _, _ in self.stats.values()))

    def __len__(self) -> int:
        return len(self.stats)

    def arrays(self, events: Optional[Sequence[Event]] = None) -> Tuple[List[Event], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(events, keys[M, N+1], counts[M], sums[M, D], sumsqs[M, D])`` with keys = window + pdf class."""
        evs = sorted(self.stats) if events is None else list(events)
        d = self.dim or 0
        keys = np.array([list(w) + [pc] for w, pc in evs], dtype=np.int64).reshape(len(evs), self.context_width + 1)
        counts = np.array([self.stats[e][0] for e in evs], dtype=np.float64)
        sums = np.array([self.stats[e][1] for e in evs], dtype=np.float64).reshape(len(evs), d)
        sumsq = np.array([self.stats[e][2] for e in evs], dtype=np.float64).reshape(len(evs), d)
        return evs, keys, counts, sums, sumsq

    # ------------------------------------------------------------ I/O
    def save(self, path: PathLike) -> None:
        """Write an ``.npz``-format file atomically (loaded without pickle)."""
        _, keys, counts, sums, sumsq = self.arrays()
        buf = io.BytesIO()
        np.savez(
            buf,
            format=np.array(STATS_FORMAT),
            version=np.array(STATS_VERSION),
            context=np.array([self.context_width, self.central_position, self.dim or 0, self.num_utts, self.num_frames], dtype=np.int64),
            keys=keys,
            counts=counts,
            sums=sums,
            sumsq=sumsq,
        )
        with atomic_write(path, mode="wb", encoding=None) as f:
            f.write(buf.getvalue())

    @classmethod
    def load(cls, path: PathLike) -> "TreeStats":
        import zipfile

        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["format"]) != STATS_FORMAT:
                    raise DataError(f"not a tree-stats file (format {str(z['format'])!r})", path=path)
                if int(z["version"]) > STATS_VERSION:
                    raise DataError(f"tree-stats version {int(z['version'])} is newer than this code reads", path=path)
                n, p, dim, nutt, nfr = (int(x) for x in z["context"])
                keys, counts, sums, sumsq = z["keys"], z["counts"], z["sums"], z["sumsq"]
        except DataError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            raise DataError(f"cannot read tree stats (truncated or wrong file?): {e}", path=path)
        ts = cls(n, p, dim if dim > 0 else None, num_utts=nutt, num_frames=nfr)
        for k, c, s, q in zip(keys, counts, sums, sumsq):
            ts.stats[(tuple(int(x) for x in k[:n]), int(k[n]))] = (float(c), s.astype(np.float64), q.astype(np.float64))
        return ts

    @classmethod
    def sum_files(cls, paths: Iterable[PathLike]) -> "TreeStats":
        total: Optional[TreeStats] = None
        for p in paths:
            s = cls.load(p)
            total = s if total is None else total.merge(s)
        if total is None:
            raise DataError("no tree-stats files given")
        return total


def accumulate_tree_stats(
    transition_model,
    alignment_tids: np.ndarray,
    feats: np.ndarray,
    context_width: int = 3,
    central_position: int = 1,
    ci_phones: Sequence[int] = (),
    stats: Optional[TreeStats] = None,
    reordered: bool = False,
    utt: Optional[str] = None,
) -> TreeStats:
    """Add one utterance's stats (Kaldi's AccumulateTreeStats) to ``stats`` (a new one if None).

    Each frame goes to the event of its phone in context (0 beyond the utterance edges)
    and its state's pdf class. The pdf class comes from the transition id, so it is
    right for topologies where pdf class and HMM state differ.
    """
    if stats is None:
        stats = TreeStats(context_width, central_position)
    elif (stats.context_width, stats.central_position) != (context_width, central_position):
        raise MismatchError("tree stats accumulated with another context width / central position")
    feats = np.asarray(feats, dtype=np.float64)
    ali = np.asarray(alignment_tids, dtype=np.int64)
    if feats.ndim != 2 or feats.shape[0] != ali.shape[0]:
        raise MismatchError(f"utterance {utt}: {feats.shape[0] if feats.ndim else 0} feature frames but {ali.shape[0]} alignment frames")
    spans = split_to_phones(transition_model, ali, reordered=reordered, utt=utt)
    ci = set(int(p) for p in ci_phones)
    phones = [s.phone for s in spans]
    N, P = context_width, central_position
    pdf_class = transition_model.tid2pdf_class[ali]
    for k, span in enumerate(spans):
        if span.phone in ci:
            window = tuple(span.phone if j == P else NO_KEY for j in range(N))
        else:
            window = tuple(phones[k + j - P] if 0 <= k + j - P < len(phones) else 0 for j in range(N))
        sl = slice(span.start, span.start + span.length)
        x, cls_ = feats[sl], pdf_class[sl]
        for c in np.unique(cls_):
            sel = x[cls_ == c]
            stats.add((window, int(c)), float(sel.shape[0]), sel.sum(axis=0), (sel * sel).sum(axis=0))
    stats.num_utts += 1
    stats.num_frames += int(ali.shape[0])
    return stats
