"""Per-transition-id lookup tables derived from a TransitionModel.

Graph building, self-loop insertion, alignment and decoding all need, for every
transition id, its pdf, its transition state, whether it is a self-loop and its log
probability. Reading them once into numpy arrays keeps those loops vectorized and makes
the graph code depend only on the TransitionModel's documented lookups.

The weights follow Kaldi's split of an HMM transition probability: a forward transition
out of an HMM state with self-loop probability ``p_loop`` costs
``-transition_scale * log(p / (1 - p_loop)) - self_loop_scale * log(1 - p_loop)`` and
the self-loop itself ``-self_loop_scale * log(p_loop)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class TransitionTables:
    """Arrays indexed by transition id (index 0 unused) or by transition state (index 0 unused)."""

    tid2pdf: np.ndarray  # [num_tids + 1] int64
    tid2tstate: np.ndarray  # [num_tids + 1] int64
    is_self_loop: np.ndarray  # [num_tids + 1] bool
    log_prob: np.ndarray  # [num_tids + 1] float64, log p(tid)
    tstate_self_loop: np.ndarray  # [num_tstates + 1] int64, self-loop tid of a state (0: none)
    tstate_log_nonloop: np.ndarray  # [num_tstates + 1] float64, log(1 - p_loop)

    @property
    def num_tids(self) -> int:
        return int(self.tid2pdf.shape[0] - 1)

    @property
    def num_pdfs(self) -> int:
        return int(self.tid2pdf[1:].max() + 1) if self.num_tids else 0

    @classmethod
    def from_model(cls, tm) -> "TransitionTables":
        n = int(tm.num_transition_ids)
        nts = int(tm.num_transition_states)
        tid2pdf = np.zeros(n + 1, dtype=np.int64)
        tid2pdf[1:] = np.asarray(tm.tid2pdf, dtype=np.int64)[1 : n + 1]
        tid2tstate = np.zeros(n + 1, dtype=np.int64)
        is_loop = np.zeros(n + 1, dtype=bool)
        log_prob = np.zeros(n + 1, dtype=np.float64)
        for t in range(1, n + 1):
            tid2tstate[t] = tm.transition_id_to_transition_state(t)
            is_loop[t] = bool(tm.is_self_loop(t))
            log_prob[t] = float(tm.log_prob(t))
        loop = np.zeros(nts + 1, dtype=np.int64)
        lognl = np.zeros(nts + 1, dtype=np.float64)
        for ts in range(1, nts + 1):
            sl = int(tm.transition_state_to_self_loop_id(ts) or 0)
            loop[ts] = sl
            if sl:
                p = float(np.exp(log_prob[sl]))
                lognl[ts] = float(np.log1p(-p)) if p < 1.0 else -np.inf
        return cls(tid2pdf, tid2tstate, is_loop, log_prob, loop, lognl)

    def log_prob_ignoring_self_loops(self) -> np.ndarray:
        """log p(tid) renormalized without the state's self-loop (forward tids); 0 for self-loops."""
        out = self.log_prob - self.tstate_log_nonloop[self.tid2tstate]
        out[self.is_self_loop] = 0.0
        out[0] = 0.0
        return out

    def transition_costs(self, transition_scale: float = 1.0, self_loop_scale: float = 0.1) -> np.ndarray:
        """Cost (negated scaled log-prob) each tid's arc carries in a finished graph with self-loops."""
        cost = -transition_scale * self.log_prob_ignoring_self_loops()
        cost -= self_loop_scale * self.tstate_log_nonloop[self.tid2tstate]
        loops = self.is_self_loop
        cost[loops] = -self_loop_scale * self.log_prob[loops]
        cost[0] = 0.0
        return cost
