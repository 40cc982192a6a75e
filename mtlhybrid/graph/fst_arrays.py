"""FSTs as numpy arc arrays, for the edits OpenFst's Python binding cannot do in place.

kaldifst has no ``fstrmsymbols`` and no usable mutable arc iterator, so relabelling
(disambiguation symbols to epsilon), adding HMM self-loops or splitting states is done
by reading the FST into arrays, editing them with numpy, and building a new FST. Reading
uses the arc iterator (exact weights; ``to_str`` prints only 6 significant digits).
Reading and writing FST files is :mod:`mtlhybrid.lang.fst_io`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np


PathLike = Union[str, Path]


@dataclass
class FstArcs:
    """A tropical-weight FST: one row per arc, plus per-state final costs (inf: not final)."""

    start: int
    num_states: int
    src: np.ndarray
    dst: np.ndarray
    ilabel: np.ndarray
    olabel: np.ndarray
    weight: np.ndarray
    final: np.ndarray

    @property
    def num_arcs(self) -> int:
        return int(self.src.shape[0])

    def copy(self) -> "FstArcs":
        return FstArcs(
            self.start, self.num_states, self.src.copy(), self.dst.copy(), self.ilabel.copy(),
            self.olabel.copy(), self.weight.copy(), self.final.copy(),
        )


def fst_to_arcs(fst) -> FstArcs:
    """Read a kaldifst ``StdVectorFst`` into :class:`FstArcs`."""
    import kaldifst

    n = fst.num_states
    src, dst, il, ol, w = [], [], [], [], []
    final = np.full(n, np.inf)
    for s in range(n):
        fw = fst.final(s).value
        if fw != np.inf:
            final[s] = fw
        for arc in kaldifst.ArcIterator(fst, s):
            src.append(s)
            dst.append(arc.nextstate)
            il.append(arc.ilabel)
            ol.append(arc.olabel)
            w.append(arc.weight.value)
    return FstArcs(
        start=int(fst.start) if n else -1,
        num_states=n,
        src=np.asarray(src, dtype=np.int64),
        dst=np.asarray(dst, dtype=np.int64),
        ilabel=np.asarray(il, dtype=np.int64),
        olabel=np.asarray(ol, dtype=np.int64),
        weight=np.asarray(w, dtype=np.float64),
        final=final,
    )


def arcs_to_fst(arcs: FstArcs):
    """Build a kaldifst ``StdVectorFst`` from :class:`FstArcs` (arcs keep their order per state)."""
    import kaldifst

    fst = kaldifst.StdVectorFst()
    for _ in range(arcs.num_states):
        fst.add_state()
    if arcs.num_states == 0:
        return fst
    fst.start = int(arcs.start)
    order = np.argsort(arcs.src, kind="stable")
    Arc = kaldifst.StdArc
    add = fst.add_arc
    for s, d, i, o, w in zip(
        arcs.src[order].tolist(), arcs.dst[order].tolist(), arcs.ilabel[order].tolist(),
        arcs.olabel[order].tolist(), arcs.weight[order].tolist(),
    ):
        add(s, Arc(i, o, w, d))
    for s in np.nonzero(np.isfinite(arcs.final))[0].tolist():
        fst.set_final(s, float(arcs.final[s]))
    return fst
