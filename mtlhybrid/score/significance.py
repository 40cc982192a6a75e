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
  (Gillick & Cox 1989): utterances are cut into segments wherever both systems got two
  adjacent reference words right, and the per-segment error difference of the segments
  holding an error is tested against zero with the normal approximation (one segment per
  utterance when the alignments were not kept). Segments of one speaker (or of one
  utterance in several seeds) are not independent, so its p-value is optimistic next to
  the bootstrap's; the bootstrap is the one to report.
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


def _word_and_gap_errors(ops: str) -> Tuple[List[int], List[int]]:
    """Per reference word 1 when substituted or deleted; per gap (before word ``g``, ``g == n``:
    after the last) the number of words inserted there."""
    words: List[int] = []
    gaps = [0]
    for op in ops:
        if op == "I":
            gaps[-1] += 1
        else:
            words.append(int(op != "C"))
            gaps.append(0)
    return words, gaps


def sctk_segments(ops_a: str, ops_b: str) -> List[Tuple[int, int]]:
    """``(errors_a, errors_b)`` of each segment of one utterance, as sctk's MAPSSWE cuts it.

    The utterance is cut between two adjacent reference words that both systems got
    right with nothing inserted between them; the segments between cuts that hold an
    error of either system are kept. Errors in different segments are then taken as
    independent, which two correct words in a row make plausible.
    """
    wa, ga = _word_and_gap_errors(ops_a)
    wb, gb = _word_and_gap_errors(ops_b)
    if len(wa) != len(wb):
        raise DataError(f"alignments of {len(wa)} and {len(wb)} reference words: not the same reference")
    out: List[Tuple[int, int]] = []
    ea, eb = ga[0], gb[0]
    for j in range(len(wa)):
        if j > 0:  # the gap before word j: a cut, or part of the segment
            if wa[j - 1] == wb[j - 1] == wa[j] == wb[j] == 0 and ga[j] == gb[j] == 0:
                if ea or eb:
                    out.append((ea, eb))
                ea = eb = 0
            else:
                ea, eb = ea + ga[j], eb + gb[j]
        ea, eb = ea + wa[j], eb + wb[j]
    ea, eb = ea + ga[len(wa)], eb + gb[len(wb)]
    if ea or eb:
        out.append((ea, eb))
    return out


def mapssw_test(seeds: Sequence[Pairs]) -> MapsswTest:
    """MAPSSWE: z of the mean per-segment error difference B - A over the segments of every
    utterance and seed, cut as sctk does (:func:`sctk_segments`) when every utterance has its
    alignment, else one segment per utterance."""
    pairs = [(ea, eb) for p in seeds for ea, eb in p.values()]
    if not pairs:
        raise DataError("no utterance scored by both systems: nothing to compare")
    # an utterance both systems got right has no ops to cut by only when it has no words at all
    with_ops = all(ea.ops or not ea.words for ea, _ in pairs) and all(eb.ops or not eb.words for _, eb in pairs)
    if with_ops:
        diffs = [b - a for ea, eb in pairs for a, b in sctk_segments(ea.ops, eb.ops)]
        how = "sctk"
    else:
        diffs = [eb.errors - ea.errors for ea, eb in pairs]
        how = "utterance"
    d = np.array(diffs, dtype=np.float64)
    n = len(d)
    if n == 0:  # sctk segmentation: neither system made an error
        return MapsswTest(0.0, 1.0, 0.0, 0, how)
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else 0.0
    if sd == 0.0:
        return MapsswTest(0.0 if mean == 0 else None, 1.0 if mean == 0 else 0.0, mean, n, how)
    z = mean / (sd / math.sqrt(n))
    return MapsswTest(z, math.erfc(abs(z) / math.sqrt(2.0)), mean, n, how)
