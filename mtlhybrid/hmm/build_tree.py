"""Growing the triphone decision tree from tree stats (Kaldi's build-tree).

1. A *stub* per line of ``roots``: a "shared" root is one leaf for all pdf classes of its
   phones (the tree may then ask about the pdf class); a "not-shared" root starts with
   one leaf per pdf class. All phones on one line start in the same leaves.
2. Greedy splitting: every leaf knows its best question (a phone set at some context
   position, or a pdf-class set) and the log-likelihood gain of one Gaussian per side
   over one for both; the best leaf in the whole tree is split until ``num_leaves``
   leaves exist or no split gains more than ``thresh`` (with ``min_count`` frames on each
   side). Roots marked "not-split" keep their stubs (:func:`split_decision_tree`).
3. Clustering: within each stub, leaves whose merge loses less than ``cluster_thresh``
   are tied bottom-up (default: the smallest gain accepted while splitting); tied leaves
   share a pdf id (:func:`cluster_leaves`).
4. Renumbering: pdf ids 0..N-1 in order of first appearance (:func:`renumber_leaves`).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mtlhybrid.hmm.questions import Questions
from mtlhybrid.hmm.tree import PDF_CLASS, ContextDependency, Leaf, Node, Split, Table, map_leaves
from mtlhybrid.hmm.tree_stats import NO_KEY, TreeStats, gauss_objf
from mtlhybrid.utils.errors import DataError, MismatchError
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


@dataclass
class SplitRecord:
    """One accepted split, for the log."""

    leaf_count: int
    key: int
    yes: List[int]
    gain: float
    yes_count: float
    no_count: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class TreeBuildLog:
    """What tree building did: gains of each split, clustering, objective per frame."""

    num_stub_leaves: int = 0
    splits: List[SplitRecord] = field(default_factory=list)
    num_leaves_after_split: int = 0
    cluster_thresh: float = 0.0
    num_merged: int = 0
    merge_loss: float = 0.0
    num_pdfs: int = 0
    total_count: float = 0.0
    objf_before: float = 0.0
    objf_after: float = 0.0

    @property
    def split_gain(self) -> float:
        return float(sum(s.gain for s in self.splits))

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "splits"}
        d["splits"] = [s.to_dict() for s in self.splits]
        return d


class _Stats:
    """Stacked stats of the events in one leaf."""

    def __init__(self, keys: np.ndarray, counts: np.ndarray, sums: np.ndarray, sumsq: np.ndarray):
        self.keys, self.counts, self.sums, self.sumsq = keys, counts, sums, sumsq

    def take(self, mask: np.ndarray) -> "_Stats":
        return _Stats(self.keys[mask], self.counts[mask], self.sums[mask], self.sumsq[mask])

    @property
    def count(self) -> float:
        return float(self.counts.sum())

    def total(self) -> Tuple[float, np.ndarray, np.ndarray]:
        return float(self.counts.sum()), self.sums.sum(0), self.sumsq.sum(0)


@dataclass
class _Candidate:
    gain: float = 0.0
    key: int = 0
    yes: Tuple[int, ...] = ()
    yes_count: float = 0.0
    no_count: float = 0.0


class _Grow:
    """A leaf being grown: its stats, then either its best split or its two children."""

    def __init__(self, stats: _Stats, builder: "_Builder"):
        self.stats = stats
        self.yes: Optional[_Grow] = None
        self.no: Optional[_Grow] = None
        self.best = builder.best_split(stats)
        self.leaf_id = -1


class _Builder:
    def __init__(self, questions: Questions, context_width: int, central_position: int, min_count: float, var_floor: float):
        self.N = context_width
        self.P = central_position
        self.min_count = min_count
        self.var_floor = var_floor
        max_phone = max((p for q in questions.phone_questions for p in q), default=0)
        self.phone_q = np.zeros((len(questions.phone_questions), max_phone + 2), dtype=bool)
        for i, q in enumerate(questions.phone_questions):
            self.phone_q[i, q] = True
        self.phone_q_sets = [tuple(q) for q in questions.phone_questions]
        max_cls = max((c for q in questions.pdf_class_questions for c in q), default=0)
        self.pdf_q = np.zeros((len(questions.pdf_class_questions), max_cls + 2), dtype=bool)
        for i, q in enumerate(questions.pdf_class_questions):
            self.pdf_q[i, q] = True
        self.pdf_q_sets = [tuple(q) for q in questions.pdf_class_questions]

    def objf(self, c, s, q) -> np.ndarray:
        return gauss_objf(c, s, q, self.var_floor)

    def best_split(self, st: _Stats) -> _Candidate:
        best = _Candidate()
        if len(st.counts) < 2:
            return best
        tot_c, tot_s, tot_q = st.total()
        base = float(self.objf(tot_c, tot_s, tot_q))
        for col, key in enumerate(list(range(self.N)) + [PDF_CLASS]):
            vals = st.keys[:, col]
            if key != PDF_CLASS and (vals == NO_KEY).any():
                continue  # a context-independent phone: its context may not be asked about
            uniq, inv = np.unique(vals, return_inverse=True)
            if len(uniq) < 2:
                continue
            qmat, qsets = (self.pdf_q, self.pdf_q_sets) if key == PDF_CLASS else (self.phone_q, self.phone_q_sets)
            if qmat.shape[0] == 0:
                continue
            v_c = np.bincount(inv, weights=st.counts, minlength=len(uniq))
            order = np.argsort(inv, kind="stable")
            starts = np.searchsorted(inv[order], np.arange(len(uniq)))
            v_s = np.add.reduceat(st.sums[order], starts, axis=0)
            v_q = np.add.reduceat(st.sumsq[order], starts, axis=0)
            in_range = uniq < qmat.shape[1]
            mask = np.zeros((qmat.shape[0], len(uniq)), dtype=bool)
            mask[:, in_range] = qmat[:, uniq[in_range]]
            m = mask.astype(np.float64)
            yc, ys, yq = m @ v_c, m @ v_s, m @ v_q
            nc, ns, nq = tot_c - yc, tot_s[None, :] - ys, tot_q[None, :] - yq
            gains = self.objf(yc, ys, yq) + self.objf(nc, ns, nq) - base
            ok = (yc >= max(self.min_count, 1e-10)) & (nc >= max(self.min_count, 1e-10))
            gains = np.where(ok, gains, -np.inf)
            i = int(np.argmax(gains))
            if gains[i] > best.gain:
                best = _Candidate(float(gains[i]), key, qsets[i], float(yc[i]), float(nc[i]))
        return best


def get_stub_map(roots, topo, stats: TreeStats, context_width: int, central_position: int):
    """The stub tree (leaf ids 0..S-1), phone -> root index, and per-stub-leaf root index."""
    phone2root: Dict[int, int] = {}
    for ri, r in enumerate(roots):
        for p in r.phones:
            if int(p) in phone2root:
                raise DataError(f"phone {p} appears in more than one root")
            phone2root[int(p)] = ri
    max_cls_seen: Dict[int, int] = {}
    for (w, pc) in stats.stats:
        ri = phone2root.get(w[central_position])
        if ri is None:
            raise MismatchError(f"tree stats have phone {w[central_position]}, which is in no root (phones/roots.int)")
        max_cls_seen[ri] = max(max_cls_seen.get(ri, 0), pc)
    subs: List[Node] = []
    leaf_root: List[int] = []
    n = 0
    for ri, r in enumerate(roots):
        if topo is not None:
            ncls = max(topo.num_pdf_classes(int(p)) for p in r.phones)
        else:
            ncls = max_cls_seen.get(ri, 0) + 1
        if r.shared:
            subs.append(Leaf(n))
            leaf_root.append(ri)
            n += 1
        else:
            subs.append(Table(PDF_CLASS, {c: Leaf(n + c) for c in range(ncls)}))
            leaf_root += [ri] * ncls
            n += ncls

    def halve(lo: int, hi: int) -> Node:
        # as Kaldi's stub: binary questions on the central phone, about log2(#roots) deep
        if hi - lo == 1:
            return subs[lo]
        mid = (lo + hi) // 2
        first = frozenset(int(p) for r in roots[lo:mid] for p in r.phones)
        return Split(central_position, first, halve(lo, mid), halve(mid, hi))

    return halve(0, len(roots)), phone2root, leaf_root


def build_tree(
    stats: TreeStats,
    questions: Questions,
    roots: Sequence,
    num_leaves: int,
    min_count: float = 0.0,
    cluster_thresh: float = -1.0,
    thresh: float = 300.0,
    topo=None,
    var_floor: float = 0.01,
) -> Tuple[ContextDependency, TreeBuildLog]:
    """Build a context-dependency tree; returns ``(tree, log)``.

    ``roots`` are the lang's :class:`~mtlhybrid.lang.lang_dir.Root` (``shared``, ``split``,
    ``phones``). ``num_leaves`` bounds the leaves after splitting (Kaldi's --max-leaves;
    <= 0: no bound, only ``thresh`` stops); clustering may then tie some, so
    ``tree.num_pdfs <= num_leaves``. ``thresh`` is Kaldi's build-tree --thresh (default 300).
    ``cluster_thresh`` < 0 uses the smallest split gain, 0 turns clustering off (Kaldi's
    --cluster-thresh). ``min_count`` has no Kaldi counterpart (Kaldi's splits are limited by
    ``thresh`` and the variance floor only): a floor on the frames each side of a split keeps,
    like HTK's occupancy threshold; 0 is Kaldi's behaviour. ``topo`` gives each root's number
    of pdf classes (from the stats when omitted).

    The three stages are Kaldi's (build-tree-utils.h): :func:`split_decision_tree`,
    :func:`cluster_leaves` (ClusterEventMapRestrictedByMap) and :func:`renumber_leaves`
    (RenumberEventMap).
    """
    if not stats.stats:
        raise DataError("no tree statistics")
    if (questions.context_width, questions.central_position) != (stats.context_width, stats.central_position):
        raise MismatchError(
            f"questions are for context ({questions.context_width}, {questions.central_position}), stats for ({stats.context_width}, {stats.central_position})"
        )
    N, P = stats.context_width, stats.central_position
    stub, _, leaf_root = get_stub_map(roots, topo, stats, N, P)
    blog = TreeBuildLog(num_stub_leaves=len(leaf_root), total_count=stats.total_count)
    if 0 < num_leaves < len(leaf_root):
        log.warning("build-tree: --max-leaves %d is below the %d leaves the roots need; keeping those", num_leaves, len(leaf_root))
    grown = split_decision_tree(stats, questions, roots, stub, leaf_root, num_leaves, thresh, min_count, var_floor, blog)
    blog.objf_before = float(gauss_objf(grown.counts, grown.sums, grown.sumsq, var_floor).sum())
    if cluster_thresh < 0:
        cluster_thresh = grown.smallest_gain if grown.smallest_gain is not None else 0.0
        log.info("build-tree: clustering threshold set to the smallest split gain %.4g", cluster_thresh)
    assign = cluster_leaves(grown, cluster_thresh, var_floor, blog)
    tree = renumber_leaves(grown, assign, N, P)
    blog.num_pdfs = tree.num_pdfs
    pc, ps, pq = _pool_by_pdf(grown, tree, assign)
    blog.objf_after = float(gauss_objf(pc, ps, pq, var_floor).sum())
    log.info("build-tree: clustering tied %d leaves (loss %.4g); %d pdfs; objf %.4f per frame",
             blog.num_merged, blog.merge_loss, tree.num_pdfs, blog.objf_after / max(blog.total_count, 1e-10))
    return tree, blog


@dataclass
class GrownTree:
    """The tree after splitting: leaves numbered 0..L-1, their pooled stats, their stub leaf."""

    root: Node
    counts: np.ndarray  # [L]
    sums: np.ndarray  # [L, dim]
    sumsq: np.ndarray  # [L, dim]
    stub_leaf: List[int]  # [L]: the stub leaf each grown leaf descends from (clustering stays inside it)
    smallest_gain: Optional[float]  # the smallest accepted split gain (None: no split)


def split_decision_tree(
    stats: TreeStats,
    questions: Questions,
    roots: Sequence,
    stub: Node,
    leaf_root: List[int],
    num_leaves: int,
    thresh: float,
    min_count: float,
    var_floor: float,
    blog: TreeBuildLog,
) -> GrownTree:
    """Greedy splitting of the stub's leaves, best gain first (Kaldi's SplitDecisionTree).

    Stops at ``num_leaves`` leaves (<= 0: no bound) or when no split gains more than
    ``thresh``; records each split in ``blog``. Stubs of roots marked not-split stay whole.
    """
    N, P = stats.context_width, stats.central_position
    stub_tree = ContextDependency(N, P, stub)
    evs, keys, counts, sums, sumsq = stats.arrays()
    ev_leaf = np.array([stub_tree.compute(tuple(0 if x == NO_KEY else x for x in w), pc) for w, pc in evs], dtype=np.int64)
    builder = _Builder(questions, N, P, min_count, var_floor)
    growers: List[_Grow] = []
    for leaf in range(len(leaf_root)):
        sel = ev_leaf == leaf
        st = _Stats(keys[sel], counts[sel], sums[sel], sumsq[sel])
        if not roots[leaf_root[leaf]].split:
            st = st.take(np.zeros(len(st.counts), dtype=bool))  # kept whole
        growers.append(_Grow(st, builder))

    heap = []
    tie = itertools.count()
    for g in growers:
        if g.best.gain > 0:
            heapq.heappush(heap, (-g.best.gain, next(tie), g))
    n_leaves = len(growers)
    smallest = None
    while heap and (num_leaves <= 0 or n_leaves < num_leaves):
        neg, _, g = heapq.heappop(heap)
        if -neg <= thresh:
            break
        b = g.best
        col = N if b.key == PDF_CLASS else b.key
        yes_mask = np.isin(g.stats.keys[:, col], np.array(b.yes, dtype=np.int64))
        g.yes = _Grow(g.stats.take(yes_mask), builder)
        g.no = _Grow(g.stats.take(~yes_mask), builder)
        g.stats = None  # type: ignore[assignment]
        n_leaves += 1
        smallest = b.gain if smallest is None else min(smallest, b.gain)
        blog.splits.append(SplitRecord(n_leaves, b.key, list(b.yes), b.gain, b.yes_count, b.no_count))
        for child in (g.yes, g.no):
            if child.best.gain > 0:
                heapq.heappush(heap, (-child.best.gain, next(tie), child))
    blog.num_leaves_after_split = n_leaves
    log.info("build-tree: %d splits from %d stub leaves to %d leaves; gain %.4g over %.0f frames (%.4f per frame)",
             len(blog.splits), len(leaf_root), n_leaves, blog.split_gain, blog.total_count,
             blog.split_gain / max(blog.total_count, 1e-10))

    # number the grown leaves and pool their stats; stubs of unsplit roots take all their events
    leaf_stats: List[Tuple[float, np.ndarray, np.ndarray]] = []
    stub_of: List[int] = []
    dim = sums.shape[1]

    def number(g: _Grow, stub_leaf: int) -> Node:
        if g.yes is None:
            g.leaf_id = len(leaf_stats)
            if roots[leaf_root[stub_leaf]].split:
                leaf_stats.append(g.stats.total() if len(g.stats.counts) else (0.0, np.zeros(dim), np.zeros(dim)))
            else:
                sel = ev_leaf == stub_leaf
                leaf_stats.append((float(counts[sel].sum()), sums[sel].sum(0), sumsq[sel].sum(0)))
            stub_of.append(stub_leaf)
            return Leaf(g.leaf_id)
        return Split(g.best.key, frozenset(g.best.yes), number(g.yes, stub_leaf), number(g.no, stub_leaf))  # type: ignore[arg-type]

    subtrees = {i: number(g, i) for i, g in enumerate(growers)}
    L = len(leaf_stats)
    return GrownTree(
        root=_replace_stub_leaves(stub, subtrees),
        counts=np.array([s[0] for s in leaf_stats], dtype=np.float64),
        sums=np.array([s[1] for s in leaf_stats]).reshape(L, dim),
        sumsq=np.array([s[2] for s in leaf_stats]).reshape(L, dim),
        stub_leaf=stub_of,
        smallest_gain=smallest,
    )


def cluster_leaves(grown: GrownTree, cluster_thresh: float, var_floor: float, blog: TreeBuildLog) -> List[int]:
    """Tie grown leaves bottom-up within each stub leaf (Kaldi's ClusterEventMapRestrictedByMap).

    Returns ``assign``: grown leaf -> the leaf whose pdf it shares (itself when untied).
    ``cluster_thresh`` <= 0 ties nothing. Leaves that saw no frames are never tied.
    """
    blog.cluster_thresh = float(cluster_thresh)
    L = len(grown.stub_leaf)
    assign = list(range(L))
    if cluster_thresh <= 0:
        return assign
    for group in sorted(set(grown.stub_leaf)):
        members = [i for i in range(L) if grown.stub_leaf[i] == group and grown.counts[i] > 0]
        merged, loss = _cluster_bottom_up(members, grown.counts, grown.sums, grown.sumsq, cluster_thresh, var_floor, assign)
        blog.num_merged += merged
        blog.merge_loss += loss
    return assign


def renumber_leaves(grown: GrownTree, assign: List[int], context_width: int, central_position: int) -> ContextDependency:
    """The final tree: pdf ids 0..N-1 in order of first appearance (Kaldi's RenumberEventMap)."""
    order: Dict[int, int] = {}
    for leaf in _leaves_in_order(grown.root):
        a = assign[leaf]
        if a not in order:
            order[a] = len(order)
    final_map = {leaf: order[assign[leaf]] for leaf in range(len(assign))}
    return ContextDependency(context_width, central_position, map_leaves(grown.root, final_map), len(order))


def _pool_by_pdf(grown: GrownTree, tree: ContextDependency, assign: List[int]):
    """Stats of each final pdf (for the objective after clustering)."""
    order = {}
    for leaf in _leaves_in_order(grown.root):
        if assign[leaf] not in order:
            order[assign[leaf]] = len(order)
    pdf_of = np.array([order[assign[leaf]] for leaf in range(len(assign))], dtype=np.int64)
    dim = grown.sums.shape[1]
    pc = np.bincount(pdf_of, weights=grown.counts, minlength=tree.num_pdfs)
    ps = np.zeros((tree.num_pdfs, dim))
    pq = np.zeros((tree.num_pdfs, dim))
    np.add.at(ps, pdf_of, grown.sums)
    np.add.at(pq, pdf_of, grown.sumsq)
    return pc, ps, pq


def _replace_stub_leaves(node: Node, subtrees: Dict[int, Node]) -> Node:
    if isinstance(node, Leaf):
        return subtrees[node.pdf]
    if isinstance(node, Table):
        memo: Dict[int, Node] = {}
        out = {}
        for v, c in node.children.items():
            k = id(c)
            if k not in memo:
                memo[k] = _replace_stub_leaves(c, subtrees)
            out[v] = memo[k]
        return Table(node.key, out)
    return Split(node.key, node.yes, _replace_stub_leaves(node.yes_child, subtrees), _replace_stub_leaves(node.no_child, subtrees))


def _leaves_in_order(node: Node) -> List[int]:
    out: List[int] = []
    seen = set()

    def rec(n: Node) -> None:
        if id(n) in seen:
            return
        seen.add(id(n))
        if isinstance(n, Leaf):
            out.append(n.pdf)
        elif isinstance(n, Table):
            for _, c in sorted(n.children.items()):
                rec(c)
        else:
            rec(n.yes_child)
            rec(n.no_child)

    rec(node)
    return out


def _cluster_bottom_up(members: List[int], lc, ls, lq, thresh: float, var_floor: float, assign: List[int]) -> Tuple[int, float]:
    """Tie leaves greedily: merge the cheapest pair while its likelihood loss is <= thresh."""
    if len(members) < 2:
        return 0, 0.0
    clusters = {m: (float(lc[m]), ls[m].copy(), lq[m].copy()) for m in members}
    objf = {m: float(gauss_objf(*clusters[m], var_floor)) for m in members}
    heap = []

    def push(a: int, b: int) -> None:
        c = (clusters[a][0] + clusters[b][0], clusters[a][1] + clusters[b][1], clusters[a][2] + clusters[b][2])
        cost = objf[a] + objf[b] - float(gauss_objf(*c, var_floor))
        heapq.heappush(heap, (cost, a, b))

    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            push(a, b)
    merged, loss = 0, 0.0
    alive = set(members)
    while heap:
        cost, a, b = heapq.heappop(heap)
        if a not in alive or b not in alive:
            continue
        if cost > thresh:
            break
        # merge b into a
        clusters[a] = (clusters[a][0] + clusters[b][0], clusters[a][1] + clusters[b][1], clusters[a][2] + clusters[b][2])
        objf[a] = float(gauss_objf(*clusters[a], var_floor))
        alive.discard(b)
        del clusters[b]
        for i, x in enumerate(assign):
            if x == b:
                assign[i] = a
        merged += 1
        loss += cost
        # stale pairs involving a are skipped by recomputation: re-push a's pairs with fresh costs
        alive.discard(a)
        alive_a = list(alive)
        alive.add(a)
        heap = [(c, x, y) for c, x, y in heap if x != a and y != a]
        heapq.heapify(heap)
        for x in alive_a:
            push(min(a, x), max(a, x))
    return merged, loss
