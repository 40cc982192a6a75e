"""HMM self-loops added to a finished graph (Kaldi's add-self-loops with reorder=false).

Graphs are built and determinized without self-loops (smaller, and determinizable); the
loops go in last. A state whose outgoing arcs all carry transition ids of one
transition state is "inside" that HMM state: it gets the state's self-loop
(cost ``-self_loop_scale * log p_loop``) and its outgoing arcs pay
``-self_loop_scale * log(1 - p_loop)``. A state whose outgoing arcs belong to different
transition states (or which is final and also has transition-id arcs) is split first:
each transition-state group moves to a new state reached by an epsilon arc, as Kaldi's
MakeFollowingInputSymbolsSame does. So the frames of an HMM state come out as
``loop loop ... forward`` in alignments, and ali-to-pdf is unaffected by the order.
"""

from __future__ import annotations

import numpy as np

from mtlhybrid.graph.fst_arrays import FstArcs, arcs_to_fst, fst_to_arcs
from mtlhybrid.graph.transitions import TransitionTables


def _arc_classes(arcs: FstArcs, tables: TransitionTables) -> np.ndarray:
    il = arcs.ilabel
    cls = np.zeros(il.shape[0], dtype=np.int64)
    is_tid = (il >= 1) & (il <= tables.num_tids)
    cls[is_tid] = tables.tid2tstate[il[is_tid]]
    if np.any(tables.is_self_loop[il[is_tid]]):
        raise ValueError("add_self_loops: the graph already has HMM self-loops")
    return cls


def add_self_loops_arcs(arcs: FstArcs, tables: TransitionTables, self_loop_scale: float = 0.1) -> FstArcs:
    """The graph ``arcs`` (input labels: transition ids, or higher disambiguation ids) with HMM self-loops."""
    n = arcs.num_states
    cls = _arc_classes(arcs, tables)
    big = np.iinfo(np.int64).max
    cmin = np.full(n, big, dtype=np.int64)
    cmax = np.full(n, -1, dtype=np.int64)
    np.minimum.at(cmin, arcs.src, cls)
    np.maximum.at(cmax, arcs.src, cls)
    is_final = np.isfinite(arcs.final)
    # States needing a split: mixed classes, or final with transition-id arcs.
    mixed = (cmax >= 0) & ((cmin != cmax) | (is_final & (cmax > 0)))
    src = arcs.src.copy()
    new_src, new_dst, new_il, new_ol, new_w = [], [], [], [], []
    num_states = n
    extra_cls = []
    for s in np.nonzero(mixed)[0].tolist():
        idx = np.nonzero(arcs.src == s)[0]
        for c in np.unique(cls[idx]).tolist():
            if c == 0:
                continue
            ns = num_states
            num_states += 1
            extra_cls.append(c)
            src[idx[cls[idx] == c]] = ns
            new_src.append(s), new_dst.append(ns), new_il.append(0), new_ol.append(0), new_w.append(0.0)
    state_cls = np.where(cmax > 0, cmax, 0)
    state_cls[mixed] = 0
    state_cls = np.concatenate([state_cls, np.asarray(extra_cls, dtype=np.int64)])
    final = np.concatenate([arcs.final, np.full(num_states - n, np.inf)])
    src = np.concatenate([src, np.asarray(new_src, dtype=np.int64)])
    dst = np.concatenate([arcs.dst, np.asarray(new_dst, dtype=np.int64)])
    il = np.concatenate([arcs.ilabel, np.asarray(new_il, dtype=np.int64)])
    ol = np.concatenate([arcs.olabel, np.asarray(new_ol, dtype=np.int64)])
    w = np.concatenate([arcs.weight, np.asarray(new_w, dtype=np.float64)])
    # Loops and the (1 - p_loop) factor on the way out.
    loop_tid = tables.tstate_self_loop[state_cls]
    loop_tid[state_cls == 0] = 0
    has_loop = loop_tid > 0
    out_cost = np.where(has_loop, -self_loop_scale * tables.tstate_log_nonloop[state_cls], 0.0)
    w = w + out_cost[src]
    loop_states = np.nonzero(has_loop)[0]
    lt = loop_tid[loop_states]
    src = np.concatenate([src, loop_states])
    dst = np.concatenate([dst, loop_states])
    il = np.concatenate([il, lt])
    ol = np.concatenate([ol, np.zeros_like(lt)])
    w = np.concatenate([w, -self_loop_scale * tables.log_prob[lt]])
    return FstArcs(arcs.start, num_states, src, dst, il, ol, w, final)
