"""State-level lattices as numpy arrays (Kaldi's ``Lattice``: graph and acoustic costs per arc).

kaldi-decoder returns kaldifst ``Lattice`` objects, but kaldifst exposes almost no
lattice algorithms (no determinization, no forward-backward). Everything here therefore
works on :class:`StateLattice`: arcs in arrays, states renumbered in topological order
(start = 0), and for each state its frame index and its "level" (longest arc path from
the start). Processing arcs level by level lets dynamic programming over the whole
lattice run as a few numpy operations per level instead of a Python loop per arc.

Costs are Kaldi's: ``graph_cost`` (negated graph log-prob: LM, lexicon, transitions) and
``acoustic_cost`` (negated, *unscaled* acoustic log-likelihood), as written to ``lat.*.gz``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np


@dataclass
class StateLattice:
    src: np.ndarray
    dst: np.ndarray
    ilabel: np.ndarray  # transition ids (0: epsilon)
    olabel: np.ndarray  # word ids (0: epsilon)
    graph_cost: np.ndarray
    acoustic_cost: np.ndarray
    final_graph: np.ndarray  # per state; inf where not final
    final_acoustic: np.ndarray
    num_states: int
    level: np.ndarray = field(default=None, repr=False)  # per state
    time: np.ndarray = field(default=None, repr=False)  # per state: frames consumed before it

    def __post_init__(self):
        if self.level is None or self.time is None:
            self._sort()

    # ------------------------------------------------------------ construction
    @classmethod
    def from_arrays(cls, num_states, start, src, dst, ilabel, olabel, graph_cost, acoustic_cost, final_graph, final_acoustic) -> "StateLattice":
        """Build from raw arrays with any state numbering; renumbers topologically from ``start``."""
        return cls.from_arrays_many([(num_states, start, src, dst, ilabel, olabel, graph_cost, acoustic_cost, final_graph, final_acoustic)])[0]

    @classmethod
    def from_arrays_many(cls, raws: Sequence[tuple]) -> List["StateLattice"]:
        """:meth:`from_arrays` for many lattices (each a tuple of its arguments) at once.

        The lattices are sorted as one disjoint union, so each numpy step of the
        topological sort, pruning and timing serves all of them: a lattice has about as
        many levels as frames but only a few arcs per level, and a per-lattice pass paid
        numpy's per-call overhead on every level. Each result equals what
        :meth:`from_arrays` gives for that lattice alone.
        """
        if not raws:
            return []
        ns = np.array([int(r[0]) for r in raws], dtype=np.int64)
        soff = np.concatenate([[0], np.cumsum(ns)])
        n = int(soff[-1])
        na = [len(r[2]) for r in raws]
        shift = np.repeat(soff[:-1], na)
        src = np.concatenate([np.asarray(r[2], dtype=np.int64).reshape(-1) for r in raws]) + shift
        dst = np.concatenate([np.asarray(r[3], dtype=np.int64).reshape(-1) for r in raws]) + shift
        cat = lambda i, dt: np.concatenate([np.asarray(r[i], dtype=dt).reshape(-1) for r in raws])  # noqa: E731
        ilabel, olabel = cat(4, np.int64), cat(5, np.int64)
        graph_cost, acoustic_cost = cat(6, np.float64), cat(7, np.float64)
        final_graph, final_acoustic = cat(8, np.float64), cat(9, np.float64)
        starts = np.array([int(r[1]) for r in raws], dtype=np.int64) + soff[:-1]
        order, level = _topo_order(n, starts, src, dst)
        # Keep only states reachable from start and co-reachable to a final state.
        keep = _coaccessible(n, src, dst, np.isfinite(final_graph)) & (level >= 0)
        old_ids = order[keep[order]]
        lat_of = np.repeat(np.arange(len(raws)), ns)
        old_ids = old_ids[np.argsort(lat_of[old_ids], kind="stable")]  # each lattice's states together, in order
        new_id = np.full(n, -1, dtype=np.int64)
        new_id[old_ids] = np.arange(old_ids.shape[0])
        arc_keep = (new_id[src] >= 0) & (new_id[dst] >= 0)
        union = cls(
            src=new_id[src[arc_keep]], dst=new_id[dst[arc_keep]], ilabel=ilabel[arc_keep], olabel=olabel[arc_keep],
            graph_cost=graph_cost[arc_keep], acoustic_cost=acoustic_cost[arc_keep],
            final_graph=final_graph[old_ids], final_acoustic=final_acoustic[old_ids],
            num_states=int(old_ids.shape[0]), level=np.zeros(0), time=np.zeros(0),
        )
        # The new numbering is already topological, and the levels (longest paths in the
        # larger graph) still put every arc's destination deeper than its source.
        union._sort(level=level[old_ids])
        new_off = np.concatenate([[0], np.cumsum(np.bincount(lat_of[old_ids], minlength=len(raws)))])
        return union.split(new_off)

    @classmethod
    def concat(cls, lats: Sequence["StateLattice"]) -> Tuple["StateLattice", np.ndarray]:
        """The disjoint union of ``lats`` (state ``i`` of lattice ``k`` is ``offsets[k] + i``) and the offsets.

        Each lattice's start, 0 in it, is ``offsets[k]`` in the union; levels and times
        are kept, so level-by-level passes over the union treat each lattice as alone.
        """
        ns = np.array([l.num_states for l in lats], dtype=np.int64)
        off = np.concatenate([[0], np.cumsum(ns)])
        shift = np.repeat(off[:-1], [l.num_arcs for l in lats])
        cat = lambda name: np.concatenate([getattr(l, name) for l in lats]) if lats else np.zeros(0)  # noqa: E731
        union = cls(src=cat("src") + shift, dst=cat("dst") + shift, ilabel=cat("ilabel"), olabel=cat("olabel"),
                    graph_cost=cat("graph_cost"), acoustic_cost=cat("acoustic_cost"),
                    final_graph=cat("final_graph"), final_acoustic=cat("final_acoustic"),
                    num_states=int(off[-1]), level=cat("level"), time=cat("time"))
        return union, off

    def split(self, offsets: np.ndarray) -> List["StateLattice"]:
        """Undo :meth:`concat`: the lattices of a union whose arcs are sorted by source state."""
        aoff = np.searchsorted(self.src, offsets)
        out = []
        for k in range(len(offsets) - 1):
            s0, s1, a0, a1 = int(offsets[k]), int(offsets[k + 1]), int(aoff[k]), int(aoff[k + 1])
            if s1 == s0:
                out.append(StateLattice.empty())
                continue
            out.append(StateLattice(
                src=self.src[a0:a1] - s0, dst=self.dst[a0:a1] - s0, ilabel=self.ilabel[a0:a1], olabel=self.olabel[a0:a1],
                graph_cost=self.graph_cost[a0:a1], acoustic_cost=self.acoustic_cost[a0:a1],
                final_graph=self.final_graph[s0:s1], final_acoustic=self.final_acoustic[s0:s1],
                num_states=s1 - s0, level=self.level[s0:s1], time=self.time[s0:s1]))
        return out

    @classmethod
    def from_kaldifst(cls, lat) -> "StateLattice":
        """From a kaldifst ``Lattice`` (e.g. kaldi-decoder's raw lattice).

        The lattice is printed by kaldifst's C++ (``to_str``) and the text parsed with
        regular expressions into arrays: iterating the arcs from Python cost several
        times the decoding itself.
        """
        if lat.num_states == 0:
            return cls.empty()
        parsed = _parse_openfst_text(lat.to_str(fst_field_separator="\t"))
        if parsed is None:
            return cls._from_kaldifst_arcs(lat)
        return cls.from_arrays(*parsed)

    @classmethod
    def _from_kaldifst_arcs(cls, lat) -> "StateLattice":
        """Arc by arc through kaldifst's iterator (slow; for text :func:`_parse_openfst_text` rejects)."""
        from kaldifst.lib._kaldifst import _ArcIteratorLattice

        n = lat.num_states
        src, dst, il, ol, g, a = [], [], [], [], [], []
        fg = np.full(n, np.inf)
        fa = np.full(n, np.inf)
        for s in range(n):
            fw = lat.final(s)
            if np.isfinite(fw.value1):
                fg[s], fa[s] = fw.value1, fw.value2
            it = _ArcIteratorLattice(lat, s)
            while not it.done:
                arc = it.value
                w = arc.weight
                src.append(s), dst.append(arc.nextstate), il.append(arc.ilabel), ol.append(arc.olabel)
                g.append(w.value1), a.append(w.value2)
                it.next()
        if n == 0:
            return cls.empty()
        return cls.from_arrays(n, lat.start, src, dst, il, ol, g, a, fg, fa)

    @classmethod
    def empty(cls) -> "StateLattice":
        z = np.zeros(0, dtype=np.int64)
        f = np.zeros(0, dtype=np.float64)
        return cls(z, z, z, z, f, f, f, f, 0, level=z, time=z)

    def to_kaldifst(self):
        import kaldifst

        lat = kaldifst.Lattice()
        for _ in range(self.num_states):
            lat.add_state()
        if self.num_states == 0:
            return lat
        lat.start = 0
        for s, d, i, o, g, a in zip(self.src.tolist(), self.dst.tolist(), self.ilabel.tolist(), self.olabel.tolist(),
                                    self.graph_cost.tolist(), self.acoustic_cost.tolist()):
            lat.add_arc(s, kaldifst.LatticeArc(i, o, kaldifst.LatticeWeight(g, a), d))
        for s in np.nonzero(np.isfinite(self.final_graph))[0].tolist():
            lat.set_final(s, kaldifst.LatticeWeight(float(self.final_graph[s]), float(self.final_acoustic[s])))
        return lat

    def _sort(self, level: Optional[np.ndarray] = None) -> None:
        """Renumber states in topological order (start = 0) and compute levels and frame times.

        ``level``: levels of states already numbered in topological order (no renumbering).
        """
        n = self.num_states
        if n == 0:
            self.level = np.zeros(0, dtype=np.int64)
            self.time = np.zeros(0, dtype=np.int64)
            return
        if level is not None:
            self.level = np.asarray(level, dtype=np.int64)
        else:
            order, level = _topo_order(n, 0, self.src, self.dst)
            if np.any(level < 0):
                raise ValueError("lattice has states unreachable from its start state")
            perm = np.empty(n, dtype=np.int64)
            perm[order] = np.arange(n)
            self.src, self.dst = perm[self.src], perm[self.dst]
            self.final_graph = self.final_graph[order]
            self.final_acoustic = self.final_acoustic[order]
            self.level = level[order]
        arc_order = np.lexsort((self.dst, self.src))
        for name in ("src", "dst", "ilabel", "olabel", "graph_cost", "acoustic_cost"):
            setattr(self, name, getattr(self, name)[arc_order])
        # Frame times: states in topological order, every arc into a state agrees.
        time = np.zeros(n, dtype=np.int64)
        emitting = (self.ilabel != 0).astype(np.int64)
        for lv, idx in self._arcs_by_src_level():
            np.maximum.at(time, self.dst[idx], time[self.src[idx]] + emitting[idx])
        self.time = time

    def _arcs_by_src_level(self) -> List[Tuple[int, np.ndarray]]:
        if self.src.size == 0:
            return []
        lv = self.level[self.src]
        order = np.argsort(lv, kind="stable")
        bounds = np.nonzero(np.diff(lv[order]))[0] + 1
        return [(int(lv[g[0]]), g) for g in np.split(order, bounds)]

    # ------------------------------------------------------------ properties
    @property
    def num_arcs(self) -> int:
        return int(self.src.shape[0])

    @property
    def num_frames(self) -> int:
        fin = np.isfinite(self.final_graph)
        return int(self.time[fin].max()) if fin.any() else 0

    def arc_costs(self, lm_scale: float = 1.0, acoustic_scale: float = 1.0, word_ins_penalty: float = 0.0) -> np.ndarray:
        """Combined arc costs ``lm_scale*graph + acoustic_scale*acoustic + penalty*[word arc]``."""
        c = lm_scale * self.graph_cost + acoustic_scale * self.acoustic_cost
        if word_ins_penalty:
            c = c + word_ins_penalty * (self.olabel != 0)
        return c

    def final_costs(self, lm_scale: float = 1.0, acoustic_scale: float = 1.0) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            c = lm_scale * self.final_graph + acoustic_scale * self.final_acoustic
        c[~np.isfinite(self.final_graph)] = np.inf
        return c

    # ------------------------------------------------------------ text form
    def to_text(self) -> str:
        """OpenFst/Kaldi text form of a Lattice: ``src dst ilabel olabel graph,acoustic`` lines, then finals."""
        out = [
            f"{s}\t{d}\t{i}\t{o}\t{_fmt(g)},{_fmt(a)}"
            for s, d, i, o, g, a in zip(self.src.tolist(), self.dst.tolist(), self.ilabel.tolist(), self.olabel.tolist(),
                                        self.graph_cost.tolist(), self.acoustic_cost.tolist())
        ]
        for s in np.nonzero(np.isfinite(self.final_graph))[0].tolist():
            out.append(f"{s}\t{_fmt(self.final_graph[s])},{_fmt(self.final_acoustic[s])}")
        return "\n".join(out) + ("\n" if out else "")

    @classmethod
    def from_text(cls, text: str, where: str = "") -> "StateLattice":
        """Parse :meth:`to_text` output (start state = source of the first line, as OpenFst)."""
        fast = _parse_openfst_text(text)
        if fast is not None:
            return cls.from_arrays(*fast)
        return cls._from_text_lines(text, where)

    @classmethod
    def _from_text_lines(cls, text: str, where: str = "") -> "StateLattice":
        """Line by line: any text form (weights optional), with the line of the first error."""
        from mtlhybrid.utils.errors import DataError

        src, dst, il, ol, g, a = [], [], [], [], [], []
        finals = {}
        start = None
        max_state = -1
        for k, line in enumerate(text.splitlines(), start=1):
            f = line.split()
            if not f:
                continue
            try:
                if len(f) in (4, 5) and len(f) != 2:
                    s, d = int(f[0]), int(f[1])
                    w = f[4] if len(f) == 5 else "0,0"
                    gc, ac = (float(x) for x in w.split(","))
                    src.append(s), dst.append(d), il.append(int(f[2])), ol.append(int(f[3])), g.append(gc), a.append(ac)
                    max_state = max(max_state, s, d)
                elif len(f) in (1, 2):
                    s = int(f[0])
                    w = f[1] if len(f) == 2 else "0,0"
                    gc, ac = (float(x) for x in w.split(","))
                    finals[s] = (gc, ac)
                    max_state = max(max_state, s)
                else:
                    raise ValueError("wrong number of fields")
            except ValueError as e:
                raise DataError(f"bad lattice line {k} {line!r}: {e}", path=where or None)
            if start is None:
                start = s
        if start is None:
            return cls.empty()
        n = max_state + 1
        fg = np.full(n, np.inf)
        fa = np.full(n, np.inf)
        for s, (gc, ac) in finals.items():
            fg[s], fa[s] = gc, ac
        return cls.from_arrays(n, start, src, dst, il, ol, g, a, fg, fa)


_ARC_LINE_OPT = re.compile(r"^(\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)(?:[ \t]+([^,\s]+),(\S+))?[ \t]*$", re.M)
_FINAL_LINE_OPT = re.compile(r"^(\d+)(?:[ \t]+([^,\s]+),(\S+))?[ \t]*$", re.M)


def _parse_openfst_text(text: str):
    """:meth:`StateLattice.from_arrays` arguments of OpenFst/Kaldi lattice text, parsed by
    regular expression rather than line by line; weights may be left out (OpenFst's
    printer omits One, ``0,0``). None for other text: the line parser handles it, or
    names the bad line."""
    arcs = _ARC_LINE_OPT.findall(text)
    finals = _FINAL_LINE_OPT.findall(text)
    num_lines = sum(1 for line in text.splitlines() if line.strip())
    if not arcs or len(arcs) + len(finals) != num_lines:
        return None
    try:
        arc = np.array(arcs, dtype=object).reshape(-1, 6)
        arc[arc == ""] = "0"
        arc = arc.astype(np.float64)
        fin = np.array(finals, dtype=object).reshape(-1, 3)
        fin[fin == ""] = "0"
        fin = fin.astype(np.float64)
    except ValueError:
        return None
    ids = arc[:, :4].astype(np.int64)
    fin_states = fin[:, 0].astype(np.int64)
    start = int(text.split(None, 1)[0])
    n = int(max(ids[:, :2].max(initial=-1), fin_states.max(initial=-1))) + 1
    fg = np.full(n, np.inf)
    fa = np.full(n, np.inf)
    fg[fin_states], fa[fin_states] = fin[:, 1], fin[:, 2]
    return n, start, ids[:, 0], ids[:, 1], ids[:, 2], ids[:, 3], arc[:, 4], arc[:, 5], fg, fa


_SEP = np.zeros(256, dtype=bool)
_SEP[list(b" \t\r\n,")] = True
_NUMERIC = _SEP.copy()
_NUMERIC[list(b"0123456789.-+eEinfaINFA")] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[list(b"0123456789")] = True


def _parse_openfst_texts(texts: Sequence[str]) -> List[Optional[tuple]]:
    """:func:`_parse_openfst_text` of many lattice texts at once, vectorised over their bytes.

    Lines are classified with numpy on the bytes of all texts together (an arc line has
    4 fields, or 5 with ``graph,acoustic``; a final line 1, or 2 with its weight; state
    and label fields are digits only) and every number is converted in one call, instead
    of two regular-expression passes and an object array per lattice (the largest part of
    reading a hybrid system's lattices). A text that does not fit (or all of them, if a
    number does not convert) gets :func:`_parse_openfst_text`'s answer instead, so the
    results are always the same as one text at a time.
    """
    out: List[Optional[tuple]] = [None] * len(texts)
    if not texts:
        return out
    big = "\n".join(texts)
    b = np.frombuffer(big.encode(), dtype=np.uint8)
    lines_per = np.array([t.count("\n") + 1 for t in texts], dtype=np.int64)
    lat_of_line = np.repeat(np.arange(len(texts)), lines_per)
    nl = b == 10
    line = np.cumsum(nl, dtype=np.int32)  # line of each byte (a newline ends its line)
    line[nl] -= 1
    nlines = int(lines_per.sum())
    tok = ~_SEP[b]
    starts = tok.copy()
    starts[1:] &= ~tok[:-1]
    cst = np.cumsum(starts, dtype=np.int32)  # tokens begun up to each byte
    ntok = np.bincount(line[starts], minlength=nlines)
    comma = np.nonzero(b == 44)[0]
    ncomma = np.bincount(line[comma], minlength=nlines)
    weighted = ncomma == 1
    line_ok = np.where(weighted, (ntok == 6) | (ntok == 3), (ntok == 4) | (ntok == 1) | (ntok == 0)) & (ncomma <= 1)
    line_ok &= np.bincount(line[~_NUMERIC[b]], minlength=nlines) == 0
    line_base = np.concatenate([[0], np.cumsum(ntok)])  # first token of each line
    if comma.size:  # "graph,acoustic": one field split by the comma, the line's last
        bad = np.zeros(comma.shape[0], dtype=bool)
        bad |= (comma == 0) | (comma + 1 >= b.size)
        c = np.clip(comma, 1, b.size - 2)
        bad |= ~tok[c - 1] | ~starts[c + 1] | (cst[c + 1] - line_base[line[c]] != ntok[line[c]])
        line_ok[line[comma[bad]]] = False
    # State and label fields: digits only.
    tok_line = line[starts]
    ntot = int(line_base[-1])
    ordinal = np.arange(ntot) - line_base[tok_line]
    is_id = np.where(ntok[tok_line] >= 4, ordinal < 4, ordinal == 0)
    non_digit = np.zeros(ntot, dtype=bool)
    non_digit[cst[tok & ~_DIGIT[b]] - 1] = True
    line_ok[tok_line[non_digit & is_id]] = False
    arc_line = ntok >= 4
    lat_ok = (np.bincount(lat_of_line[~line_ok], minlength=len(texts)) == 0) & (np.bincount(lat_of_line[arc_line], minlength=len(texts)) > 0)
    try:
        vals = np.array(big.replace(",", " ").split(), dtype=np.float64)
    except ValueError:
        vals = None
    if vals is None or vals.shape[0] != ntot:
        return [_parse_openfst_text(t) for t in texts]
    ends = np.cumsum(lines_per)
    first_line = ends - lines_per
    for k in np.nonzero(~lat_ok)[0].tolist():
        out[k] = _parse_openfst_text(texts[k])
    # Arc and final lines of the well-formed texts, in text order.
    keep_line = lat_ok[lat_of_line]
    al = np.nonzero(arc_line & keep_line)[0]
    fl = np.nonzero(((ntok == 1) | (ntok == 3)) & keep_line)[0]
    ao, fo = line_base[al], line_base[fl]
    ids = np.stack([vals[ao], vals[ao + 1], vals[ao + 2], vals[ao + 3]], axis=1).astype(np.int64)
    last = ntot - 1
    g = np.where(weighted[al], vals[np.minimum(ao + 4, last)], 0.0)
    ac = np.where(weighted[al], vals[np.minimum(ao + 5, last)], 0.0)
    fs = vals[fo].astype(np.int64)
    fgv = np.where(weighted[fl], vals[np.minimum(fo + 1, last)], 0.0)
    fav = np.where(weighted[fl], vals[np.minimum(fo + 2, last)], 0.0)
    a_bounds = np.searchsorted(lat_of_line[al], np.arange(len(texts) + 1))
    f_bounds = np.searchsorted(lat_of_line[fl], np.arange(len(texts) + 1))
    nonempty = np.nonzero(ntok > 0)[0]
    # (a text with no token has no arcs, so it is not among the well-formed ones: clip its index)
    first_tok_line = nonempty[np.minimum(np.searchsorted(nonempty, first_line), nonempty.size - 1)] if nonempty.size else first_line
    for k in np.nonzero(lat_ok)[0].tolist():
        a0, a1, f0, f1 = a_bounds[k], a_bounds[k + 1], f_bounds[k], f_bounds[k + 1]
        kid, kfs = ids[a0:a1], fs[f0:f1]
        n = int(max(kid[:, :2].max(initial=-1), kfs.max(initial=-1))) + 1
        fg = np.full(n, np.inf)
        fa = np.full(n, np.inf)
        fg[kfs], fa[kfs] = fgv[f0:f1], fav[f0:f1]
        start = int(vals[line_base[first_tok_line[k]]])
        out[k] = (n, start, kid[:, 0], kid[:, 1], kid[:, 2], kid[:, 3], g[a0:a1], ac[a0:a1], fg, fa)
    return out


def _fmt(x: float) -> str:
    return repr(float(x)) if x != int(x) else str(int(x))


def _csr(n: int, key: np.ndarray, other: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Arcs grouped by ``key`` (stable: a state's arcs keep their order): ``(ptr, other sorted)``."""
    order = np.argsort(key, kind="stable")
    return np.searchsorted(key[order], np.arange(n + 1)), other[order]


def _gather(ptr: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Indices (into the CSR arrays) of the arcs of ``states``, state by state in the given order."""
    lo = ptr[states]
    lens = ptr[states + 1] - lo
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lens)
    return np.arange(total, dtype=np.int64) + np.repeat(lo - (ends - lens), lens)


def _reachable(n: int, starts: np.ndarray, ptr: np.ndarray, nbr: np.ndarray) -> np.ndarray:
    """States reachable from ``starts`` along the CSR arcs, one breadth-first wave per numpy step."""
    reach = np.zeros(n, dtype=bool)
    frontier = np.unique(np.asarray(starts, dtype=np.int64))
    reach[frontier] = True
    while frontier.size:
        d = nbr[_gather(ptr, frontier)]
        d = np.unique(d[~reach[d]])
        reach[d] = True
        frontier = d
    return reach


def _topo_order(n: int, start, src: np.ndarray, dst: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Kahn's algorithm over states reachable from ``start``; returns (order, level per state, -1 if unreachable).

    ``start`` may be an array of start states (a union of lattices, one start each).
    Vectorised by wave: wave ``k`` holds the states whose longest path from a start has
    ``k`` arcs (their level), found with a few numpy operations per wave rather than a
    Python step per arc (this was most of the cost of reading a lattice). Within a wave,
    states come in the order in which a per-state Kahn's algorithm, visiting each
    state's arcs in their order, would have released them (its last incoming arc's
    position): the numbering, hence the arc order and every tie-break downstream, is
    the same as the per-state loop's.
    """
    level = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.int64), level
    starts = np.atleast_1d(np.asarray(start, dtype=np.int64))
    ptr, dst_sorted = _csr(n, src, dst)
    reach = _reachable(n, starts, ptr, dst_sorted)
    m = reach[src] if src.size else np.zeros(0, dtype=bool)
    indeg = np.bincount(dst[m], minlength=n) if src.size else np.zeros(n, dtype=np.int64)
    waves = []
    frontier = starts
    k = 0
    while frontier.size:
        level[frontier] = k
        waves.append(frontier)
        d = dst_sorted[_gather(ptr, frontier)]
        if d.size == 0:
            break
        np.subtract.at(indeg, d, 1)
        pos = np.nonzero(indeg[d] == 0)[0][::-1]  # arcs whose destination is now free, last first
        free, first = np.unique(d[pos], return_index=True)
        frontier = free[np.argsort(pos[first])]  # in the order of each one's last incoming arc
        k += 1
    order = np.concatenate(waves)
    if order.shape[0] != int(reach.sum()):
        raise ValueError("lattice has a cycle")
    level[~reach] = -1
    unreachable = np.nonzero(~reach)[0]
    return np.concatenate([order, unreachable]), level


def _coaccessible(n: int, src: np.ndarray, dst: np.ndarray, final: np.ndarray) -> np.ndarray:
    """States from which a final state can be reached (backward waves from the finals)."""
    if src.size == 0:
        return final.copy()
    ptr, src_sorted = _csr(n, dst, src)
    return _reachable(n, np.nonzero(final)[0], ptr, src_sorted)
