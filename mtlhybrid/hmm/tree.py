"""Context-dependency trees: which pdf (senone) a phone state uses in a given phone context.

Kaldi represents the tree as an *event map*: a decision tree whose questions look at one
key of an event and whose leaves are pdf ids. An event here is a window of
``context_width`` phones (0 = no phone, at an utterance edge) plus the pdf class of the
HMM state; key ``k`` in ``0..context_width-1`` reads ``window[k]`` and key
:data:`PDF_CLASS` (-1, as in Kaldi) reads the pdf class.

Three node kinds are enough for everything gmm-init-mono and build-tree produce:

* :class:`Leaf` -- a pdf id;
* :class:`Table` -- one child per value of a key (the "stub" of roots by phone or pdf class);
* :class:`Split` -- a yes/no question "is the value of key k in this set?".

The file ``tree`` is versioned JSON (``to_dict``), and ``to_text`` draws the tree for people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union

from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.io import atomic_write, read_json

PathLike = Union[str, Path]
PDF_CLASS = -1
TREE_FORMAT = "mtlhybrid.context-dependency"
TREE_VERSION = 1


@dataclass(frozen=True)
class Leaf:
    pdf: int


@dataclass(frozen=True)
class Table:
    key: int
    children: Mapping[int, "Node"]


@dataclass(frozen=True)
class Split:
    key: int
    yes: FrozenSet[int]
    yes_child: "Node"
    no_child: "Node"


Node = Union[Leaf, Table, Split]


def node_to_dict(node: Node) -> dict:
    if isinstance(node, Leaf):
        return {"leaf": node.pdf}
    if isinstance(node, Table):
        return {"key": node.key, "table": [[v, node_to_dict(c)] for v, c in sorted(node.children.items())]}
    return {"key": node.key, "yes": sorted(node.yes), "then": node_to_dict(node.yes_child), "else": node_to_dict(node.no_child)}


def node_from_dict(d: dict) -> Node:
    if "leaf" in d:
        return Leaf(int(d["leaf"]))
    if "table" in d:
        return Table(int(d["key"]), {int(v): node_from_dict(c) for v, c in d["table"]})
    return Split(int(d["key"]), frozenset(int(v) for v in d["yes"]), node_from_dict(d["then"]), node_from_dict(d["else"]))


def iter_leaves(node: Node) -> Iterable[int]:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Leaf):
            yield n.pdf
        elif isinstance(n, Table):
            stack.extend(n.children.values())
        else:
            stack.extend((n.no_child, n.yes_child))


def map_leaves(node: Node, mapping: Mapping[int, int]) -> Node:
    """The same tree with each leaf's pdf id replaced through ``mapping``."""
    if isinstance(node, Leaf):
        return Leaf(mapping[node.pdf])
    if isinstance(node, Table):
        return Table(node.key, {v: map_leaves(c, mapping) for v, c in node.children.items()})
    return Split(node.key, node.yes, map_leaves(node.yes_child, mapping), map_leaves(node.no_child, mapping))


# A constraint on a context key during enumeration: ("in", S) or ("notin", S).
_Constraint = Tuple[str, FrozenSet[int]]


class ContextDependency:
    """Kaldi's ``ContextDependency``: (phone window, pdf class) -> pdf id.

    ``compute`` is what graph building calls for every context-dependent input label;
    ``pdfs_for`` is what the transition model needs to list the pdfs a phone state can use.
    """

    def __init__(self, context_width: int, central_position: int, root: Node, num_pdfs: Optional[int] = None):
        if context_width < 1 or not 0 <= central_position < context_width:
            raise DataError(f"bad context: width {context_width}, central position {central_position}")
        self.context_width = int(context_width)
        self.central_position = int(central_position)
        self.root = root
        leaves = set(iter_leaves(root))
        self.num_pdfs = int(num_pdfs) if num_pdfs is not None else (max(leaves) + 1 if leaves else 0)
        if leaves and (min(leaves) < 0 or max(leaves) >= self.num_pdfs):
            raise DataError(f"tree leaves must lie in 0..{self.num_pdfs - 1}")
        self._cache: Dict[Tuple[Tuple[int, ...], int], int] = {}

    # ---------------------------------------------------------------- lookups
    def compute(self, window: Sequence[int], pdf_class: int) -> int:
        """The pdf id of pdf class ``pdf_class`` of the central phone of ``window``."""
        w = tuple(int(x) for x in window)
        hit = self._cache.get((w, pdf_class))
        if hit is not None:
            return hit
        if len(w) != self.context_width:
            raise MismatchError(f"phone window {list(w)} has {len(w)} phones; the tree's context width is {self.context_width}")
        node = self.root
        while not isinstance(node, Leaf):
            value = pdf_class if node.key == PDF_CLASS else w[node.key]
            if isinstance(node, Table):
                child = node.children.get(value)
                if child is None:
                    what = "pdf class" if node.key == PDF_CLASS else f"phone at position {node.key}"
                    raise MismatchError(f"the tree has no entry for {what} {value} (window {list(w)}, pdf class {pdf_class})")
                node = child
            else:
                node = node.yes_child if value in node.yes else node.no_child
        self._cache[(w, pdf_class)] = node.pdf
        return node.pdf

    def pdfs_for(self, phone: int, pdf_class: int) -> List[int]:
        """Every pdf some context maps (``phone``, ``pdf_class``) to, sorted."""
        return sorted({t[0] for t in self.pdf_tuples_for(phone, (pdf_class,))})

    def pdf_tuples_for(self, phone: int, pdf_classes: Sequence[int]) -> Set[Tuple[int, ...]]:
        """Tuples of pdfs that the given pdf classes of ``phone`` take in one common context.

        With two classes (forward and self-loop pdf class of one state) this gives the pairs
        the transition model needs; contexts that no window can satisfy are pruned.
        """
        out: Set[Tuple[int, ...]] = set()
        self._walk(tuple(self.root for _ in pdf_classes), tuple(pdf_classes), phone, {}, out)
        return out

    def _walk(self, nodes: Tuple[Node, ...], classes: Tuple[int, ...], phone: int, cons: Dict[int, _Constraint], out: Set[Tuple[int, ...]]) -> None:
        for i, node in enumerate(nodes):
            if isinstance(node, Leaf):
                continue
            key = node.key
            if key == PDF_CLASS or key == self.central_position:
                value = classes[i] if key == PDF_CLASS else phone
                if isinstance(node, Table):
                    child = node.children.get(value)
                    if child is None:
                        return  # this phone/class is not covered by the tree here
                else:
                    child = node.yes_child if value in node.yes else node.no_child
                self._walk(nodes[:i] + (child,) + nodes[i + 1 :], classes, phone, cons, out)
                return
            if isinstance(node, Table):
                for value, child in node.children.items():
                    c = _restrict(cons.get(key), frozenset([value]), True)
                    if c is not None:
                        self._walk(nodes[:i] + (child,) + nodes[i + 1 :], classes, phone, {**cons, key: c}, out)
                return
            for answer, child in ((True, node.yes_child), (False, node.no_child)):
                c = _restrict(cons.get(key), node.yes, answer)
                if c is not None:
                    self._walk(nodes[:i] + (child,) + nodes[i + 1 :], classes, phone, {**cons, key: c}, out)
            return
        out.add(tuple(n.pdf for n in nodes))  # type: ignore[union-attr]

    # ---------------------------------------------------------------- I/O
    def to_dict(self) -> dict:
        return {
            "format": TREE_FORMAT,
            "version": TREE_VERSION,
            "context_width": self.context_width,
            "central_position": self.central_position,
            "num_pdfs": self.num_pdfs,
            "root": node_to_dict(self.root),
        }

    @classmethod
    def from_dict(cls, d: dict, source: Optional[str] = None) -> "ContextDependency":
        if not isinstance(d, dict) or d.get("format") != TREE_FORMAT:
            raise DataError(f"not a tree file (format {d.get('format') if isinstance(d, dict) else None!r}, expected {TREE_FORMAT!r})", path=source)
        if int(d.get("version", 0)) > TREE_VERSION:
            raise DataError(f"tree file version {d.get('version')} is newer than this code reads ({TREE_VERSION})", path=source)
        try:
            return cls(int(d["context_width"]), int(d["central_position"]), node_from_dict(d["root"]), int(d["num_pdfs"]))
        except (KeyError, TypeError, ValueError) as e:
            raise DataError(f"malformed tree: {e!r}", path=source)

    def write(self, path: PathLike) -> None:
        with atomic_write(path) as f:
            json.dump(self.to_dict(), f, separators=(",", ":"))
            f.write("\n")

    @classmethod
    def read(cls, path: PathLike) -> "ContextDependency":
        d = read_json(path, "tree")
        return cls.from_dict(d, source=str(path))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContextDependency) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"ContextDependency(context_width={self.context_width}, central_position={self.central_position}, num_pdfs={self.num_pdfs})"

    # ---------------------------------------------------------------- drawing
    def key_name(self, key: int) -> str:
        if key == PDF_CLASS:
            return "pdf-class"
        off = key - self.central_position
        return "central" if off == 0 else f"ctx{off:+d}"

    def to_text(self, phone_names: Optional[Mapping[int, str]] = None) -> str:
        """An indented dump of the questions and leaves, phones by name when given."""
        names = phone_names or {}

        def vals(key: int, values: Iterable[int]) -> str:
            if key == PDF_CLASS:
                return " ".join(str(v) for v in sorted(values))
            return " ".join(names.get(v, str(v)) if v != 0 else "<eps>" for v in sorted(values))

        lines = [f"# tree: context-width {self.context_width}, central-position {self.central_position}, {self.num_pdfs} pdfs"]

        def rec(node: Node, indent: str, label: str) -> None:
            if isinstance(node, Leaf):
                lines.append(f"{indent}{label}pdf {node.pdf}")
            elif isinstance(node, Table):
                lines.append(f"{indent}{label}by {self.key_name(node.key)}:")
                for v, c in sorted(node.children.items()):
                    rec(c, indent + "  ", f"{self.key_name(node.key)}={vals(node.key, [v])}: ")
            else:
                lines.append(f"{indent}{label}{self.key_name(node.key)} in {{{vals(node.key, node.yes)}}}?")
                rec(node.yes_child, indent + "  ", "yes: ")
                rec(node.no_child, indent + "  ", "no:  ")

        rec(self.root, "", "")
        return "\n".join(lines) + "\n"

    def to_dot(self, phone_names: Optional[Mapping[int, str]] = None) -> str:
        """GraphViz text, as Kaldi's draw-tree prints."""
        names = phone_names or {}
        lines = ["digraph EventMap {"]
        counter = [0]

        def label_vals(key: int, values: Iterable[int]) -> str:
            if key == PDF_CLASS:
                return " ".join(str(v) for v in sorted(values))
            return " ".join(names.get(v, str(v)) for v in sorted(values))

        def rec(node: Node) -> int:
            me = counter[0]
            counter[0] += 1
            if isinstance(node, Leaf):
                lines.append(f'  n{me} [shape=box, label="pdf {node.pdf}"];')
            elif isinstance(node, Table):
                lines.append(f'  n{me} [label="{self.key_name(node.key)}"];')
                for v, c in sorted(node.children.items()):
                    ci = rec(c)
                    lines.append(f'  n{me} -> n{ci} [label="{label_vals(node.key, [v])}"];')
            else:
                lines.append(f'  n{me} [label="{self.key_name(node.key)} in {{{label_vals(node.key, node.yes)}}}?"];')
                y = rec(node.yes_child)
                lines.append(f'  n{me} -> n{y} [label="yes"];')
                n = rec(node.no_child)
                lines.append(f'  n{me} -> n{n} [label="no", style=dashed];')
            return me

        rec(self.root)
        lines.append("}")
        return "\n".join(lines) + "\n"


def _restrict(current: Optional[_Constraint], values: FrozenSet[int], inside: bool) -> Optional[_Constraint]:
    """Combine a key's constraint with "value in ``values``" (or not in); None if impossible."""
    kind, s = current if current is not None else ("notin", frozenset())
    if inside:
        new = (s & values) if kind == "in" else (values - s)
        return ("in", new) if new else None
    if kind == "in":
        new = s - values
        return ("in", new) if new else None
    return ("notin", s | values)


def _root_phones(root) -> List[int]:
    phones = getattr(root, "phones", root)
    return [int(p) for p in phones]


def monophone_tree(topo, roots=None) -> ContextDependency:
    """The tree gmm-init-mono builds: context width 1, one pdf per (root, pdf class).

    ``roots`` are the lang's ``phones/roots.int`` lines (anything with ``.phones``, or plain
    lists of phone ids); all phones on one line share the same pdfs, which is how Kaldi ties
    e.g. the word-position variants of silence. Without roots every phone of the topology
    gets its own pdfs. Pdfs are numbered root by root, pdf class by pdf class.
    """
    if roots is None:
        roots = [[p] for p in topo.phones]
    children: Dict[int, Node] = {}
    n = 0
    for r in roots:
        phones = sorted(set(_root_phones(r)))
        if not phones:
            raise DataError("empty phone set in roots")
        for p in phones:
            if not topo.has_phone(p):
                raise MismatchError(f"phone {p} in roots has no entry in the topology")
            if p in children:
                raise DataError(f"phone {p} appears in more than one root")
        ncls = max(topo.num_pdf_classes(p) for p in phones)
        sub = Table(PDF_CLASS, {c: Leaf(n + c) for c in range(ncls)})
        n += ncls
        for p in phones:
            children[p] = sub
    missing = [p for p in topo.phones if p not in children]
    if missing:
        raise MismatchError(f"phones {missing[:10]} of the topology are in no root (phones/roots.int)")
    return ContextDependency(1, 0, Table(0, children), n)
