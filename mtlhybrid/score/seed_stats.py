"""Statistics over seeds: grouping runs into systems, numbers over seeds, gains over the baseline.

A single seed's WER says little about a small network, so systems are grouped by their
name without ``_s<seed>`` and every number of a group is a :class:`Stat` over its seeds
(mean, sample std, the per-seed values). Per-label WERs pool raw counts over the test sets
(errors and words summed, never percentages averaged: test sets differ in size). The gain
of a network over the baseline is paired by seed, and tested with the matched-pairs tests
of :mod:`.significance`.
"""

from __future__ import annotations

import math
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from mtlhybrid.score.details import GroupStats
from mtlhybrid.score.exp_reader import natural_key
from mtlhybrid.score.records import BootstrapTest, Gain, GroupInfo, MapsswTest, Results, Stat, SystemRun
from mtlhybrid.score.significance import mapssw_test, match_utterances, speaker_bootstrap
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)


def summarize(pairs: Iterable[Tuple[Optional[int], float]]) -> Stat:
    """:class:`Stat` of ``(seed, value)`` pairs; non-finite values (WER of no words) are left out."""
    seeds, values = [], []
    for seed, v in pairs:
        if v is None or not math.isfinite(v):
            continue
        seeds.append(seed)
        values.append(float(v))
    n = len(values)
    if n == 0:
        return Stat(None, None, 0, [], [])
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return Stat(mean, std, n, values, seeds)


def order_groups(runs: Sequence[SystemRun], baseline: Optional[str] = None) -> List[GroupInfo]:
    """GMM systems first (``mono`` first, then by name), then networks (the baseline first)."""
    groups: Dict[str, GroupInfo] = {}
    for r in runs:
        g = groups.setdefault(r.group, GroupInfo(r.group, r.kind))
        if r.kind == "nnet":
            g.kind = "nnet"
        g.runs.append(r.name)
        g.seeds.append(r.seed)
    for g in groups.values():
        order = sorted(range(len(g.runs)), key=lambda i: (g.seeds[i] is None, g.seeds[i] or 0, g.runs[i]))
        g.runs, g.seeds = [g.runs[i] for i in order], [g.seeds[i] for i in order]

    def key(g: GroupInfo):
        return (g.kind != "gmm", g.name != "mono", g.name != baseline, natural_key(g.name))

    return sorted(groups.values(), key=key)


def pick_baseline(groups: Sequence[GroupInfo], baseline: Optional[str]) -> Optional[str]:
    """The given baseline group, or the one network group whose name has a ``base`` part."""
    names = [g.name for g in groups]
    if baseline is not None:
        if baseline not in names:
            logger.warning("baseline %s has no decoded runs (systems: %s): no gains computed", baseline, " ".join(names))
            return None
        return baseline
    cands = [g.name for g in groups if g.kind == "nnet" and "base" in re.split(r"[_\-.]", g.name)]
    if len(cands) == 1:
        return cands[0]
    if cands:
        logger.warning("several baseline candidates (%s); pass --baseline: no gains computed", " ".join(cands))
    else:
        logger.info("no network group named *base*: no gains computed (pass --baseline)")
    return None


def _pool(stats: Iterable[GroupStats]) -> Tuple[int, int]:
    errors = words = 0
    for s in stats:
        errors += s.errors
        words += s.words
    return errors, words


def _wer(errors: int, words: int) -> float:
    return 100.0 * errors / words if words else math.nan


def label_sets(runs: Sequence[SystemRun], unseen: Iterable[str] = (), seen: Optional[Iterable[str]] = None
               ) -> Tuple[List[str], List[str]]:
    """``(labels, unseen)``: every label scored (seen ones first, then unseen, each by name)
    and those of them unseen in training (``unseen``, or those not in ``seen`` when given)."""
    present = {lab for r in runs for s in r.decodes.values() for lab in s.per_label}
    unseen_set = set(unseen)
    if seen is not None:
        seen_set = set(seen)
        unseen_set |= {lab for lab in present if lab not in seen_set}
    missing = sorted(unseen_set - present)
    if missing:
        logger.info("unseen labels not in any scored test set: %s", " ".join(missing))
    labels = sorted(present, key=lambda x: (x in unseen_set, natural_key(x)))
    return labels, [x for x in labels if x in unseen_set]


def compute_stats(results: Results) -> None:
    """Fill the derived tables of ``results`` from its runs."""
    by_name = {r.name: r for r in results.runs}
    unseen = set(results.unseen)
    results.wer, results.label_wer, results.label_pooled, results.aux_acc = {}, {}, {}, {}
    for g in results.groups:
        runs = [by_name[n] for n in g.runs]
        results.wer[g.name] = {t: summarize((r.seed, r.decodes[t].wer) for r in runs if t in r.decodes)
                               for t in results.test_sets}
        # per label: each run's counts pooled over the test sets, then the statistic over seeds
        per_run: Dict[str, Dict[str, Tuple[int, int]]] = {}
        for r in runs:
            for lab in results.labels:
                tables = [s.per_label[lab] for s in r.decodes.values() if lab in s.per_label]
                if tables:
                    per_run.setdefault(r.name, {})[lab] = _pool(tables)
        if per_run:
            results.label_wer[g.name] = {
                lab: summarize((by_name[n].seed, _wer(*c[lab])) for n, c in per_run.items() if lab in c)
                for lab in results.labels}
            pooled = {}
            for what, keep in (("seen", lambda x: x not in unseen), ("unseen", lambda x: x in unseen), ("all", lambda x: True)):
                vals = []
                for n, c in per_run.items():
                    e = sum(v[0] for lab, v in c.items() if keep(lab))
                    w = sum(v[1] for lab, v in c.items() if keep(lab))
                    vals.append((by_name[n].seed, _wer(e, w)))
                pooled[what] = summarize(vals)
            results.label_pooled[g.name] = pooled
        tasks = []
        for r in runs:
            for s in r.decodes.values():
                tasks += [t for t in s.aux if t not in tasks]
        if tasks:
            results.aux_acc[g.name] = {
                task: {t: summarize((r.seed, r.decodes[t].aux[task].accuracy) for r in runs
                                    if t in r.decodes and task in r.decodes[t].aux)
                       for t in results.test_sets}
                for task in tasks}


def compute_gains(results: Results, resamples: int = 10000) -> None:
    """Seed-paired relative WER change of every other network group over the baseline, with the
    matched-pairs tests over the pooled utterances of the paired seeds."""
    results.gains = []
    if results.baseline is None:
        return
    base_runs = {results.run(n).seed: results.run(n) for n in results.group(results.baseline).runs}
    for g in results.groups:
        if g.kind != "nnet" or g.name == results.baseline:
            continue
        for t in results.test_sets:
            rel, ab, better = [], [], 0
            for n in g.runs:
                r = results.run(n)
                b = base_runs.get(r.seed)
                if b is None or t not in r.decodes or t not in b.decodes:
                    continue
                wb, ws = b.decodes[t].wer, r.decodes[t].wer
                ab.append((r.seed, ws - wb))
                rel.append((r.seed, 100.0 * (ws - wb) / wb if wb > 0 else math.nan))
                better += int(ws < wb)
            if ab:
                gain = Gain(g.name, results.baseline, t, summarize(rel), summarize(ab), better)
                gain.bootstrap, gain.mapssw = matched_pairs(results, results.baseline, g.name, t, resamples)
                results.gains.append(gain)
            else:
                logger.info("no seed of %s pairs with %s on %s: no gain", g.name, results.baseline, t)


def matched_pairs(results: Results, baseline: str, system: str, test_set: str, resamples: int = 10000
                  ) -> Tuple[Optional[BootstrapTest], Optional[MapsswTest]]:
    """Both matched-pairs tests of ``system`` against ``baseline`` on ``test_set``, seeds paired by
    number and pooled; ``(None, None)`` when no seed has per-utterance scores in both."""
    base = {results.run(n).seed: results.run(n) for n in results.group(baseline).runs}
    seeds = []
    for n in results.group(system).runs:
        r = results.run(n)
        b = base.get(r.seed)
        if b is None or test_set not in r.decodes or test_set not in b.decodes:
            continue
        pairs = match_utterances(b.decodes[test_set].utts, r.decodes[test_set].utts, f"{b.name} vs {r.name} on {test_set}")
        if pairs:
            seeds.append(pairs)
    if not seeds:
        logger.info("%s vs %s on %s: no per-utterance scores, no significance test", system, baseline, test_set)
        return None, None
    return speaker_bootstrap(seeds, resamples), mapssw_test(seeds)


def pick_confusion(results: Results, system: Optional[str] = None, task: Optional[str] = None,
                   test_sets: Optional[Sequence[str]] = None) -> None:
    """The confusion matrices shown: ``system`` (a run or group name), else the first seed of
    the first non-baseline network group with an auxiliary head, ``*mtl*`` groups first;
    ``task`` else its first head; on
    ``test_sets``, else on the test sets other than ``dev*`` (all when only dev sets)."""
    if test_sets is None:
        test_sets = [t for t in results.test_sets if not t.startswith("dev")] or results.test_sets
    cands: List[SystemRun] = []
    if system is not None:
        try:
            cands = [results.run(system)]
        except KeyError:
            names = [r.name for r in results.runs]
            if system in [g.name for g in results.groups]:
                cands = [results.run(results.group(system).runs[0])]
            else:
                logger.warning("confusion system %s not among the runs (%s)", system, " ".join(names))
    else:  # the multi-task system when a name says so (nnet_mtl before nnet_adapt_10), then any other network
        nets = [g for g in results.groups if g.kind == "nnet" and g.name != results.baseline]
        for g in sorted(nets, key=lambda g: "mtl" not in re.split(r"[_\-.]", g.name)):
            cands += [results.run(n) for n in g.runs]
    for r in cands:
        tasks: List[str] = []
        for s in r.decodes.values():
            tasks += [t for t in s.aux if t not in tasks]
        if task is not None:
            tasks = [t for t in tasks if t == task]
        if tasks:
            results.confusion_system, results.confusion_task = r.name, tasks[0]
            results.confusion = {t: r.decodes[t].aux[tasks[0]] for t in test_sets
                                 if t in r.decodes and tasks[0] in r.decodes[t].aux}
            return
    results.confusion_system = results.confusion_task = None
    results.confusion = {}
