"""H: the transducer from transition ids to context-dependent phones (Kaldi's make-h-transducer).

For every input label of C (a phone window from ``compose_context``'s ``ilabel_info``) H
has one loop through the start state: the HMM of the window's central phone, with the
pdfs the tree gives that window, spelled as transition ids, and the C label on its first
arc. Self-loops are left out (added after determinization, see :mod:`.self_loops`),
which keeps H o CLG small and determinizable. Forward arcs carry
``transition_scale * log(p / (1 - p_loop))``.

Disambiguation symbols of C (``[-k]``, and ``[0]`` for Kaldi's ``#-1``) become new input
symbols numbered after the last transition id; they pass through H on a single arc so
determinization can use them, and are removed afterwards (``disambig_tids``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mtlhybrid.graph.fst_arrays import FstArcs, arcs_to_fst
from mtlhybrid.graph.transitions import TransitionTables

# One HMM as a small arc list over local states 0..n-1 (0 = entry, n-1 = exit).
HmmArcs = List[Tuple[int, int, int, float]]  # (from, to, tid or 0, cost)
HmmPath = Tuple[int, HmmArcs]  # (number of HMM states, arcs)


@dataclass
class HTransducer:
    fst: object  # kaldifst.StdVectorFst, input transition ids, output C ilabels
    disambig_tids: List[int] = field(default_factory=list)  # input symbols standing for C's disambiguation labels


class HmmCompiler:
    """Builds (and caches) the self-loop-free HMM of one phone window as transition ids."""

    def __init__(self, tree, transition_model, transition_scale: float = 1.0, tables: TransitionTables | None = None):
        self.tree = tree
        self.tm = transition_model
        self.topo = transition_model.topo
        self.transition_scale = float(transition_scale)
        self.tables = tables or TransitionTables.from_model(transition_model)
        self._log_fwd = self.tables.log_prob_ignoring_self_loops()
        self._cache: Dict[Tuple[int, Tuple[int, ...]], HmmPath] = {}

    def hmm_for_window(self, window: Sequence[int]) -> HmmPath:
        if len(window) != self.tree.context_width:
            raise ValueError(f"phone window {list(window)} has width {len(window)}, the tree expects {self.tree.context_width}")
        phone = int(window[self.tree.central_position])
        if phone <= 0:
            raise ValueError(f"phone window {list(window)} has no central phone")
        states = self.topo.phone_states(phone)
        pdfs = tuple(int(self.tree.compute(list(window), c)) for c in range(self.topo.num_pdf_classes(phone)))
        key = (phone, pdfs)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        arcs: HmmArcs = []
        for h, st in enumerate(states):
            for idx, (dest, prob) in enumerate(st.transitions):
                if dest == h:
                    continue  # self-loops come later
                if st.pdf_class is None:
                    label, logp = 0, float(np.log(prob)) if prob > 0 else -np.inf
                else:
                    loop_class = getattr(st, "loop_pdf_class", st.pdf_class)
                    ts = self.tm.tuple_to_transition_state(phone, h, pdfs[st.pdf_class], pdfs[loop_class])
                    label = int(self.tm.pair_to_transition_id(ts, idx))
                    logp = float(self._log_fwd[label])
                arcs.append((h, int(dest), label, -self.transition_scale * logp))
        self._cache[key] = (len(states), arcs)
        return self._cache[key]


def make_h_transducer(
    ilabel_info: Sequence[Sequence[int]],
    tree,
    transition_model,
    transition_scale: float = 1.0,
    hmm_compiler: HmmCompiler | None = None,
) -> HTransducer:
    """H for the C input labels ``ilabel_info`` (index 0 is epsilon and gets nothing).

    The HMMs share H's start state (which is also H's only final state); an HMM whose
    entry state has other incoming arcs is entered by an epsilon arc instead, so no path
    can re-enter it from outside.
    """
    comp = hmm_compiler or HmmCompiler(tree, transition_model, transition_scale)
    num_tids = comp.tables.num_tids
    src: List[int] = []
    dst: List[int] = []
    il: List[int] = []
    ol: List[int] = []
    w: List[float] = []
    next_state = 1
    disambig: List[int] = []
    for j in range(1, len(ilabel_info)):
        window = list(ilabel_info[j])
        if len(window) == 1 and window[0] <= 0:
            tid = num_tids + 1 + len(disambig)
            disambig.append(tid)
            src.append(0), dst.append(0), il.append(tid), ol.append(j), w.append(0.0)
            continue
        n_local, hmm = comp.hmm_for_window(window)
        entry_has_incoming = any(b == 0 for _, b, _, _ in hmm)
        # local state -> H state; exit -> start, entry -> start unless re-entered.
        local = {}
        for s in range(n_local):
            if s == n_local - 1:
                local[s] = 0
            elif s == 0 and not entry_has_incoming:
                local[s] = 0
            else:
                local[s] = next_state
                next_state += 1
        if entry_has_incoming:
            src.append(0), dst.append(local[0]), il.append(0), ol.append(j), w.append(0.0)
        for a, b, lab, cost in hmm:
            src.append(local[a])
            dst.append(local[b])
            il.append(lab)
            ol.append(j if (a == 0 and not entry_has_incoming) else 0)
            w.append(cost)
    final = np.full(next_state, np.inf)
    final[0] = 0.0
    arcs = FstArcs(
        start=0, num_states=next_state, src=np.asarray(src, dtype=np.int64), dst=np.asarray(dst, dtype=np.int64),
        ilabel=np.asarray(il, dtype=np.int64), olabel=np.asarray(ol, dtype=np.int64),
        weight=np.asarray(w, dtype=np.float64), final=final,
    )
    return HTransducer(arcs_to_fst(arcs), disambig)
