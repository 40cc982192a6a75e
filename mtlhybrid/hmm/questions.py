"""Questions a decision tree may ask, and finding them from data (Kaldi's cluster-phones).

The tree asks "is the phone at context position k in set S?" and "is the pdf class in
{0..i}?". Phone sets come from clustering the phones by how their data looks: phones are
split top-down into two groups at a time (2-means on their pooled Gaussian stats) until
every group is one original phone set; every group of that binary tree becomes a question.
The lang's ``extra_questions`` (e.g. word position, stress) are added after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Union

import numpy as np

from mtlhybrid.hmm.tree_stats import TreeStats, gauss_objf
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, iter_lines, read_json
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)
PathLike = Union[str, Path]
QUESTIONS_FORMAT = "mtlhybrid.questions"
QUESTIONS_VERSION = 1


@dataclass
class Questions:
    """Compiled questions (Kaldi's ``questions.qst``): the same phone sets for every context
    position, and pdf-class sets ``{0}, {0,1}, ...`` up to the largest pdf class of the topology."""

    phone_questions: List[List[int]]
    pdf_class_questions: List[List[int]] = field(default_factory=list)
    context_width: int = 3
    central_position: int = 1

    @classmethod
    def from_phone_sets(cls, phone_sets: Iterable[Sequence[int]], topo=None, context_width: int = 3, central_position: int = 1, max_pdf_classes: Optional[int] = None) -> "Questions":
        """As compile-questions: sort and deduplicate the sets, add the pdf-class questions."""
        seen = set()
        qs: List[List[int]] = []
        dups = 0
        for s in phone_sets:
            q = sorted(int(p) for p in s)
            if len(set(q)) != len(q):
                raise DataError(f"question {q} lists a phone twice")
            if not q:
                continue
            if tuple(q) in seen:
                dups += 1
                continue
            seen.add(tuple(q))
            qs.append(q)
        if dups:
            log.info("compile-questions: %d duplicate questions dropped", dups)
        if max_pdf_classes is None:
            max_pdf_classes = max((topo.num_pdf_classes(p) for p in topo.phones), default=1) if topo is not None else 1
        if topo is not None:
            asked = {p for q in qs for p in q}
            extra = sorted(asked - set(topo.phones))
            if extra:
                raise DataError(f"questions ask about phones {extra[:10]} that the topology does not have")
        pdf_qs = [list(range(i + 1)) for i in range(max_pdf_classes - 1)]
        return cls(qs, pdf_qs, context_width, central_position)

    def to_dict(self) -> dict:
        return {
            "format": QUESTIONS_FORMAT,
            "version": QUESTIONS_VERSION,
            "context_width": self.context_width,
            "central_position": self.central_position,
            "phone_questions": self.phone_questions,
            "pdf_class_questions": self.pdf_class_questions,
        }

    @classmethod
    def from_dict(cls, d: dict, source: Optional[str] = None) -> "Questions":
        if d.get("format") != QUESTIONS_FORMAT:
            raise DataError(f"not a questions file (format {d.get('format')!r})", path=source)
        if int(d.get("version", 0)) > QUESTIONS_VERSION:
            raise DataError(f"questions version {d.get('version')} is newer than this code reads", path=source)
        return cls(
            [list(map(int, q)) for q in d["phone_questions"]],
            [list(map(int, q)) for q in d["pdf_class_questions"]],
            int(d["context_width"]),
            int(d["central_position"]),
        )

    def write(self, path: PathLike) -> None:
        with atomic_write(path) as f:
            json.dump(self.to_dict(), f)
            f.write("\n")

    @classmethod
    def read(cls, path: PathLike) -> "Questions":
        d = read_json(path, "questions")
        return cls.from_dict(d, source=str(path))


def read_int_sets(path: PathLike) -> List[List[int]]:
    """Read a file of integer lists, one per line (``questions.int``, ``sets.int``)."""
    out: List[List[int]] = []
    for lineno, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            out.append([int(x) for x in line.split()])
        except ValueError:
            raise DataError(f"expected integers, got {line!r}", path=path, line=lineno)
    return out


def write_int_sets(path: PathLike, sets: Iterable[Sequence[int]]) -> None:
    with atomic_write(path) as f:
        for s in sets:
            f.write(" ".join(str(int(x)) for x in s) + "\n")


# ---------------------------------------------------------------- clustering

def _objf(c: np.ndarray, s: np.ndarray, q: np.ndarray, var_floor: float) -> float:
    return float(gauss_objf(np.asarray(c), s, q, var_floor))


def _two_means(counts: np.ndarray, sums: np.ndarray, sumsq: np.ndarray, var_floor: float, rng: np.random.Generator, tries: int = 10) -> np.ndarray:
    """Split items in two, maximising the summed Gaussian log-likelihood; returns a bool mask."""
    n = len(counts)
    if n == 2:
        return np.array([True, False])

    def score(mask: np.ndarray) -> float:
        return sum(
            _objf(counts[m].sum(), sums[m].sum(0), sumsq[m].sum(0), var_floor) for m in (mask, ~mask)
        )

    def refine(mask: np.ndarray) -> np.ndarray:
        """Move single items across while that raises the likelihood (k-means-like, exact)."""
        mask = mask.copy()
        tot = [(counts[m].sum(), sums[m].sum(0), sumsq[m].sum(0)) for m in (~mask, mask)]
        cur = [_objf(*t, var_floor) for t in tot]
        for _ in range(50):
            moved = False
            for i in range(n):
                src, dst = int(mask[i]), 1 - int(mask[i])
                if (mask.sum() if src else n - mask.sum()) <= 1:
                    continue  # would empty a group
                new_src = (tot[src][0] - counts[i], tot[src][1] - sums[i], tot[src][2] - sumsq[i])
                new_dst = (tot[dst][0] + counts[i], tot[dst][1] + sums[i], tot[dst][2] + sumsq[i])
                o_src, o_dst = _objf(*new_src, var_floor), _objf(*new_dst, var_floor)
                if o_src + o_dst > cur[src] + cur[dst] + 1e-9:
                    tot[src], tot[dst], cur[src], cur[dst] = new_src, new_dst, o_src, o_dst
                    mask[i] = bool(dst)
                    moved = True
            if not moved:
                break
        return mask

    candidates = []
    # deterministic start: order the items along the main direction of their means, best cut
    safe = np.maximum(counts, 1e-10)[:, None]
    means = sums / safe
    centred = means - np.average(means, axis=0, weights=np.maximum(counts, 1e-10))
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    order = np.argsort(centred @ vt[0])
    best_cut, best_val = None, -np.inf
    for k in range(1, n):
        m = np.zeros(n, dtype=bool)
        m[order[:k]] = True
        v = score(m)
        if v > best_val:
            best_cut, best_val = m, v
    candidates.append(refine(best_cut))
    for _ in range(max(0, tries - 1)):
        m = rng.random(n) < 0.5
        if m.all() or not m.any():
            m[rng.integers(n)] = ~m[0]
        candidates.append(refine(m))
    return max(candidates, key=score)


def cluster_phones(
    stats: TreeStats,
    phone_sets: Sequence[Sequence[int]],
    pdf_class_list: Sequence[int] = (1,),
    var_floor: float = 0.01,
    seed: int = 0,
) -> List[List[int]]:
    """Questions from data, as Kaldi's cluster-phones (AutomaticallyObtainQuestions).

    Only stats of the pdf classes in ``pdf_class_list`` count (the middle state of a
    3-state HMM by default: the most stable part of a phone). Phone sets are pooled per
    set and split top-down; the returned questions are all the groups of that binary tree,
    the top (all phones) first, then the original sets, without duplicates.
    """
    sets = [sorted(int(p) for p in s) for s in phone_sets]
    allp = [p for s in sets for p in s]
    if not sets or any(not s for s in sets):
        raise DataError("cluster-phones: empty phone set")
    if len(set(allp)) != len(allp):
        raise DataError("cluster-phones: a phone is in more than one phone set")
    dim = stats.dim or 0
    P = stats.central_position
    per_phone = {}
    keep = set(int(c) for c in pdf_class_list)
    kept = 0
    for (window, pc), (c, s, q) in stats.stats.items():
        if pc not in keep:
            continue
        kept += 1
        ph = window[P]
        acc = per_phone.get(ph)
        per_phone[ph] = (c, s, q) if acc is None else (acc[0] + c, acc[1] + s, acc[2] + q)
    if kept * 10 < len(stats):
        log.warning("cluster-phones: only %d of %d stats have a pdf class in %s (nonstandard topology? see --pdf-class-list)", kept, len(stats), sorted(keep))
    stray = sorted(set(per_phone) - set(allp))
    if stray:
        log.warning("cluster-phones: phones %s have stats but are in no phone set", stray[:10])
    counts = np.zeros(len(sets))
    sums = np.zeros((len(sets), dim))
    sumsq = np.zeros((len(sets), dim))
    for i, s in enumerate(sets):
        for p in s:
            if p in per_phone:
                c, su, sq = per_phone[p]
                counts[i] += c
                sums[i] += su
                sumsq[i] += sq
    empty = [sets[i] for i in range(len(sets)) if counts[i] == 0]
    if empty:
        log.warning("cluster-phones: %d phone sets have no data: %s", len(empty), empty[:10])
    rng = np.random.default_rng(seed)
    groups: List[List[int]] = []  # lists of set indices, in breadth-first order
    queue = [list(range(len(sets)))]
    while queue:
        idx = queue.pop(0)
        groups.append(idx)
        if len(idx) < 2:
            continue
        sub = np.array(idx)
        with_data = sub[counts[sub] > 0]
        no_data = sub[counts[sub] == 0]
        if len(with_data) >= 2:
            mask = _two_means(counts[with_data], sums[with_data], sumsq[with_data], var_floor, rng)
            a, b = list(with_data[mask]), list(with_data[~mask])
            # sets without data go with the smaller group; they carry no evidence either way
            (a if len(a) <= len(b) else b).extend(no_data.tolist())
        else:
            half = len(idx) // 2
            a, b = idx[:half], idx[half:]
        queue += [sorted(int(x) for x in a), sorted(int(x) for x in b)]
    out: List[List[int]] = []
    seen = set()
    for g in groups + [[i] for i in range(len(sets))]:
        q = sorted(p for i in g for p in sets[i])
        if q and tuple(q) not in seen:
            seen.add(tuple(q))
            out.append(q)
    return out
