"""The lexicon transducer L.fst (phones in, words out), as Kaldi's ``make_lexicon_fst.py``.

Shape, with optional silence (``sil_prob`` > 0): a start state 0, a loop state 1 where
words begin and end, and a silence state 2. From the start, silence is entered with
probability ``sil_prob``; after every word the path returns either to the loop state
(no silence, ``1 - sil_prob``) or to the silence state, which must then read the
optional-silence phone. The word label sits on the first phone's arc, so words are
emitted as early as possible (which keeps composition with G small). In the
disambiguation version, the silence phone is followed by an extra disambiguation symbol
(``sil_disambig``) and every state that emits words or is final gets ``#0:#0`` self-loops
so G's backoff symbol can pass through L.
"""

from __future__ import annotations

import math
from typing import Dict, Optional, Sequence

from mtlhybrid.lang.dict_dir import LexiconEntry
from mtlhybrid.utils.errors import DataError, MtlHybridError


def _label(table: Dict[str, int], sym: str, what: str, word: str) -> int:
    try:
        return table[sym]
    except KeyError:
        raise DataError(f"{what} {sym!r} (in the pronunciation of {word!r}) is not in the symbol table")


def make_lexicon_fst(
    lexicon: Sequence[LexiconEntry],
    phones: Dict[str, int],
    words: Dict[str, int],
    sil_prob: float = 0.5,
    sil_phone: Optional[str] = None,
    sil_disambig: Optional[str] = None,
    wdisambig: Sequence[str] = (),
):
    """Build L.fst (or L_disambig.fst when ``sil_disambig``/``wdisambig`` are given).

    ``lexicon`` holds the final phone symbols (position-dependent, with ``#k`` already
    appended for the disambiguation version). ``wdisambig`` lists word-level disambiguation
    symbols (``#0``) that get pass-through self-loops, with the same name in phones.txt
    and words.txt. The result is sorted on output labels, as Kaldi leaves L.fst.
    """
    import kaldifst

    if not 0.0 <= sil_prob < 1.0:
        raise MtlHybridError(f"silence probability must be in [0, 1), got {sil_prob}")
    fst = kaldifst.StdVectorFst()
    emitting_states = set()

    def new_state() -> int:
        return fst.add_state()

    def arc(src: int, ilab: int, olab: int, cost: float, dst: int) -> None:
        fst.add_arc(src, kaldifst.StdArc(ilab, olab, float(cost), dst))
        if olab != 0:
            emitting_states.add(src)

    if sil_prob == 0.0:
        loop = new_state()
        fst.start = loop
        sil = None
        no_sil_cost = 0.0
    else:
        if not sil_phone:
            raise MtlHybridError("a silence probability > 0 needs an optional-silence phone")
        sil_cost = -math.log(sil_prob)
        no_sil_cost = -math.log(1.0 - sil_prob)
        start, loop, sil = new_state(), new_state(), new_state()
        fst.start = start
        arc(start, 0, 0, no_sil_cost, loop)
        arc(start, 0, 0, sil_cost, sil)
        sil_id = _label(phones, sil_phone, "silence phone", "<eps>")
        if sil_disambig is None:
            arc(sil, sil_id, 0, 0.0, loop)
        else:
            mid = new_state()
            arc(sil, sil_id, 0, 0.0, mid)
            arc(mid, _label(phones, sil_disambig, "disambiguation symbol", "<eps>"), 0, 0.0, loop)

    for e in lexicon:
        wid = _label(words, e.word, "word", e.word)
        pids = [_label(phones, p, "phone", e.word) for p in e.phones]
        pron_cost = -math.log(e.prob)
        cur = loop
        for i, pid in enumerate(pids[:-1]):
            nxt = new_state()
            arc(cur, pid, wid if i == 0 else 0, pron_cost if i == 0 else 0.0, nxt)
            cur = nxt
        last = len(pids) - 1
        ilab = pids[last] if last >= 0 else 0
        olab = wid if last <= 0 else 0
        extra = pron_cost if last <= 0 else 0.0
        arc(cur, ilab, olab, no_sil_cost + extra, loop)
        if sil is not None:
            arc(cur, ilab, olab, sil_cost + extra, sil)
    fst.set_final(loop, 0.0)

    if wdisambig:
        pairs = [(_label(phones, s, "disambiguation symbol", "<eps>"), _label(words, s, "word", s)) for s in wdisambig]
        for s in sorted(emitting_states | {loop}):
            for ip, ow in pairs:
                fst.add_arc(s, kaldifst.StdArc(ip, ow, 0.0, s))
    kaldifst.arcsort(fst, sort_type="olabel")
    return fst
