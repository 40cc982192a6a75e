"""The decoding graph HCLG, built as Kaldi's utils/mkgraph.sh builds it.

1. LG  = minimize_encoded(determinize_star_log(L_disambig o G))
2. CLG = compose_context(LG) (phone windows as input labels, ``ilabel_info``)
3. HCLGa = minimize_encoded(rm_disambig(determinize_star_log(H o CLG)))
4. HCLG = HCLGa with HMM self-loops (``self_loop_scale``)

Input labels of HCLG are transition ids (1-based, as in Kaldi); decoding maps them to
pdf scores itself (:mod:`mtlhybrid.decode`). Kaldi's ``fstpushspecial`` on LG is not
available in kaldifst and is skipped: LG is then not exactly stochastic, which changes
pruning slightly but not the best path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Sequence

import numpy as np

from mtlhybrid.graph.fst_arrays import FstArcs, arcs_to_fst, fst_to_arcs
from mtlhybrid.graph.h_transducer import HmmCompiler, make_h_transducer
from mtlhybrid.graph.self_loops import add_self_loops_arcs
from mtlhybrid.graph.transitions import TransitionTables
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)


@dataclass
class HclgGraph:
    fst: object  # kaldifst.StdVectorFst with self-loops
    disambig_tids: List[int] = field(default_factory=list)
    ilabel_info: List[List[int]] = field(default_factory=list)


def make_lg(L_disambig, G):
    """det(min(L_disambig o G)) in the log semiring, as mkgraph.sh's LG.fst."""
    import kaldifst

    L = L_disambig.copy()
    kaldifst.arcsort(L, sort_type="olabel")
    G = G.copy()
    kaldifst.arcsort(G, sort_type="ilabel")
    LG = kaldifst.compose(L, G)
    LG = _as_vector(LG)
    if kaldifst.determinize_star(LG, use_log=True):
        raise RuntimeError("determinization of L o G stopped early")
    kaldifst.minimize_encoded(LG)
    return LG


def make_clg(LG, context_width: int, central_position: int, disambig_phones: Sequence[int]):
    """C o LG with kaldifst's on-the-fly context FST; returns ``(CLG, ilabel_info)``."""
    import kaldifst

    lg = LG.copy()
    kaldifst.arcsort(lg, sort_type="ilabel")
    clg, ilabel_info = kaldifst.compose_context(list(disambig_phones), int(context_width), int(central_position), lg)
    return clg, [list(x) for x in ilabel_info]


def remove_disambig_input(arcs: FstArcs, num_tids: int) -> FstArcs:
    """Input labels above the last transition id (disambiguation symbols) become epsilon."""
    arcs = arcs.copy()
    arcs.ilabel[arcs.ilabel > num_tids] = 0
    return arcs


def compose_h(H, CLG):
    import kaldifst

    H = H.copy()
    kaldifst.arcsort(H, sort_type="olabel")
    clg = CLG.copy()
    kaldifst.arcsort(clg, sort_type="ilabel")
    return _as_vector(kaldifst.compose(H, clg))


def make_hclg(
    lang_dir,
    tree,
    transition_model,
    transition_scale: float = 1.0,
    self_loop_scale: float = 0.1,
    L_disambig=None,
    G=None,
) -> HclgGraph:
    """HCLG for ``lang_dir`` (a LangDir; its L_disambig.fst and G.fst unless given)."""
    import kaldifst

    from mtlhybrid.lang.fst_io import read_fst

    L_disambig = L_disambig if L_disambig is not None else read_fst(lang_dir.L_disambig_path)
    G = G if G is not None else read_fst(lang_dir.G_path)
    tables = TransitionTables.from_model(transition_model)
    LG = make_lg(L_disambig, G)
    logger.info("LG: %d states, %d arcs", LG.num_states, _num_arcs(LG))
    CLG, ilabel_info = make_clg(LG, tree.context_width, tree.central_position, lang_dir.disambig)
    logger.info("CLG: %d states, %d input labels", CLG.num_states, len(ilabel_info))
    comp = HmmCompiler(tree, transition_model, transition_scale, tables=tables)
    H = make_h_transducer(ilabel_info, tree, transition_model, transition_scale, hmm_compiler=comp)
    HCLGa = compose_h(H.fst, CLG)
    if kaldifst.determinize_star(HCLGa, use_log=True):
        raise RuntimeError("determinization of H o CLG stopped early")
    arcs = remove_disambig_input(fst_to_arcs(HCLGa), tables.num_tids)
    HCLGa = arcs_to_fst(arcs)
    kaldifst.minimize_encoded(HCLGa)
    hclg = arcs_to_fst(add_self_loops_arcs(fst_to_arcs(HCLGa), tables, self_loop_scale))
    kaldifst.arcsort(hclg, sort_type="ilabel")
    logger.info("HCLG: %d states, %d arcs", hclg.num_states, _num_arcs(hclg))
    return HclgGraph(hclg, H.disambig_tids, ilabel_info)


def _as_vector(fst):
    """compose returns a mutable FST of the base class; copy into a StdVectorFst when needed."""
    import kaldifst

    if isinstance(fst, kaldifst.StdVectorFst):
        return fst
    return kaldifst.StdVectorFst(fst)


def _num_arcs(fst) -> int:
    return int(sum(fst.num_arcs(s) for s in range(fst.num_states)))
