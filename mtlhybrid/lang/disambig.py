"""Disambiguation symbols for a lexicon (the job of Kaldi's ``add_lex_disambig.pl``).

L o G can only be determinized if no pronunciation is the same as another one
(homophones: ``RED``/``READ``) and none is a prefix of another one (``A`` / ``AN``):
otherwise, after reading the phones, the transducer could not yet know which word it
has read. Appending ``#1``, ``#2`` ... to such pronunciations makes them all distinct and
prefix-free. The n-th word sharing a pronunciation gets ``#n``; unique pronunciations that
are not a prefix of another stay as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Sequence, Tuple

from mtlhybrid.lang.dict_dir import LexiconEntry


def add_lex_disambig(entries: Sequence[LexiconEntry], first_allowed: int = 1) -> Tuple[List[LexiconEntry], int]:
    """Return the lexicon with ``#k`` appended where needed, and the largest ``k`` used.

    The largest ``k`` is ``first_allowed - 1`` when no symbol was needed. Empty
    pronunciations (allowed in Kaldi's L.fst, not by our readers) get a symbol of their own.
    """
    count = Counter(tuple(e.phones) for e in entries)
    proper_prefixes = set()
    for e in entries:
        for n in range(len(e.phones)):
            proper_prefixes.add(tuple(e.phones[:n]))
    max_disambig = first_allowed - 1
    reserved_for_empty = set()
    last_used: Dict[Tuple[str, ...], int] = {}
    out: List[LexiconEntry] = []
    for e in entries:
        pron = tuple(e.phones)
        if pron not in proper_prefixes and count[pron] == 1:
            out.append(LexiconEntry(e.word, e.prob, list(pron)))
            continue
        if not pron:
            max_disambig += 1
            reserved_for_empty.add(max_disambig)
            out.append(LexiconEntry(e.word, e.prob, [f"#{max_disambig}"]))
            continue
        k = last_used[pron] + 1 if pron in last_used else first_allowed
        while k in reserved_for_empty:
            k += 1
        max_disambig = max(max_disambig, k)
        last_used[pron] = k
        out.append(LexiconEntry(e.word, e.prob, list(pron) + [f"#{k}"]))
    return out, max_disambig
