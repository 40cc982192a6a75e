"""HMM topologies in Kaldi's text ``topo`` format.

A topology says, for each phone, which HMM states it has, which pdf class each state
emits from, and the initial transition probabilities. The last state of each entry is the
non-emitting exit state. The transition model and the tree both read it, and Kaldi must
be able to read what we write, so the text format is Kaldi's exactly::

    <Topology>
    <TopologyEntry>
    <ForPhones> 1 2 3 </ForPhones>
    <State> 0 <PdfClass> 0 <Transition> 0 0.75 <Transition> 1 0.25 </State>
    ...
    <State> 3 </State>
    </TopologyEntry>
    </Topology>

A state may give ``<ForwardPdfClass> f <SelfLoopPdfClass> s`` instead of ``<PdfClass>``
(Kaldi's chain topologies); ``HmmState.pdf_class`` then holds the forward class and
``self_loop_pdf_class`` the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)

PathLike = Union[str, Path]


@dataclass
class HmmState:
    """One state of a phone's HMM.

    ``pdf_class`` is None for the final, non-emitting state. ``transitions`` lists
    ``(destination_state, probability)`` in file order; that order defines transition
    indices (and so transition ids).
    """

    pdf_class: Optional[int]
    transitions: List[Tuple[int, float]] = field(default_factory=list)
    self_loop_pdf_class: Optional[int] = None

    @property
    def loop_pdf_class(self) -> Optional[int]:
        """The pdf class of this state's self-loop (the same as ``pdf_class`` in plain HMMs)."""
        return self.pdf_class if self.self_loop_pdf_class is None else self.self_loop_pdf_class

    def to_dict(self) -> dict:
        d = {"pdf_class": self.pdf_class, "transitions": [[int(a), float(p)] for a, p in self.transitions]}
        if self.self_loop_pdf_class is not None:
            d["self_loop_pdf_class"] = self.self_loop_pdf_class
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "HmmState":
        return cls(d["pdf_class"], [(int(a), float(p)) for a, p in d["transitions"]], d.get("self_loop_pdf_class"))


@dataclass
class TopologyEntry:
    """The HMM shared by a list of phones."""

    phones: List[int]
    states: List[HmmState]

    def to_dict(self) -> dict:
        return {"phones": list(self.phones), "states": [s.to_dict() for s in self.states]}

    @classmethod
    def from_dict(cls, d: dict) -> "TopologyEntry":
        return cls(list(d["phones"]), [HmmState.from_dict(s) for s in d["states"]])


def _fmt_prob(p: float) -> str:
    s = repr(float(p))
    return s[:-2] if s.endswith(".0") else s


class Topology:
    """Kaldi's ``HmmTopology``: phone -> list of :class:`HmmState` (last one final)."""

    def __init__(self, entries: Sequence[TopologyEntry], source: Optional[str] = None):
        self.entries: List[TopologyEntry] = list(entries)
        self._source = source or "<topology>"
        self._phone2entry: Dict[int, int] = {}
        for i, e in enumerate(self.entries):
            for p in e.phones:
                if p in self._phone2entry:
                    raise DataError(f"phone {p} appears in more than one <TopologyEntry>", path=self._source)
                self._phone2entry[p] = i
        self.check()

    # ------------------------------------------------------------------ reading
    @classmethod
    def read(cls, path: PathLike) -> "Topology":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise DataError(f"cannot read topology: {e.strerror}", path=path)
        return cls.from_text(text, source=str(path))

    @classmethod
    def from_text(cls, text: str, source: Optional[str] = None) -> "Topology":
        """Parse the text form; errors name the token and the line where it was found."""
        src = source or "<topology>"
        tokens: List[Tuple[str, int]] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            tokens.extend((t, lineno) for t in line.split())
        pos = 0

        def err(msg: str, at: Optional[int] = None) -> DataError:
            line = tokens[at][1] if at is not None and at < len(tokens) else (tokens[-1][1] if tokens else None)
            return DataError(msg, path=src, line=line)

        def next_tok(what: str) -> str:
            nonlocal pos
            if pos >= len(tokens):
                raise err(f"unexpected end of file, expected {what}")
            tok = tokens[pos][0]
            pos += 1
            return tok

        def expect(tok: str) -> None:
            got = next_tok(tok)
            if got != tok:
                raise err(f"expected {tok}, got {got!r}", pos - 1)

        def read_int(what: str) -> int:
            tok = next_tok(what)
            try:
                return int(tok)
            except ValueError:
                raise err(f"expected an integer ({what}), got {tok!r}", pos - 1)

        def read_float(what: str) -> float:
            tok = next_tok(what)
            try:
                return float(tok)
            except ValueError:
                raise err(f"expected a number ({what}), got {tok!r}", pos - 1)

        expect("<Topology>")
        entries: List[TopologyEntry] = []
        while True:
            tok = next_tok("<TopologyEntry> or </Topology>")
            if tok == "</Topology>":
                break
            if tok != "<TopologyEntry>":
                raise err(f"expected <TopologyEntry> or </Topology>, got {tok!r}", pos - 1)
            entry_at = pos - 1
            expect("<ForPhones>")
            phones: List[int] = []
            while True:
                tok = next_tok("a phone id or </ForPhones>")
                if tok == "</ForPhones>":
                    break
                try:
                    p = int(tok)
                except ValueError:
                    raise err(f"expected a phone id in <ForPhones>, got {tok!r}", pos - 1)
                if p <= 0:
                    raise err(f"phone ids must be positive, got {p}", pos - 1)
                phones.append(p)
            if not phones:
                raise err("<ForPhones> lists no phones", entry_at)
            states: List[HmmState] = []
            while True:
                tok = next_tok("<State> or </TopologyEntry>")
                if tok == "</TopologyEntry>":
                    break
                if tok != "<State>":
                    raise err(f"expected <State> or </TopologyEntry>, got {tok!r}", pos - 1)
                state_at = pos - 1
                sid = read_int("state id")
                if sid != len(states):
                    raise err(f"states must be numbered 0, 1, ... in order; expected {len(states)}, got {sid}", state_at)
                pdf_class: Optional[int] = None
                loop_class: Optional[int] = None
                trans: List[Tuple[int, float]] = []
                while True:
                    tok = next_tok("<PdfClass>, <Transition> or </State>")
                    if tok == "</State>":
                        break
                    if tok == "<PdfClass>":
                        pdf_class = read_int("pdf class")
                    elif tok == "<ForwardPdfClass>":
                        pdf_class = read_int("forward pdf class")
                    elif tok == "<SelfLoopPdfClass>":
                        loop_class = read_int("self-loop pdf class")
                    elif tok == "<Transition>":
                        dest = read_int("transition destination")
                        prob = read_float("transition probability")
                        trans.append((dest, prob))
                    elif tok == "<Final>":  # older Kaldi files mark final probabilities; ignore them
                        read_float("final probability")
                    else:
                        raise err(f"unexpected token {tok!r} inside <State>", pos - 1)
                if loop_class is not None and loop_class == pdf_class:
                    loop_class = None
                states.append(HmmState(pdf_class, trans, loop_class))
            entries.append(TopologyEntry(phones, states))
        if pos != len(tokens):
            raise err(f"unexpected text after </Topology>: {tokens[pos][0]!r}", pos)
        if not entries:
            raise DataError("topology has no <TopologyEntry>", path=src)
        return cls(entries, source=src)

    def check(self) -> None:
        """Kaldi's consistency rules: every entry ends in one final state, no dangling arcs."""
        for e in self.entries:
            where = f"entry for phones {' '.join(map(str, e.phones[:5]))}{' ...' if len(e.phones) > 5 else ''}"
            if len(e.states) < 2:
                raise DataError(f"{where}: needs at least one emitting state and the final state", path=self._source)
            n = len(e.states)
            final = e.states[-1]
            if final.pdf_class is not None or final.transitions:
                raise DataError(f"{where}: the last state must be non-emitting with no transitions", path=self._source)
            for i, s in enumerate(e.states[:-1]):
                if s.pdf_class is None:
                    raise DataError(f"{where}: state {i} has no pdf class (only the last state may be non-emitting)", path=self._source)
                if s.pdf_class < 0 or (s.self_loop_pdf_class is not None and s.self_loop_pdf_class < 0):
                    raise DataError(f"{where}: state {i} has a negative pdf class", path=self._source)
                if not s.transitions:
                    raise DataError(f"{where}: state {i} has no transitions", path=self._source)
                dests = [d for d, _ in s.transitions]
                if len(set(dests)) != len(dests):
                    raise DataError(f"{where}: state {i} has two transitions to the same state", path=self._source)
                for d, p in s.transitions:
                    if not 0 <= d < n:
                        raise DataError(f"{where}: state {i} has a transition to state {d}, which does not exist", path=self._source)
                    if not (p > 0.0):
                        raise DataError(f"{where}: state {i} has a transition probability {p} (must be > 0)", path=self._source)
                tot = sum(p for _, p in s.transitions)
                if abs(tot - 1.0) > 0.01:  # Kaldi only warns: training renormalises them anyway
                    log.warning("%s: %s: probabilities out of state %d sum to %g, not 1", self._source, where, i, tot)
            reached, stack = {0}, [0]
            while stack:
                for d, _ in e.states[stack.pop()].transitions:
                    if d not in reached:
                        reached.add(d)
                        stack.append(d)
            for j in range(1, n):
                if j not in reached:
                    raise DataError(f"{where}: state {j} cannot be reached from state 0", path=self._source)
            classes = sorted({c for s in e.states[:-1] for c in (s.pdf_class, s.loop_pdf_class)})
            if classes != list(range(len(classes))):
                raise DataError(f"{where}: pdf classes must be 0..N-1 without gaps, got {classes}", path=self._source)

    # ------------------------------------------------------------------ queries
    @property
    def phones(self) -> List[int]:
        """All phones with a topology, sorted."""
        return sorted(self._phone2entry)

    def has_phone(self, phone: int) -> bool:
        return phone in self._phone2entry

    def entry_for(self, phone: int) -> TopologyEntry:
        try:
            return self.entries[self._phone2entry[phone]]
        except KeyError:
            raise DataError(f"phone {phone} has no topology entry", path=self._source)

    def phone_states(self, phone: int) -> List[HmmState]:
        """The states of ``phone``'s HMM; the last one is the final, non-emitting state."""
        return self.entry_for(phone).states

    def num_pdf_classes(self, phone: int) -> int:
        states = self.phone_states(phone)[:-1]
        return 1 + max(max(s.pdf_class, s.loop_pdf_class) for s in states)

    def num_states(self, phone: int) -> int:
        """Number of emitting states (the final state not counted)."""
        return len(self.phone_states(phone)) - 1

    def min_length(self, phone: int) -> int:
        """Fewest frames a path through the phone's HMM takes (state 0 always emits once)."""
        import heapq

        states = self.phone_states(phone)
        final = len(states) - 1
        dist = {0: 1}
        heap = [(1, 0)]
        while heap:
            d, s = heapq.heappop(heap)
            if s == final:
                return d
            if d > dist[s]:
                continue
            for dest, _ in states[s].transitions:
                nd = d + (0 if dest == final else 1)
                if nd < dist.get(dest, 1 << 30):
                    dist[dest] = nd
                    heapq.heappush(heap, (nd, dest))
        raise DataError(f"phone {phone}: the final state cannot be reached", path=self._source)

    def is_hmm(self) -> bool:
        """True when no state has a separate self-loop pdf class (ordinary HMMs)."""
        return all(s.self_loop_pdf_class is None for e in self.entries for s in e.states)

    # ------------------------------------------------------------------ writing
    def to_text(self) -> str:
        out = ["<Topology>"]
        for e in self.entries:
            out += ["<TopologyEntry>", "<ForPhones>", " ".join(map(str, e.phones)), "</ForPhones>"]
            for i, s in enumerate(e.states):
                parts = [f"<State> {i}"]
                if s.pdf_class is not None:
                    if s.self_loop_pdf_class is None:
                        parts.append(f"<PdfClass> {s.pdf_class}")
                    else:
                        parts.append(f"<ForwardPdfClass> {s.pdf_class} <SelfLoopPdfClass> {s.self_loop_pdf_class}")
                parts += [f"<Transition> {d} {_fmt_prob(p)}" for d, p in s.transitions]
                parts.append("</State>")
                out.append(" ".join(parts))
            out.append("</TopologyEntry>")
        out.append("</Topology>")
        return "\n".join(out) + "\n"

    def write(self, path: PathLike) -> None:
        with atomic_write(path) as f:
            f.write(self.to_text())

    def to_dict(self) -> dict:
        return {"entries": [e.to_dict() for e in self.entries]}

    @classmethod
    def from_dict(cls, d: dict) -> "Topology":
        return cls([TopologyEntry.from_dict(e) for e in d["entries"]])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Topology) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Topology({len(self.entries)} entries, {len(self._phone2entry)} phones)"
