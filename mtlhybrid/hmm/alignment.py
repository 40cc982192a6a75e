"""What a transition-id alignment says: pdfs, phones, phone spans, and the same path under a new tree.

Alignments are per-frame transition ids. A phone instance ends on the frame whose
transition leaves the phone's HMM (to the topology's final state). With Kaldi's
*reordered* graphs (``--reorder``) the self-loops of the last state come after that
transition, so they still belong to the phone; pass ``reordered=True`` for those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mtlhybrid.hmm.transition_model import TransitionModel
from mtlhybrid.utils.errors import DataError, MismatchError


@dataclass
class PhoneSpan:
    """One phone instance of an alignment: ``phone`` over frames ``start .. start+length-1``."""

    phone: int
    start: int
    length: int

    def to_dict(self) -> dict:
        return {"phone": self.phone, "start": self.start, "length": self.length}

    @classmethod
    def from_dict(cls, d: dict) -> "PhoneSpan":
        return cls(int(d["phone"]), int(d["start"]), int(d["length"]))


def _as_tids(tm: TransitionModel, ali: Sequence[int], utt: Optional[str]) -> np.ndarray:
    a = np.asarray(ali, dtype=np.int64)
    if a.size and (a.min() < 1 or a.max() > tm.num_transition_ids):
        bad = int(a[(a < 1) | (a > tm.num_transition_ids)][0])
        raise MismatchError(f"utterance {utt}: transition id {bad} out of range 1..{tm.num_transition_ids} (alignment from another model?)" if utt else f"transition id {bad} out of range 1..{tm.num_transition_ids}")
    return a


def split_to_phones(tm: TransitionModel, ali: Sequence[int], reordered: bool = False, utt: Optional[str] = None) -> List[PhoneSpan]:
    """Cut an alignment into phone instances (Kaldi's SplitToPhones).

    Raises DataError when the alignment does not end on a phone boundary or changes phone
    in the middle of an HMM: such an alignment is not a path through any graph of ``tm``.
    """
    a = _as_tids(tm, ali, utt)
    spans: List[PhoneSpan] = []
    n = len(a)
    start = 0
    i = 0
    final = tm.tid_is_final
    loop = tm.tid_is_self_loop
    tid2state = tm.tid2state
    tid2phone = tm.tid2phone
    while i < n:
        t = a[i]
        if final[t]:
            if reordered:
                while i + 1 < n and loop[a[i + 1]] and tid2state[a[i + 1]] == tid2state[t]:
                    i += 1
            spans.append(PhoneSpan(int(tid2phone[t]), start, i + 1 - start))
            start = i + 1
        elif i + 1 == n:
            raise DataError(f"alignment ends inside phone {int(tid2phone[t])} (frame {i})", utt=utt)
        elif tid2phone[a[i + 1]] != tid2phone[t]:
            raise DataError(f"phone changes from {int(tid2phone[t])} to {int(tid2phone[a[i + 1]])} at frame {i + 1} without leaving the HMM", utt=utt)
        i += 1
    return spans


def ali_to_pdfs(tm: TransitionModel, ali: Sequence[int], utt: Optional[str] = None) -> np.ndarray:
    """Per-frame pdf ids (0-based)."""
    return tm.tid2pdf[_as_tids(tm, ali, utt)]


def ali_to_frame_phones(tm: TransitionModel, ali: Sequence[int], utt: Optional[str] = None) -> np.ndarray:
    """Per-frame phone ids."""
    return tm.tid2phone[_as_tids(tm, ali, utt)]


def phone_state_table(tm: TransitionModel) -> List[Tuple[int, int]]:
    """The (phone, hmm_state) pairs of the model, sorted; the index of a pair is its class id.

    This is the "phone state" (monophone state) target of auxiliary tasks.
    """
    return sorted({(int(p), int(s)) for p, s in zip(tm.tid2phone[1:], tm.tid2hmm_state[1:])})


def ali_to_phone_states(tm: TransitionModel, ali: Sequence[int], utt: Optional[str] = None) -> np.ndarray:
    """Per-frame dense phone-state ids (index into :func:`phone_state_table`)."""
    table = phone_state_table(tm)
    index = {ps: i for i, ps in enumerate(table)}
    lookup = np.zeros(tm.num_transition_ids + 1, dtype=np.int64)
    for tid in range(1, tm.num_transition_ids + 1):
        lookup[tid] = index[(int(tm.tid2phone[tid]), int(tm.tid2hmm_state[tid]))]
    return lookup[_as_tids(tm, ali, utt)]


def ctm_lines(utt: str, spans: Sequence[PhoneSpan], frame_shift: float = 0.01, phone_names: Optional[Dict[int, str]] = None) -> List[str]:
    """CTM lines ``utt 1 start dur phone`` as ali-to-phones --ctm-output prints them."""
    prec = 2 if frame_shift >= 0.01 else 3
    names = phone_names or {}
    return [
        f"{utt} 1 {s.start * frame_shift:.{prec}f} {s.length * frame_shift:.{prec}f} {names.get(s.phone, str(s.phone))}"
        for s in spans
    ]


def convert_alignment(
    old_tm: TransitionModel,
    new_tm: TransitionModel,
    new_tree,
    ali: Sequence[int],
    reordered: bool = False,
    utt: Optional[str] = None,
) -> np.ndarray:
    """Re-express an alignment with another model that has the same topology (Kaldi's convert-ali).

    The phone sequence, HMM-state path and frame count are kept; each phone's pdfs are
    looked up in ``new_tree`` with its phone context in this utterance. This is how a
    triphone system starts from the monophone alignments.
    """
    if old_tm.topo != new_tm.topo:
        raise MismatchError("convert-ali needs the same topology in both models")
    a = _as_tids(old_tm, ali, utt)
    spans = split_to_phones(old_tm, a, reordered=reordered, utt=utt)
    phones = [s.phone for s in spans]
    N, P = new_tree.context_width, new_tree.central_position
    out = np.empty_like(a)
    for k, span in enumerate(spans):
        window = [phones[k + j - P] if 0 <= k + j - P < len(phones) else 0 for j in range(N)]
        states = new_tm.topo.phone_states(span.phone)
        for f in range(span.start, span.start + span.length):
            tid = int(a[f])
            hmm_state = int(old_tm.tid2hmm_state[tid])
            st = states[hmm_state]
            fpdf = new_tree.compute(window, st.pdf_class)
            lpdf = fpdf if st.loop_pdf_class == st.pdf_class else new_tree.compute(window, st.loop_pdf_class)
            ts = new_tm.tuple_to_transition_state(span.phone, hmm_state, fpdf, lpdf)
            out[f] = new_tm.pair_to_transition_id(ts, int(old_tm.tid2index[tid]))
    return out
