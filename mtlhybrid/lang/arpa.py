"""ARPA back-off language models: reading, writing and scoring.

The ARPA text format is what Kaldi's ``arpa2fst`` (and kaldilm) turn into G.fst, and what
SRILM, KenLM and our own estimator (:mod:`.ngram`) write. Scoring here follows the
back-off rule ``p(w|h) = p*(w|h)`` if ``h w`` is listed, else ``bow(h) p(w|h')``, which
the tests use to check that every history's distribution sums to one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, iter_lines

PathLike = Union[str, Path]
NGram = Tuple[str, ...]

#: log10 probability ARPA files use for "impossible" (e.g. p(<s>)).
LOG10_ZERO = -99.0


@dataclass
class ArpaEntry:
    logprob: float  # log10
    backoff: Optional[float] = None  # log10; None when the n-gram is never a history


@dataclass
class ArpaLm:
    """An n-gram back-off model: ``ngrams[n-1]`` maps n-word tuples to their entry."""

    ngrams: List[Dict[NGram, ArpaEntry]] = field(default_factory=list)
    bos: str = "<s>"
    eos: str = "</s>"

    @property
    def order(self) -> int:
        return len(self.ngrams)

    @property
    def vocab(self) -> List[str]:
        return [w[0] for w in self.ngrams[0]] if self.ngrams else []

    def to_dict(self) -> dict:
        return {
            "bos": self.bos,
            "eos": self.eos,
            "ngrams": [[[list(k), e.logprob, e.backoff] for k, e in table.items()] for table in self.ngrams],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ArpaLm":
        lm = cls(bos=d.get("bos", "<s>"), eos=d.get("eos", "</s>"))
        for table in d["ngrams"]:
            lm.ngrams.append({tuple(k): ArpaEntry(lp, bo) for k, lp, bo in table})
        return lm

    # ---------------------------------------------------------------- scoring
    def log10_prob(self, word: str, history: Sequence[str]) -> float:
        """log10 p(word | history) by the back-off rule (history truncated to order-1 words)."""
        h = tuple(history)[-(self.order - 1):] if self.order > 1 else ()
        bow = 0.0
        while True:
            e = self.ngrams[len(h)].get(h + (word,))
            if e is not None:
                return bow + e.logprob
            if not h:
                return LOG10_ZERO
            he = self.ngrams[len(h) - 1].get(h)
            if he is not None and he.backoff is not None:
                bow += he.backoff
            h = h[1:]

    def sentence_log10_prob(self, words: Sequence[str]) -> float:
        """log10 probability of ``<s> words </s>``."""
        hist: List[str] = [self.bos]
        total = 0.0
        for w in list(words) + [self.eos]:
            total += self.log10_prob(w, hist)
            hist.append(w)
        return total

    # ---------------------------------------------------------------- I/O
    def write(self, path: PathLike) -> None:
        """Write ARPA text (``.gz`` compressed when the name says so), atomically."""
        with atomic_write(path) as f:
            f.write("\n\\data\\\n")
            for n, table in enumerate(self.ngrams, start=1):
                f.write(f"ngram {n}={len(table)}\n")
            for n, table in enumerate(self.ngrams, start=1):
                f.write(f"\n\\{n}-grams:\n")
                for k in sorted(table, key=_ngram_sort_key):
                    e = table[k]
                    line = f"{_fmt(e.logprob)}\t{' '.join(k)}"
                    if e.backoff is not None and n < self.order:
                        line += f"\t{_fmt(e.backoff)}"
                    f.write(line + "\n")
            f.write("\n\\end\\\n")

    @classmethod
    def read(cls, path: PathLike) -> "ArpaLm":
        """Read an ARPA file; malformed lines raise DataError naming the line."""
        lm = cls()
        counts: List[int] = []
        section = "head"
        cur = 0
        for lineno, line in iter_lines(path):
            s = line.strip()
            if not s:
                continue
            if s == "\\data\\":
                section = "data"
                continue
            if s == "\\end\\":
                section = "end"
                break
            if s.startswith("\\") and s.endswith("-grams:"):
                try:
                    cur = int(s[1:-7])
                except ValueError:
                    raise DataError(f"bad section header {s!r}", path=path, line=lineno)
                if cur != len(lm.ngrams) + 1 or cur > len(counts):
                    raise DataError(f"unexpected section {s!r}", path=path, line=lineno)
                lm.ngrams.append({})
                section = "grams"
                continue
            if section == "data":
                if not s.startswith("ngram "):
                    raise DataError(f"expected 'ngram N=count', got {s!r}", path=path, line=lineno)
                try:
                    n, c = s[6:].split("=")
                    if int(n) != len(counts) + 1:
                        raise ValueError
                    counts.append(int(c))
                except ValueError:
                    raise DataError(f"bad count line {s!r}", path=path, line=lineno)
            elif section == "grams":
                f = s.split()
                if len(f) not in (cur + 1, cur + 2):
                    raise DataError(f"expected {cur} words, a log-probability and maybe a back-off weight: {s!r}", path=path, line=lineno)
                try:
                    lp = float(f[0])
                    bo = float(f[cur + 1]) if len(f) == cur + 2 else None
                except ValueError:
                    raise DataError(f"bad number in {s!r}", path=path, line=lineno)
                lm.ngrams[-1][tuple(f[1 : cur + 1])] = ArpaEntry(lp, bo)
        if section != "end":
            raise DataError("no \\end\\ marker: truncated ARPA file?", path=path)
        for n, (table, c) in enumerate(zip(lm.ngrams, counts), start=1):
            if len(table) != c:
                raise DataError(f"header says {c} {n}-grams, found {len(table)}", path=path)
        if len(lm.ngrams) != len(counts):
            raise DataError(f"header lists {len(counts)} orders, found {len(lm.ngrams)} sections", path=path)
        return lm


def _fmt(x: float) -> str:
    if x <= LOG10_ZERO:
        return "-99"
    return f"{x:.7g}"


def _ngram_sort_key(k: NGram):
    return tuple(w.encode("utf-8") for w in k)


def log10(p: float) -> float:
    return math.log10(p) if p > 0 else LOG10_ZERO
