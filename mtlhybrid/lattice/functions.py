"""Lattice algorithms: forward-backward, best path, n-best, oracle WER.

All work on :class:`~mtlhybrid.lattice.lattice.StateLattice` level by level (see there).
Scales follow Kaldi's tools: ``lattice-to-post --acoustic-scale`` multiplies acoustic
costs; the scoring sweep's ``lattice-scale --inv-acoustic-scale=LMWT`` is
``acoustic_scale = 1/LMWT`` here; ``lattice-add-penalty --word-ins-penalty`` adds to the
cost of every arc with a word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mtlhybrid.lattice.lattice import StateLattice


@dataclass
class Posteriors:
    """Per-frame posteriors as a sparse list: ``post[i]`` of ``label[i]`` at ``frame[i]``."""

    frame: np.ndarray
    label: np.ndarray
    post: np.ndarray
    num_frames: int
    total_log_like: float

    def to_dense(self, num_labels: int, label_map: Optional[np.ndarray] = None) -> np.ndarray:
        """``[num_frames, num_labels]`` matrix; ``label_map`` maps labels first (e.g. tid2pdf)."""
        lab = self.label if label_map is None else np.asarray(label_map)[self.label]
        out = np.zeros((self.num_frames, num_labels), dtype=np.float64)
        np.add.at(out, (self.frame, lab), self.post)
        return out

    def per_frame(self) -> List[dict]:
        """``[{label: posterior}]`` per frame (Kaldi's Posterior type)."""
        out: List[dict] = [dict() for _ in range(self.num_frames)]
        for t, l, p in zip(self.frame.tolist(), self.label.tolist(), self.post.tolist()):
            out[t][l] = out[t].get(l, 0.0) + p
        return out


def _forward(lat: StateLattice, arc_cost: np.ndarray) -> np.ndarray:
    """alpha[s]: log of the summed probability (negated costs) of the paths reaching s."""
    alpha = np.full(lat.num_states, -np.inf)
    if lat.num_states:
        alpha[0] = 0.0
    score = -arc_cost
    for _, idx in lat._arcs_by_src_level():
        np.logaddexp.at(alpha, lat.dst[idx], alpha[lat.src[idx]] + score[idx])
    return alpha


def _backward(lat: StateLattice, arc_cost: np.ndarray, final_cost: np.ndarray) -> np.ndarray:
    beta = -final_cost.copy()
    score = -arc_cost
    groups = lat._arcs_by_src_level()
    # Process by level of the source, deepest first: every arc out of a state at level L goes to a deeper state.
    for _, idx in reversed(groups):
        cand = beta[lat.dst[idx]] + score[idx]
        np.logaddexp.at(beta, lat.src[idx], cand)
    return beta


def forward_backward(lattice: StateLattice, acoustic_scale: float = 0.1, lm_scale: float = 1.0) -> Posteriors:
    """Per-frame posteriors of the lattice's input labels (transition ids); each frame sums to 1.

    Costs are ``lm_scale * graph + acoustic_scale * acoustic`` (Kaldi's lattice-to-post).
    ``total_log_like`` is the log of the summed path probability under those scales.
    """
    lat = lattice
    arc_cost = lat.arc_costs(lm_scale, acoustic_scale)
    fin = lat.final_costs(lm_scale, acoustic_scale)
    alpha = _forward(lat, arc_cost)
    beta = _backward(lat, arc_cost, fin)
    total = float(np.logaddexp.reduce(alpha - fin)) if lat.num_states else float("-inf")
    em = np.nonzero(lat.ilabel != 0)[0]
    logp = alpha[lat.src[em]] - arc_cost[em] + beta[lat.dst[em]] - total
    post = np.exp(logp)
    keep = post > 0
    return Posteriors(lat.time[lat.src[em]][keep], lat.ilabel[em][keep], post[keep], lat.num_frames, total)


@dataclass
class BestPath:
    words: List[int]
    alignment: np.ndarray  # input labels (transition ids), one per frame
    graph_cost: float
    acoustic_cost: float


def best_path(lattice: StateLattice, lm_scale: float = 1.0, acoustic_scale: float = 1.0, word_ins_penalty: float = 0.0) -> Optional[BestPath]:
    """The cheapest path under ``lm_scale*graph + acoustic_scale*acoustic + penalty*words`` (lattice-best-path).

    Returns None for an empty lattice. Costs reported are the path's unscaled graph and
    acoustic costs.
    """
    return best_paths(lattice, [(lm_scale, acoustic_scale, word_ins_penalty)])[0]


def best_paths(lattice: StateLattice, settings: Sequence[Tuple[float, float, float]]) -> List[Optional[BestPath]]:
    """:func:`best_path` for each ``(lm_scale, acoustic_scale, word_ins_penalty)`` in ``settings``.

    One Viterbi pass with a column per setting: the scoring sweep (11 LM weights x 3
    penalties) costs about one pass over the lattice instead of 33.
    """
    return best_paths_many([lattice], settings)[0]


def best_paths_many(lattices: Sequence[StateLattice], settings: Sequence[Tuple[float, float, float]]) -> List[List[Optional[BestPath]]]:
    """:func:`best_paths` of each lattice, computed in one pass over their disjoint union.

    A lattice has about one level per frame and few arcs per level, so a pass over one
    lattice pays numpy's per-call cost on every level; over the union of many lattices
    that cost is shared. Each lattice's answer (ties included) is what :func:`best_paths`
    gives for it alone: arcs of different lattices never meet, and each lattice's arcs
    keep their order within a level.
    """
    K = len(settings)
    out: List[List[Optional[BestPath]]] = [[None] * K for _ in lattices]
    live = [i for i, l in enumerate(lattices) if l.num_states]
    if not live:
        return out
    lat, off = StateLattice.concat([lattices[i] for i in live])
    starts = off[:-1]
    lm, ac, wip = (np.asarray(col, dtype=np.float64) for col in zip(*settings))
    word = (lat.olabel != 0).astype(np.float64)
    cost = np.outer(lat.graph_cost, lm) + np.outer(lat.acoustic_cost, ac) + np.outer(word, wip)  # [arcs, K]
    final = np.isfinite(lat.final_graph)
    fin = np.full((lat.num_states, K), np.inf)
    fin[final] = np.outer(lat.final_graph[final], lm) + np.outer(lat.final_acoustic[final], ac)
    # Tropical forward pass, remembering for each state and setting the arc that won.
    alpha = np.full(fin.shape, -np.inf)
    alpha[starts] = 0.0
    back = np.full(fin.shape, -1, dtype=np.int64)
    flat = alpha.reshape(-1)  # 1-D ufunc.at is numpy's fast path; 2-D is not
    kcols = np.arange(K)
    for _, idx in lat._arcs_by_src_level():
        cand = alpha[lat.src[idx]] - cost[idx]
        d = lat.dst[idx]
        np.maximum.at(flat, (d[:, None] * K + kcols).reshape(-1), cand.reshape(-1))
        # An arc that reaches the (new) best score of its destination is its best arc so far;
        # a later level that improves the score overwrites it.
        row, col = np.nonzero((cand >= alpha[d]) & np.isfinite(cand))
        back[d[row], col] = idx[row]
    tot = alpha - fin
    # Per lattice and setting, the first state with the best total (np.argmax's choice).
    seg_best = np.maximum.reduceat(tot, starts, axis=0)  # [lattices, K]
    seg = np.repeat(np.arange(len(live)), np.diff(off))
    first = np.where(tot == seg_best[seg], np.arange(lat.num_states)[:, None], lat.num_states)
    best = np.minimum.reduceat(first, starts, axis=0)
    ok = np.isfinite(seg_best)
    # Backtrace all lattices and settings at once: steps[i] holds the i-th arc from the end of each path.
    start_of = starts[:, None]
    state = np.where(ok, best, start_of)
    cols = np.arange(K)[None, :]
    steps = []
    while np.any(state != start_of):
        arc = np.where(state != start_of, back[state, cols], -1)
        steps.append(arc)
        state = np.where(arc >= 0, lat.src[np.maximum(arc, 0)], start_of)
    trace = np.array(steps[::-1], dtype=np.int64).reshape(len(steps), len(live), K)
    for j, i in enumerate(live):
        # Settings often agree on the path: each distinct one (same arcs, same final state) is read once.
        rows = np.ascontiguousarray(np.concatenate([trace[:, j, :], best[j][None, :]], axis=0).T)  # [K, steps + 1]
        first: dict = {}
        inverse = [first.setdefault(rows[k].tobytes(), len(first)) for k in range(K)]
        first_k = [0] * len(first)
        for k in reversed(range(K)):
            first_k[inverse[k]] = k
        made = []
        for u, k in enumerate(first_k):
            if not ok[j, k]:
                made.append(None)
                continue
            arcs = rows[k, :-1][rows[k, :-1] >= 0]
            ol = lat.olabel[arcs]
            ali = lat.ilabel[arcs]
            last = int(best[j, k])
            g = float(lat.graph_cost[arcs].sum() + lat.final_graph[last])
            a = float(lat.acoustic_cost[arcs].sum() + lat.final_acoustic[last])
            made.append((ol[ol != 0].tolist(), ali[ali != 0].astype(np.int32), g, a))
        for k, u in enumerate(inverse):
            m = made[u]
            if m is not None and ok[j, k]:
                out[i][k] = BestPath(list(m[0]), m[1].copy(), m[2], m[3])
    return out


def _word_acceptor(lat: StateLattice, arc_cost: np.ndarray, fin: np.ndarray):
    """The lattice projected on words as a tropical acceptor, epsilons removed, determinized.

    Determinizing in the tropical semiring keeps, for every word sequence, its best
    path's cost: exactly what n-best over distinct word sequences needs.
    """
    import kaldifst

    from mtlhybrid.graph.fst_arrays import FstArcs, arcs_to_fst

    arcs = FstArcs(0, lat.num_states, lat.src, lat.dst, lat.olabel, lat.olabel, arc_cost, fin)
    fst = arcs_to_fst(arcs)
    kaldifst.rmepsilon(fst)
    det = kaldifst.determinize(fst)
    return det


@dataclass
class NBestEntry:
    words: List[int]
    cost: float  # the scaled total cost of the best path with these words


def nbest(lattice: StateLattice, n: int, lm_scale: float = 1.0, acoustic_scale: float = 1.0, word_ins_penalty: float = 0.0) -> List[NBestEntry]:
    """Up to ``n`` distinct word sequences, cheapest first (lattice-to-nbest on a determinized lattice)."""
    import kaldifst

    lat = lattice
    if lat.num_states == 0:
        return []
    det = _word_acceptor(lat, lat.arc_costs(lm_scale, acoustic_scale, word_ins_penalty), lat.final_costs(lm_scale, acoustic_scale))
    if det.num_states == 0:
        return []
    paths = kaldifst.convert_nbest_to_vector(kaldifst.shortest_path(det, n=int(n)))
    out = []
    for p in paths:
        ok, il, _, w = kaldifst.get_linear_symbol_sequence(p)
        if ok:
            out.append(NBestEntry([int(x) for x in il], float(w.value)))
    out.sort(key=lambda e: e.cost)
    return out


@dataclass
class OracleResult:
    words: List[int]
    errors: int
    ref_length: int

    @property
    def wer(self) -> float:
        return 100.0 * self.errors / max(1, self.ref_length)


def oracle(lattice: StateLattice, ref: Sequence[int]) -> Optional[OracleResult]:
    """The word sequence in the lattice closest to ``ref`` (fewest edits): lattice-oracle.

    Exact: the lattice's word acceptor is composed with a Levenshtein automaton of
    ``ref`` (state i = i reference words consumed; match 0, substitution, insertion and
    deletion 1) and the shortest path counts the edits.
    """
    import kaldifst

    from mtlhybrid.graph.fst_arrays import FstArcs, arcs_to_fst

    lat = lattice
    ref = [int(w) for w in ref]
    if lat.num_states == 0:
        return None
    zero = np.zeros(lat.num_arcs)
    fin = np.where(np.isfinite(lat.final_graph), 0.0, np.inf)
    words_fst = _word_acceptor(lat, zero, fin)
    vocab = sorted(set(int(w) for w in lat.olabel.tolist() if w != 0))
    src, dst, il, w = [], [], [], []
    N = len(ref)
    for i in range(N + 1):
        for v in vocab:
            src.append(i), dst.append(i), il.append(v), w.append(1.0)  # insertion
            if i < N:
                src.append(i), dst.append(i + 1), il.append(v), w.append(0.0 if v == ref[i] else 1.0)
        if i < N:
            src.append(i), dst.append(i + 1), il.append(0), w.append(1.0)  # deletion
    il_a = np.asarray(il, dtype=np.int64)
    final = np.full(N + 1, np.inf)
    final[N] = 0.0
    lev = arcs_to_fst(FstArcs(0, N + 1, np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), il_a, il_a, np.asarray(w), final))
    kaldifst.arcsort(words_fst, sort_type="olabel")
    kaldifst.arcsort(lev, sort_type="ilabel")
    comp = kaldifst.compose(words_fst, lev)
    best = kaldifst.shortest_path(comp, n=1)
    ok, il_out, _, wt = kaldifst.get_linear_symbol_sequence(best)
    if not ok or best.num_states == 0:
        return None
    return OracleResult([int(x) for x in il_out], int(round(float(wt.value))), N)
