"""Matched-pairs significance tests of the WER difference between two systems.

Both tests pair the systems utterance by utterance on the same test set; with several
seeds, the utterances of every seed that both systems have are pooled (a seed is another
draw of the training randomness, decoded on the same speakers).

* :func:`speaker_bootstrap` resamples *speakers* (with all their utterances, in every seed)
  rather than utterances: utterances of one speaker share a voice and an accent, so their
  errors are correlated, and resampling them one by one would understate the spread
  (Bisani & Ney 2004 resample whole blocks for the same reason). It gives the relative
  WER change with a 95% percentile interval and a two-sided p-value.
* :func:`mapssw_test` is NIST sctk's matched-pairs sentence-segment word error test
  (Gillick & Cox 1989) with one segment per utterance, a simplification of sctk, which
  cuts utterances further at runs of words both systems got right. The per-segment error
  difference is tested against zero with the normal approximation. Segments of one
  speaker (or of one utterance in several seeds) are not independent, so its p-value is
  optimistic next to the bootstrap's; the bootstrap is the one to report.
"""

from __future__ import annotations

import math
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

from mtlhybrid.score.records import BootstrapTest, MapsswTest, UttErrors
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

#: a seed's matched utterances: utt -> (system A, system B)
Pairs = Mapping[str, Tuple[UttErrors, UttErrors]]


def match_utterances(a: Mapping[str, UttErrors], b: Mapping[str, UttErrors], what: str = "") -> Dict[str, Tuple[UttErrors, UttErrors]]:
    """The utterances both systems scored, paired; the reference must agree (same word count)."""
    out = {}
    for utt, ea in a.items():
        eb = b.get(utt)
        if eb is None:
            continue
        if ea.words != eb.words:
            raise DataError(f"utterance {utt} has {ea.words} reference words in one system and {eb.words} in the "
                            f"other{(' (' + what + ')') if what else ''}: not the same test set")
        out[utt] = (ea, eb)
    return out


def _speaker_counts(seeds: Sequence[Pairs]) -> Tuple[List[str], np.ndarray, int]:
    """Per speaker (summed over utterances and seeds): errors of A, errors of B, reference words."""
    index: Dict[str, int] = {}
    rows: List[List[int]] = []
    n_utts = 0
    for pairs in seeds:
        for ea, eb in pairs.values():
            i = index.setdefault(ea.spk, len(rows))
            if i == len(rows):
                rows.append([0, 0, 0])
            rows[i][0] += ea.errors
            rows[i][1] += eb.errors
            rows[i][2] += ea.words
            n_utts += 1
    return list(index), np.array(rows, dtype=np.float64).reshape(-1, 3), n_utts


def _relative(errors_a: np.ndarray, errors_b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (errors_b - errors_a) / errors_a


def speaker_bootstrap(seeds: Sequence[Pairs], resamples: int = 10000, seed: int = 0) -> BootstrapTest:
    """Relative WER change of B over A with a speaker-block bootstrap (see the module doc).

    Each draw takes as many speakers as there are, with replacement, and sums their
    errors; both systems share the reference words, so the WER ratio is the error ratio.
    The p-value is twice the smaller share of draws on either side of zero difference
    (ties count on both sides), so identical systems give 1. With one speaker there is
    nothing to resample: interval and p-value are None.
    """
    speakers, counts, n_utts = _speaker_counts(seeds)
    if not speakers:
        raise DataError("no utterance scored by both systems: nothing to compare")
    errors_a, errors_b, words = (int(round(x)) for x in counts.sum(axis=0))
    point = float(_relative(np.array([errors_a], dtype=float), np.array([errors_b], dtype=float))[0])
    if len(speakers) < 2:  # every draw is the same speaker: no spread to measure
        logger.warning("one speaker only: the speaker bootstrap has no interval or p-value")
        return BootstrapTest(point, None, None, None, errors_a, errors_b, words, len(speakers), n_utts, 0)
    rng = np.random.default_rng(seed)
    picks = rng.multinomial(len(speakers), np.full(len(speakers), 1.0 / len(speakers)), size=resamples)
    ea, eb = picks @ counts[:, 0], picks @ counts[:, 1]
    diff = eb - ea
    p = min(1.0, 2.0 * min(float(np.mean(diff <= 0)), float(np.mean(diff >= 0))))
    rel = _relative(ea, eb)
    rel = rel[np.isfinite(rel)]  # draws whose baseline has no error say nothing about a ratio
    low, high = (float(x) for x in np.percentile(rel, [2.5, 97.5])) if len(rel) else (None, None)
    return BootstrapTest(point, low, high, p, errors_a, errors_b, words, len(speakers), n_utts, resamples)


def mapssw_test(seeds: Sequence[Pairs]) -> MapsswTest:
    """MAPSSWE with one segment per utterance (and seed): z of the mean error difference B - A."""
    d = np.array([eb.errors - ea.errors for pairs in seeds for ea, eb in pairs.values()], dtype=np.float64)
    n = len(d)
    if n == 0:
        raise DataError("no utterance scored by both systems: nothing to compare")
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else 0.0
    if sd == 0.0:
        return MapsswTest(0.0 if mean == 0 else None, 1.0 if mean == 0 else 0.0, mean, n)
    z = mean / (sd / math.sqrt(n))
    return MapsswTest(z, math.erfc(abs(z) / math.sqrt(2.0)), mean, n)
