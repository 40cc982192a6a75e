"""A denominator lattice as tensors: what sequence training needs of it, on any device.

Sequence training rescores the lattice's arcs with the *current* network at every step:
an emitting arc (input label = transition id) at frame ``t`` gets
``kappa * loglik[t, pdf(tid)]`` plus its graph score (LM, lexicon, transition probs;
kept from the lattice). So of each arc only its source and destination state, its frame,
pdf, phone and graph cost are kept; the lattice's own acoustic costs (from the network
that made it) are dropped.

Lattices from :mod:`mtlhybrid.lattice` are topologically sorted (start state 0) and
carry per-state levels (longest arc path from the start). Epsilon arcs (input label 0:
word-boundary arcs of the raw decoder lattices) consume no frame; grouping arcs by the
level of their source state handles them with the emitting ones: every arc leaving a
state of level L ends in a state of level > L, so when level L's arcs are processed, the
forward scores of their sources are complete. The dynamic programming is then one
vectorised scatter per level (frames plus epsilon depth), never a loop per arc.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
import torch

from mtlhybrid.lattice.lattice import StateLattice
from mtlhybrid.utils.errors import DataError


@dataclass
class LevelGroup:
    """Arcs whose source states share one level, with their destinations (or sources) made unique."""

    arcs: torch.Tensor  # arc indices
    fwd_states: torch.Tensor  # unique destination states of these arcs
    fwd_inverse: torch.Tensor  # arc -> position in fwd_states
    bwd_states: torch.Tensor  # unique source states
    bwd_inverse: torch.Tensor


@dataclass
class LatticeArrays:
    """Arcs of one lattice as tensors (see the module docstring).

    ``frame``/``pdf`` are -1 and ``phone`` 0 on epsilon arcs; ``graph_score`` is the
    negated graph cost; ``final_score`` the negated final graph cost (-inf: not final).
    """

    num_states: int
    num_frames: int
    src: torch.Tensor
    dst: torch.Tensor
    frame: torch.Tensor
    pdf: torch.Tensor
    phone: torch.Tensor
    graph_score: torch.Tensor
    final_score: torch.Tensor
    groups: List[LevelGroup]

    @property
    def num_arcs(self) -> int:
        return int(self.src.shape[0])

    @property
    def emitting(self) -> torch.Tensor:
        return self.pdf >= 0

    @classmethod
    def from_lattice(cls, lat: StateLattice, tid2pdf: np.ndarray, tid2phone: np.ndarray,
                     device: torch.device | str = "cpu", utt: Optional[str] = None) -> "LatticeArrays":
        """Convert a :class:`StateLattice` (transition ids as input labels).

        Checks what the forward-backward relies on and raises DataError naming ``utt``:
        a non-empty lattice, transition ids known to the model, and every final state at
        the last frame (a time-synchronous lattice).
        """
        if lat.num_states == 0 or not np.isfinite(lat.final_graph).any():
            raise DataError("empty lattice (no path to a final state)", utt=utt)
        tid = np.asarray(lat.ilabel, dtype=np.int64)
        if tid.size and (tid.min() < 0 or tid.max() >= len(tid2pdf)):
            raise DataError(f"lattice has transition id {int(tid.max())} but the model has {len(tid2pdf) - 1}", utt=utt)
        em = tid > 0
        T = lat.num_frames
        fin = np.isfinite(lat.final_graph)
        if np.any(lat.time[fin] != T):
            raise DataError("lattice is not time-synchronous: final states at different frames", utt=utt)
        frame = np.where(em, lat.time[lat.src], -1)
        pdf = np.where(em, np.asarray(tid2pdf)[tid], -1)
        phone = np.where(em, np.asarray(tid2phone)[tid], 0)
        dev = torch.device(device)

        def t(a, dtype=torch.long):
            return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=dev)

        groups = []
        for _, idx in lat._arcs_by_src_level():
            fs, finv = np.unique(lat.dst[idx], return_inverse=True)
            bs, binv = np.unique(lat.src[idx], return_inverse=True)
            groups.append(LevelGroup(t(idx), t(fs), t(finv), t(bs), t(binv)))
        final = np.where(fin, -np.where(fin, lat.final_graph, 0.0), -np.inf)
        return cls(
            num_states=int(lat.num_states), num_frames=int(T), src=t(lat.src), dst=t(lat.dst), frame=t(frame),
            pdf=t(pdf), phone=t(phone), graph_score=t(-lat.graph_cost, torch.float64),
            final_score=t(final, torch.float64), groups=groups,
        )

    def arc_scores(self, loglik: torch.Tensor, acoustic_scale: float, lm_scale: float = 1.0,
                   extra: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``lm_scale * graph + acoustic_scale * loglik[frame, pdf]`` per arc (float64); ``extra`` is added."""
        if loglik.shape[0] != self.num_frames:
            raise DataError(f"lattice has {self.num_frames} frames, the network output {loglik.shape[0]}")
        em = self.emitting
        ac = torch.zeros(self.num_arcs, dtype=torch.float64, device=loglik.device)
        ac[em] = loglik.double()[self.frame[em], self.pdf[em]]
        s = lm_scale * self.graph_score + acoustic_scale * ac
        return s if extra is None else s + extra

    def frame_values(self, per_frame: torch.Tensor) -> torch.Tensor:
        """``per_frame[frame]`` on emitting arcs, 0 elsewhere (e.g. a reference label per arc)."""
        out = torch.zeros(self.num_arcs, dtype=per_frame.dtype, device=per_frame.device)
        em = self.emitting
        out[em] = per_frame[self.frame[em]]
        return out

    def to(self, device) -> "LatticeArrays":
        def mv(x):
            return x.to(device)

        return LatticeArrays(self.num_states, self.num_frames, mv(self.src), mv(self.dst), mv(self.frame), mv(self.pdf),
                             mv(self.phone), mv(self.graph_score), mv(self.final_score),
                             [LevelGroup(*(mv(getattr(g, f)) for f in ("arcs", "fwd_states", "fwd_inverse",
                                                                          "bwd_states", "bwd_inverse")))
                              for g in self.groups])


def transition_tables(transition_model) -> Tuple[np.ndarray, np.ndarray]:
    """``(tid2pdf, tid2phone)`` arrays indexed by transition id (index 0: epsilon)."""
    n = int(transition_model.num_transition_ids)
    tid2pdf = np.zeros(n + 1, dtype=np.int64)
    tid2pdf[1:] = np.asarray(transition_model.tid2pdf, dtype=np.int64)[1 : n + 1]
    tid2phone = np.zeros(n + 1, dtype=np.int64)
    for tid in range(1, n + 1):
        tid2phone[tid] = transition_model.transition_id_to_phone(tid)
    return tid2pdf, tid2phone
