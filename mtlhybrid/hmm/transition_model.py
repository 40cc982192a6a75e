"""Kaldi's transition model: transition ids, and the probabilities they carry.

A *transition state* is one HMM state of one phone with one choice of pdfs, the tuple
``(phone, hmm_state, forward_pdf, self_loop_pdf)``; the tuples the tree allows are sorted
and numbered from 1. Each transition out of that HMM state (in topology order, the
*transition index*) gets a *transition id*, numbered from 1 across all transition states.
Graphs and alignments use transition ids because they say at once which phone, which HMM
state, which pdf and which arc was taken; transition ids are therefore identical to what
Kaldi would produce for the same topology and tree.

A transition id carries the pdf of its source state: the ``self_loop_pdf`` for a self-loop,
the ``forward_pdf`` otherwise.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mtlhybrid.hmm.topology import Topology
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)

Tuple4 = Tuple[int, int, int, int]
LOG_PROB_FLOOR = -1.0e6


class TransitionModel:
    """Numbering of transition states and ids, plus their log probabilities."""

    def __init__(
        self,
        topo: Topology,
        tree,
        _tuples: Optional[Sequence[Tuple4]] = None,
        _log_probs: Optional[Sequence[float]] = None,
        _num_pdfs: Optional[int] = None,
    ):
        self.topo = topo
        if _tuples is None:
            tuples = self._compute_tuples(topo, tree)
            self.num_pdfs = int(tree.num_pdfs)
        else:
            tuples = [tuple(int(x) for x in t) for t in _tuples]
            self.num_pdfs = 0
        self._init_from_tuples(tuples)
        if _tuples is not None:
            used = int(max((max(t[2], t[3]) for t in self.tuples), default=-1)) + 1
            self.num_pdfs = used if _num_pdfs is None else int(_num_pdfs)
            if self.num_pdfs < used:
                raise DataError(f"transition model says {self.num_pdfs} pdfs but uses pdf {used - 1}")
        if _log_probs is None:
            self._init_log_probs_from_topo()
        else:
            lp = np.asarray(_log_probs, dtype=np.float64)
            if lp.shape != (self.num_transition_ids + 1,):
                raise DataError(f"transition model has {lp.shape[0]} log probabilities for {self.num_transition_ids} transition ids (+1)")
            self.log_probs = lp
        self._check_pdfs(tree)

    # ------------------------------------------------------------ construction
    @staticmethod
    def _compute_tuples(topo: Topology, tree) -> List[Tuple4]:
        tuples = set()
        for phone in topo.phones:
            for hmm_state, st in enumerate(topo.phone_states(phone)[:-1]):
                fwd, loop = st.pdf_class, st.loop_pdf_class
                if fwd == loop:
                    pdfs = tree.pdfs_for(phone, fwd)
                    pairs = [(p, p) for p in pdfs]
                else:
                    pairs = sorted(tree.pdf_tuples_for(phone, (fwd, loop)))
                if not pairs:
                    raise MismatchError(f"the tree gives no pdf for phone {phone} pdf class {fwd} (tree and topology do not match)")
                for f, s in pairs:
                    tuples.add((phone, hmm_state, int(f), int(s)))
        return sorted(tuples)

    def _init_from_tuples(self, tuples: Sequence[Tuple4]) -> None:
        self.tuples: List[Tuple4] = list(tuples)
        self._tuple2state: Dict[Tuple4, int] = {t: i + 1 for i, t in enumerate(self.tuples)}
        # state2id[s] = first transition id of transition state s (1-based); one extra at the end
        state2id = [0, 1]
        tid2state = [0]
        tid2index = [0]
        for ts, (phone, hmm_state, _, _) in enumerate(self.tuples, start=1):
            if not self.topo.has_phone(phone):
                raise MismatchError(f"transition state {ts} names phone {phone}, which the topology does not have")
            states = self.topo.phone_states(phone)
            if hmm_state >= len(states) - 1:
                raise MismatchError(f"transition state {ts}: phone {phone} has no emitting HMM state {hmm_state}")
            n = len(states[hmm_state].transitions)
            state2id.append(state2id[-1] + n)
            tid2state += [ts] * n
            tid2index += list(range(n))
        self._state2id = state2id
        self.num_transition_states = len(self.tuples)
        self.num_transition_ids = len(tid2state) - 1
        n = self.num_transition_ids + 1
        self.tid2state = np.asarray(tid2state, dtype=np.int64)
        self.tid2index = np.asarray(tid2index, dtype=np.int64)
        self.tid2pdf = np.full(n, -1, dtype=np.int64)
        self.tid2phone = np.zeros(n, dtype=np.int64)
        self.tid2hmm_state = np.full(n, -1, dtype=np.int64)
        self.tid2pdf_class = np.full(n, -1, dtype=np.int64)
        self.tid_is_self_loop = np.zeros(n, dtype=bool)
        self.tid_is_final = np.zeros(n, dtype=bool)
        self.tid2next_state = np.full(n, -1, dtype=np.int64)
        for tid in range(1, n):
            ts = int(tid2state[tid])
            phone, hmm_state, fpdf, lpdf = self.tuples[ts - 1]
            states = self.topo.phone_states(phone)
            st = states[hmm_state]
            dest = st.transitions[int(tid2index[tid])][0]
            loop = dest == hmm_state
            self.tid_is_self_loop[tid] = loop
            self.tid_is_final[tid] = dest == len(states) - 1
            self.tid2next_state[tid] = dest
            self.tid2pdf[tid] = lpdf if loop else fpdf
            self.tid2pdf_class[tid] = st.loop_pdf_class if loop else st.pdf_class
            self.tid2phone[tid] = phone
            self.tid2hmm_state[tid] = hmm_state

    def _init_log_probs_from_topo(self) -> None:
        lp = np.zeros(self.num_transition_ids + 1, dtype=np.float64)
        for tid in range(1, self.num_transition_ids + 1):
            phone, hmm_state, _, _ = self.tuples[int(self.tid2state[tid]) - 1]
            p = self.topo.phone_states(phone)[hmm_state].transitions[int(self.tid2index[tid])][1]
            lp[tid] = math.log(p)
        self.log_probs = lp

    def _check_pdfs(self, tree) -> None:
        if tree is not None and self.num_pdfs != tree.num_pdfs:
            raise MismatchError(f"transition model uses {self.num_pdfs} pdfs but the tree has {tree.num_pdfs}")

    # ------------------------------------------------------------ lookups
    def _check_tid(self, tid: int) -> int:
        tid = int(tid)
        if not 1 <= tid <= self.num_transition_ids:
            raise DataError(f"transition id {tid} out of range 1..{self.num_transition_ids}")
        return tid

    def _check_ts(self, ts: int) -> int:
        ts = int(ts)
        if not 1 <= ts <= self.num_transition_states:
            raise DataError(f"transition state {ts} out of range 1..{self.num_transition_states}")
        return ts

    def tuple_to_transition_state(self, phone: int, hmm_state: int, forward_pdf: int, self_loop_pdf: int) -> int:
        try:
            return self._tuple2state[(int(phone), int(hmm_state), int(forward_pdf), int(self_loop_pdf))]
        except KeyError:
            raise MismatchError(
                f"no transition state for phone {phone} hmm-state {hmm_state} pdfs ({forward_pdf}, {self_loop_pdf})"
            )

    def pair_to_transition_id(self, trans_state: int, trans_index: int) -> int:
        ts = self._check_ts(trans_state)
        n = self._state2id[ts + 1] - self._state2id[ts]
        if not 0 <= trans_index < n:
            raise DataError(f"transition index {trans_index} out of range for transition state {ts} ({n} transitions)")
        return self._state2id[ts] + int(trans_index)

    def transition_id_to_pdf(self, tid: int) -> int:
        return int(self.tid2pdf[self._check_tid(tid)])

    def transition_id_to_phone(self, tid: int) -> int:
        return int(self.tid2phone[self._check_tid(tid)])

    def transition_id_to_hmm_state(self, tid: int) -> int:
        return int(self.tid2hmm_state[self._check_tid(tid)])

    def transition_id_to_transition_state(self, tid: int) -> int:
        return int(self.tid2state[self._check_tid(tid)])

    def transition_id_to_transition_index(self, tid: int) -> int:
        return int(self.tid2index[self._check_tid(tid)])

    def is_self_loop(self, tid: int) -> bool:
        return bool(self.tid_is_self_loop[self._check_tid(tid)])

    def is_final(self, tid: int) -> bool:
        """True when the transition leaves the phone (goes to the topology's final state)."""
        return bool(self.tid_is_final[self._check_tid(tid)])

    def transition_state_to_tuple(self, trans_state: int) -> Tuple4:
        return self.tuples[self._check_ts(trans_state) - 1]

    def transition_state_to_self_loop_id(self, trans_state: int) -> int:
        """The transition id of the self-loop of this state, or 0 if it has none (as Kaldi)."""
        ts = self._check_ts(trans_state)
        phone, hmm_state, _, _ = self.tuples[ts - 1]
        for idx, (dest, _) in enumerate(self.topo.phone_states(phone)[hmm_state].transitions):
            if dest == hmm_state:
                return self._state2id[ts] + idx
        return 0

    def log_prob(self, tid: int) -> float:
        return float(self.log_probs[self._check_tid(tid)])

    def prob(self, tid: int) -> float:
        return math.exp(self.log_prob(tid))

    def non_self_loop_log_prob(self, trans_state: int) -> float:
        """log(1 - p(self-loop)): what Kaldi puts on forward arcs when self-loops are added later."""
        loop = self.transition_state_to_self_loop_id(trans_state)
        if loop == 0:
            return 0.0
        p = math.exp(self.log_probs[loop])
        return math.log(1.0 - p) if p < 1.0 else LOG_PROB_FLOOR

    @property
    def phones(self) -> List[int]:
        return self.topo.phones

    # ------------------------------------------------------------ training
    def mle_update(self, tid_counts: np.ndarray, floor: float = 0.01, min_count: float = 5.0) -> Tuple[float, float]:
        """Re-estimate probabilities from transition-id occupation counts (Kaldi's MleUpdate).

        For each transition state with at least ``min_count`` counts, the new probabilities
        are the relative counts, floored at ``floor`` and renormalised; states with fewer
        counts keep their old probabilities. ``tid_counts`` is indexed by transition id
        (length ``num_transition_ids + 1``, index 0 ignored). Returns (objective improvement,
        total count), both summed over the updated states.
        """
        counts = np.asarray(tid_counts, dtype=np.float64)
        if counts.shape != (self.num_transition_ids + 1,):
            raise MismatchError(f"transition counts have length {counts.shape[0] if counts.ndim else 0}, expected {self.num_transition_ids + 1}")
        impr, tot_count, skipped = 0.0, 0.0, 0
        for ts in range(1, self.num_transition_states + 1):
            lo, hi = self._state2id[ts], self._state2id[ts + 1]
            c = counts[lo:hi]
            tot = float(c.sum())
            if tot < min_count:
                skipped += 1
                continue
            new = np.maximum(c / tot, floor)
            new /= new.sum()
            new_lp = np.maximum(np.log(new), LOG_PROB_FLOOR)
            impr += float(np.dot(c, new_lp - self.log_probs[lo:hi]))
            tot_count += tot
            self.log_probs[lo:hi] = new_lp
        log.info(
            "transition update: %d of %d transition states updated, %d below min count %g; objf change %.4f per frame over %g frames",
            self.num_transition_states - skipped, self.num_transition_states, skipped, min_count,
            impr / tot_count if tot_count > 0 else 0.0, tot_count,
        )
        return impr, tot_count

    # ------------------------------------------------------------ I/O
    def to_dict(self) -> dict:
        return {
            "topo": self.topo.to_text(),
            "num_pdfs": int(self.num_pdfs),
            "tuples": [list(t) for t in self.tuples],
            "log_probs": [float(x) for x in self.log_probs],
        }

    @classmethod
    def from_dict(cls, d: dict, source: Optional[str] = None) -> "TransitionModel":
        try:
            topo = Topology.from_text(d["topo"], source=source)
            return cls(topo, None, _tuples=d["tuples"], _log_probs=d["log_probs"], _num_pdfs=d.get("num_pdfs"))
        except (KeyError, TypeError, ValueError) as e:
            raise DataError(f"malformed transition model: {e!r}", path=source)

    def compatible(self, other: "TransitionModel") -> bool:
        """Same topology and numbering (probabilities may differ)."""
        return self.topo == other.topo and self.tuples == other.tuples

    # ------------------------------------------------------------ display
    def describe(self, phone_names: Optional[Dict[int, str]] = None, occs: Optional[np.ndarray] = None) -> str:
        """Kaldi's show-transitions text: one block per transition state."""
        names = phone_names or {}
        if occs is not None and len(occs) != self.num_pdfs:
            raise MismatchError(f"occupation counts have {len(occs)} entries, the model has {self.num_pdfs} pdfs")
        is_hmm = all(t[2] == t[3] for t in self.tuples) and self.topo.is_hmm()
        out: List[str] = []
        for ts, (phone, hmm_state, fpdf, lpdf) in enumerate(self.tuples, start=1):
            head = f"Transition-state {ts}: phone = {names.get(phone, str(phone))} hmm-state = {hmm_state}"
            head += f" pdf = {fpdf}" if is_hmm else f" forward-pdf = {fpdf} self-loop-pdf = {lpdf}"
            out.append(head)
            st = self.topo.phone_states(phone)[hmm_state]
            for idx, (dest, _) in enumerate(st.transitions):
                tid = self._state2id[ts] + idx
                line = f" Transition-id = {tid} p = {_fmt_g(math.exp(self.log_probs[tid]))}"
                loop = dest == hmm_state
                if occs is not None:
                    line += f" count of pdf = {_fmt_g(float(occs[lpdf if loop else fpdf]))}"
                line += " [self-loop]" if loop else f" [{hmm_state} -> {dest}]"
                out.append(line)
        return "\n".join(out) + "\n"

    def __repr__(self) -> str:
        return (
            f"TransitionModel({len(self.topo.phones)} phones, {self.num_pdfs} pdfs, "
            f"{self.num_transition_states} transition states, {self.num_transition_ids} transition ids)"
        )


def _fmt_g(x: float) -> str:
    """Six significant digits, as a C++ stream prints a float."""
    return f"{x:.6g}"
