"""The HMM topology file ``topo`` that prepare_lang writes (as Kaldi's ``gen_topo.pl``).

Non-silence phones get a left-to-right chain (each state loops with 0.75 and moves on with
0.25). Silence phones get a more flexible model, because silence and noise segments are
long and varied: the first state may jump to any of the middle states, the middle states
connect to each other and to the last emitting state, and only the last emitting state
leads to the exit. The text is Kaldi's, so ``mtlhybrid.hmm.topology.Topology`` and Kaldi
both read it.
"""

from __future__ import annotations

from typing import List, Sequence

from mtlhybrid.utils.errors import MtlHybridError


def _fmt(x: float) -> str:
    s = repr(float(x))
    return s[:-2] if s.endswith(".0") else s


def make_topo_text(num_nonsil_states: int, num_sil_states: int, nonsil_phones: Sequence[int], sil_phones: Sequence[int]) -> str:
    """Kaldi text topology for the given phone ids (``nonsil_phones`` and ``sil_phones``)."""
    if not 1 <= num_nonsil_states <= 100:
        raise MtlHybridError(f"number of non-silence states must be 1..100, got {num_nonsil_states}")
    if not (num_sil_states == 1 or 3 <= num_sil_states <= 100):
        raise MtlHybridError(f"number of silence states must be 1 or 3..100, got {num_sil_states}")
    out: List[str] = ["<Topology>"]
    if nonsil_phones:
        out += ["<TopologyEntry>", "<ForPhones>", " ".join(map(str, nonsil_phones)), "</ForPhones>"]
        for s in range(num_nonsil_states):
            out.append(f"<State> {s} <PdfClass> {s} <Transition> {s} 0.75 <Transition> {s + 1} 0.25 </State>")
        out += [f"<State> {num_nonsil_states} </State>", "</TopologyEntry>"]
    if sil_phones:
        out += ["<TopologyEntry>", "<ForPhones>", " ".join(map(str, sil_phones)), "</ForPhones>"]
        n = num_sil_states
        if n > 1:
            p = _fmt(1.0 / (n - 1))
            out.append("<State> 0 <PdfClass> 0 " + "".join(f"<Transition> {t} {p} " for t in range(n - 1)) + "</State>")
            for s in range(1, n - 1):
                out.append(f"<State> {s} <PdfClass> {s} " + "".join(f"<Transition> {t} {p} " for t in range(1, n)) + "</State>")
            out.append(f"<State> {n - 1} <PdfClass> {n - 1} <Transition> {n - 1} 0.75 <Transition> {n} 0.25 </State>")
        else:
            out.append("<State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>")
        out += [f"<State> {n} </State>", "</TopologyEntry>"]
    out.append("</Topology>")
    return "\n".join(out) + "\n"
