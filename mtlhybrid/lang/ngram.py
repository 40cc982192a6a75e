"""A small n-gram estimator: interpolated Witten-Bell and Kneser-Ney, written as ARPA.

The corpora of this toolkit are small (digit strings, prompt lists), so a compact,
readable estimator is enough and avoids an SRILM/KenLM dependency. Both methods are
*interpolated*: every order mixes its own estimate with the next lower order,

    p_k(w | h) = alpha_k(w | h) + gamma_k(h) * p_{k-1}(w | h[1:]),
    p_0(w)     = 1 / |V|          (uniform over the vocabulary, so unseen words get mass),

and since the mixture weight gamma_k(h) is exactly the mass left for unseen words, it is
also the ARPA back-off weight of ``h``: evaluating the ARPA file with the back-off rule
gives back exactly the interpolated model (the tests check this, and that every history's
distribution sums to one over the vocabulary).

* Witten-Bell: ``alpha = c(h w) / (c(h) + N1+(h .))``, ``gamma = N1+(h .) / (c(h) + N1+(h .))``.
* Kneser-Ney (one discount per order, ``D = n1 / (n1 + 2 n2)``, 0.5 when that is not in
  (0, 1)): ``alpha = max(c'(h w) - D, 0) / c'(h)``, ``gamma = D N1+(h .) / c'(h)``, where
  below the highest order c' are continuation counts (how many distinct words precede the
  n-gram), except for n-grams starting with ``<s>``, which nothing can precede, so they
  keep raw counts (as SRILM and KenLM do).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from mtlhybrid.lang.arpa import LOG10_ZERO, ArpaEntry, ArpaLm, log10
from mtlhybrid.utils.errors import MtlHybridError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

NGram = Tuple[str, ...]
METHODS = ("witten-bell", "kneser-ney")


@dataclass
class NgramCounts:
    """Raw n-gram counts of orders 1..order over sentences padded with <s> ... </s>."""

    order: int
    counts: List[Counter] = field(default_factory=list)  # counts[k-1]: k-grams
    bos: str = "<s>"
    eos: str = "</s>"

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]], order: int, bos: str = "<s>", eos: str = "</s>") -> "NgramCounts":
        if order < 1:
            raise MtlHybridError(f"n-gram order must be >= 1, got {order}")
        c = cls(order, [Counter() for _ in range(order)], bos, eos)
        for words in sentences:
            toks = [bos] + list(words) + [eos]
            for i in range(1, len(toks)):  # predicted token toks[i]; <s> is never predicted
                for k in range(1, order + 1):
                    if i - k + 1 < 0:
                        break
                    c.counts[k - 1][tuple(toks[i - k + 1 : i + 1])] += 1
        return c

    def to_dict(self) -> dict:
        return {"order": self.order, "bos": self.bos, "eos": self.eos, "counts": [[[list(k), v] for k, v in c.items()] for c in self.counts]}

    @classmethod
    def from_dict(cls, d: dict) -> "NgramCounts":
        return cls(d["order"], [Counter({tuple(k): v for k, v in c}) for c in d["counts"]], d["bos"], d["eos"])


def _discount(counts: Dict[NGram, float]) -> float:
    n1 = sum(1 for v in counts.values() if v == 1)
    n2 = sum(1 for v in counts.values() if v == 2)
    d = n1 / (n1 + 2 * n2) if n1 + 2 * n2 > 0 else 0.0
    return d if 0.0 < d < 1.0 else 0.5


class InterpolatedNgram:
    """The interpolated model; :meth:`prob` gives p(w | h) and :meth:`to_arpa` the ARPA form."""

    def __init__(self, counts: NgramCounts, method: str = "kneser-ney", vocab: Optional[Iterable[str]] = None):
        if method not in METHODS:
            raise MtlHybridError(f"unknown smoothing method {method!r}; choose from {', '.join(METHODS)}")
        self.method = method
        self.order = counts.order
        self.bos, self.eos = counts.bos, counts.eos
        self.raw = counts.counts
        words: Set[str] = {g[0] for g in self.raw[0]}
        if vocab is not None:
            words |= {w for w in vocab if w != self.bos}
        words.add(self.eos)
        self.vocab: List[str] = sorted(words)
        # Counts used at each order: raw at the top (and for <s>-initial n-grams under KN),
        # continuation counts below the top for Kneser-Ney.
        self.used: List[Dict[NGram, float]] = []
        for k in range(1, self.order + 1):
            if method == "kneser-ney" and k < self.order:
                cont: Dict[NGram, float] = defaultdict(float)
                for g in self.raw[k]:  # (k+1)-grams
                    cont[g[1:]] += 1
                used = {g: (float(v) if g[0] == self.bos else cont.get(g, 0.0)) for g, v in self.raw[k - 1].items()}
            else:
                used = {g: float(v) for g, v in self.raw[k - 1].items()}
            self.used.append(used)
        self.discounts = [_discount(u) for u in self.used] if method == "kneser-ney" else [0.0] * self.order
        # Per-history totals: T(h) = sum of used counts, N1(h) = distinct followers.
        self.total: List[Dict[NGram, float]] = []
        self.types: List[Dict[NGram, int]] = []
        for used in self.used:
            t: Dict[NGram, float] = defaultdict(float)
            n: Dict[NGram, int] = defaultdict(int)
            for g, v in used.items():
                if v > 0:
                    t[g[:-1]] += v
                    n[g[:-1]] += 1
            self.total.append(dict(t))
            self.types.append(dict(n))
        self._cache: Dict[NGram, float] = {}

    def gamma(self, history: NGram) -> float:
        """Mass the order ``len(history)+1`` leaves to the lower order after ``history``."""
        k = len(history)
        t = self.total[k].get(history, 0.0)
        if t <= 0:
            return 1.0
        n1 = self.types[k][history]
        if self.method == "witten-bell":
            return n1 / (t + n1)
        return self.discounts[k] * n1 / t

    def prob(self, word: str, history: Sequence[str]) -> float:
        """p(word | history), history truncated to the model order."""
        h = tuple(history)[len(history) - (self.order - 1):] if self.order > 1 else ()
        if len(history) < self.order - 1:
            h = tuple(history)
        return self._prob(h + (word,))

    def _prob(self, g: NGram) -> float:
        if g in self._cache:
            return self._cache[g]
        k = len(g)
        h, w = g[:-1], g[-1]
        lower = self._prob(g[1:]) if k > 1 else 1.0 / len(self.vocab)
        t = self.total[k - 1].get(h, 0.0)
        if t <= 0:
            p = lower
        else:
            c = self.used[k - 1].get(g, 0.0)
            n1 = self.types[k - 1][h]
            if self.method == "witten-bell":
                alpha = c / (t + n1)
            else:
                alpha = max(c - self.discounts[k - 1], 0.0) / t
            p = alpha + self.gamma(h) * lower
        self._cache[g] = p
        return p

    def to_arpa(self) -> ArpaLm:
        """Every seen n-gram with its interpolated probability; histories carry gamma as back-off."""
        lm = ArpaLm(bos=self.bos, eos=self.eos)
        uni: Dict[NGram, ArpaEntry] = {(w,): ArpaEntry(log10(self._prob((w,)))) for w in self.vocab}
        uni[(self.bos,)] = ArpaEntry(LOG10_ZERO)
        lm.ngrams.append(uni)
        for k in range(2, self.order + 1):
            lm.ngrams.append({g: ArpaEntry(log10(self._prob(g))) for g in self.raw[k - 1]})
        for k in range(1, self.order):
            for g, e in lm.ngrams[k - 1].items():
                if g in self.total[k]:
                    e.backoff = log10(self.gamma(g))
        return lm


def isolated_word_grammar(words: Iterable[str], bos: str = "<s>", eos: str = "</s>") -> ArpaLm:
    """A bigram 'grammar' for isolated-word recognition: exactly one word per utterance,
    all words equally likely.

    ``p(w | <s>) = 1/N`` and ``p(</s> | w) = 1``; back-off weights are log10 -99 (zero), so
    in G.fst the back-off arcs cost about 228 and are never taken in practice.
    """
    vocab = sorted({w for w in words if w not in (bos, eos)})
    if not vocab:
        raise MtlHybridError("an isolated-word grammar needs at least one word")
    lm = ArpaLm(bos=bos, eos=eos)
    n = len(vocab)
    uni = {(w,): ArpaEntry(math.log10(1.0 / (n + 1)), LOG10_ZERO) for w in vocab}
    uni[(eos,)] = ArpaEntry(math.log10(1.0 / (n + 1)))
    uni[(bos,)] = ArpaEntry(LOG10_ZERO, LOG10_ZERO)
    bi = {(bos, w): ArpaEntry(math.log10(1.0 / n)) for w in vocab}
    bi.update({(w, eos): ArpaEntry(0.0) for w in vocab})
    lm.ngrams = [uni, bi]
    return lm


def estimate_arpa(
    sentences: Iterable[Sequence[str]], order: int, method: str = "kneser-ney", vocab: Optional[Iterable[str]] = None
) -> ArpaLm:
    """Count, smooth and return the ARPA model of ``sentences`` (lists of words)."""
    sents = [list(s) for s in sentences]
    counts = NgramCounts.from_sentences(sents, order)
    model = InterpolatedNgram(counts, method, vocab)
    lm = model.to_arpa()
    logger.info(
        "%s %d-gram LM from %d sentences: %s n-grams, vocabulary %d",
        method,
        order,
        len(sents),
        "/".join(str(len(t)) for t in lm.ngrams),
        len(model.vocab),
    )
    return lm
