"""The numbers of a recipe's results report, gathered from an ``exp`` dir.

A recipe ends with several systems decoded on several test sets: GMM systems
(``exp/mono``, ``exp/tri1``) once, networks once per seed (``exp/nnet_mtl_s1``,
``exp/nnet_base_s1``, ...). A single seed's WER says little about a small network, so
systems are grouped by their name without ``_s<seed>`` and every number of a group is a
:class:`Stat` over its seeds (mean, sample std, the per-seed values).

What is read, per ``exp/<system>/decode_<test-set>``:

* the best WER over LM weights and penalties (``scoring_kaldi/best_wer``, via
  :func:`mtlhybrid.score.report.best_of_decode_dir`);
* ``scoring_kaldi/wer_details/per_<label>`` (e.g. ``per_accent``), whose raw counts are
  pooled over the test sets (errors and words summed, never percentages averaged: test
  sets differ in size);
* ``aux/<task>/report.json`` (accuracy and confusion matrix of an utterance-level head,
  as ``nnet_score_aux_dir`` writes it).

:func:`build_results` turns them into a :class:`Results`, which carries every number the
markdown report (:mod:`.results_report`), the plot (:mod:`.results_plot`) and
``results.json`` need. Anything missing (a system not decoded on a test set, no per-accent
table) leaves a gap and is logged; no decoded system at all is an error.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from mtlhybrid.score.details import GroupStats
from mtlhybrid.score.report import best_of_decode_dir
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, iter_lines, kaldi_sort_key, read_table
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]
FORMAT = "mtlhybrid.results"
VERSION = 1

_SEED = re.compile(r"^(?P<group>.+)_s(?P<seed>\d+)$")
_WER_FILE = re.compile(r"^wer_(?P<lmwt>.+)_(?P<wip>[^_]+)$")
_ACC = re.compile(r"%ACC\s+(\S+)\s+\[\s*(\d+)\s*/\s*(\d+)\s*\]")


def split_seed(name: str) -> Tuple[str, Optional[int]]:
    """``nnet_mtl_s3`` -> ``("nnet_mtl", 3)``; ``tri1`` -> ``("tri1", None)``."""
    m = _SEED.match(name)
    return (m.group("group"), int(m.group("seed"))) if m else (name, None)


def natural_key(s: str):
    """Sort key that orders digit runs by value (tri2 before tri10, adapt_10utt before adapt_100utt)."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", s) if t]


# --------------------------------------------------------------------------- records


@dataclass
class AuxScore:
    """An utterance-level head on one test set: accuracy (%) and confusion matrix (rows: reference)."""

    task: str
    accuracy: float
    correct: int
    total: int
    classes: List[str] = field(default_factory=list)
    confusion: List[List[int]] = field(default_factory=list)
    num_missing: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "AuxScore":
        return cls(**d)


@dataclass
class DecodeScore:
    """One decode dir: best WER and its setting, per-label counts, auxiliary heads."""

    test_set: str
    wer: float
    errors: int
    words: int
    ins: int
    dels: int
    sub: int
    lmwt: str = ""
    wip: str = ""
    per_label: Dict[str, GroupStats] = field(default_factory=dict)
    aux: Dict[str, AuxScore] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("test_set", "wer", "errors", "words", "ins", "dels", "sub", "lmwt", "wip")}
        d["per_label"] = {k: v.to_dict() for k, v in self.per_label.items()}
        d["aux"] = {k: v.to_dict() for k, v in self.aux.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DecodeScore":
        d = dict(d)
        per_label = {k: GroupStats.from_dict(v) for k, v in d.pop("per_label", {}).items()}
        aux = {k: AuxScore.from_dict(v) for k, v in d.pop("aux", {}).items()}
        return cls(**d, per_label=per_label, aux=aux)


@dataclass
class SystemRun:
    """One experiment dir (``exp/nnet_mtl_s2``): its group, seed, kind and decodes by test set."""

    name: str
    group: str
    seed: Optional[int]
    kind: str  # "gmm" or "nnet"
    decodes: Dict[str, DecodeScore] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "group": self.group, "seed": self.seed, "kind": self.kind,
                "decodes": {k: v.to_dict() for k, v in self.decodes.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "SystemRun":
        return cls(d["name"], d["group"], d["seed"], d["kind"],
                   {k: DecodeScore.from_dict(v) for k, v in d["decodes"].items()})


@dataclass
class Stat:
    """A number over seeds: mean, sample standard deviation (None below 2 values), the values."""

    mean: Optional[float]
    std: Optional[float]
    n: int
    values: List[float] = field(default_factory=list)
    seeds: List[Optional[int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Stat":
        return cls(**d)


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


@dataclass
class Gain:
    """Relative WER change (%) of ``system`` over ``baseline`` on one test set, paired by seed.

    Negative means fewer errors than the baseline. ``better`` counts the seeds where the
    system's WER is lower.
    """

    system: str
    baseline: str
    test_set: str
    relative: Stat
    absolute: Stat
    better: int = 0

    def to_dict(self) -> dict:
        return {"system": self.system, "baseline": self.baseline, "test_set": self.test_set,
                "relative": self.relative.to_dict(), "absolute": self.absolute.to_dict(), "better": self.better}

    @classmethod
    def from_dict(cls, d: dict) -> "Gain":
        return cls(d["system"], d["baseline"], d["test_set"], Stat.from_dict(d["relative"]),
                   Stat.from_dict(d["absolute"]), d.get("better", 0))


@dataclass
class GroupInfo:
    """A row of the tables: systems sharing a name up to ``_s<seed>``."""

    name: str
    kind: str
    runs: List[str] = field(default_factory=list)
    seeds: List[Optional[int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GroupInfo":
        return cls(**d)


@dataclass
class Results:
    """Everything the report shows; ``results.json`` is :meth:`to_dict`."""

    exp_dir: str
    test_sets: List[str]
    seeds: List[int]
    label: str
    runs: List[SystemRun]
    groups: List[GroupInfo]
    labels: List[str] = field(default_factory=list)           # every label value scored, seen first
    unseen: List[str] = field(default_factory=list)           # label values unseen in training
    unseen_source: str = ""                                    # where ``unseen`` came from
    wer: Dict[str, Dict[str, Stat]] = field(default_factory=dict)          # group -> test -> WER
    label_wer: Dict[str, Dict[str, Stat]] = field(default_factory=dict)    # group -> label -> pooled WER
    label_pooled: Dict[str, Dict[str, Stat]] = field(default_factory=dict)  # group -> seen/unseen/all -> WER
    aux_acc: Dict[str, Dict[str, Dict[str, Stat]]] = field(default_factory=dict)  # group -> task -> test -> acc %
    baseline: Optional[str] = None
    gains: List[Gain] = field(default_factory=list)
    confusion_system: Optional[str] = None
    confusion_task: Optional[str] = None
    confusion: Dict[str, AuxScore] = field(default_factory=dict)  # test -> matrix of confusion_system
    elapsed: Optional[float] = None
    command: str = ""
    created: str = ""

    def group(self, name: str) -> GroupInfo:
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(name)

    def run(self, name: str) -> SystemRun:
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict:
        def stats(d):
            return {k: (stats(v) if isinstance(v, dict) else v.to_dict()) for k, v in d.items()}

        return {
            "format": FORMAT, "version": VERSION,
            "exp_dir": self.exp_dir, "test_sets": list(self.test_sets), "seeds": list(self.seeds), "label": self.label,
            "runs": [r.to_dict() for r in self.runs], "groups": [g.to_dict() for g in self.groups],
            "labels": list(self.labels), "unseen": list(self.unseen), "unseen_source": self.unseen_source,
            "wer": stats(self.wer), "label_wer": stats(self.label_wer), "label_pooled": stats(self.label_pooled),
            "aux_acc": stats(self.aux_acc), "baseline": self.baseline, "gains": [g.to_dict() for g in self.gains],
            "confusion_system": self.confusion_system, "confusion_task": self.confusion_task,
            "confusion": {k: v.to_dict() for k, v in self.confusion.items()},
            "elapsed": self.elapsed, "command": self.command, "created": self.created,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Results":
        if d.get("format") != FORMAT or d.get("version") != VERSION:
            raise DataError(f"not a {FORMAT} version {VERSION} dict (format {d.get('format')!r}, version {d.get('version')!r})")

        def stats(x, depth):
            return {k: (stats(v, depth - 1) if depth > 1 else Stat.from_dict(v)) for k, v in x.items()}

        return cls(
            exp_dir=d["exp_dir"], test_sets=list(d["test_sets"]), seeds=list(d["seeds"]), label=d["label"],
            runs=[SystemRun.from_dict(r) for r in d["runs"]], groups=[GroupInfo.from_dict(g) for g in d["groups"]],
            labels=list(d["labels"]), unseen=list(d["unseen"]), unseen_source=d["unseen_source"],
            wer=stats(d["wer"], 2), label_wer=stats(d["label_wer"], 2), label_pooled=stats(d["label_pooled"], 2),
            aux_acc=stats(d["aux_acc"], 3), baseline=d["baseline"], gains=[Gain.from_dict(g) for g in d["gains"]],
            confusion_system=d["confusion_system"], confusion_task=d["confusion_task"],
            confusion={k: AuxScore.from_dict(v) for k, v in d["confusion"].items()},
            elapsed=d["elapsed"], command=d["command"], created=d["created"],
        )

    def save(self, path: PathLike) -> None:
        with atomic_write(path) as f:
            json.dump(self.to_dict(), f, indent=1)
            f.write("\n")

    @classmethod
    def load(cls, path: PathLike) -> "Results":
        path = Path(path)
        if not path.is_file():
            raise DataError("no such file", path=path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise DataError(f"not JSON: {e}", path=path, line=e.lineno)
        try:
            return cls.from_dict(d)
        except DataError as e:
            raise DataError(e.reason, path=path)


# --------------------------------------------------------------------------- readers


def read_group_table(path: PathLike) -> Dict[str, GroupStats]:
    """The ``raw`` rows of a ``per_spk``/``per_<label>`` table (the ``SUM`` row left out)."""
    out: Dict[str, GroupStats] = {}
    for lineno, line in iter_lines(path):
        f = line.split()
        if len(f) < 2 or f[1] != "raw" or f[0] == "SUM":
            continue
        if len(f) != 10:
            raise DataError(f"expected '<label> raw #SENT #WORD Corr Sub Ins Del Err S.Err', got {line.strip()!r}",
                            path=path, line=lineno)
        try:
            sent, words, corr, sub, ins, dels, err, serr = (int(x) for x in f[2:])
        except ValueError:
            raise DataError(f"non-integer count in {line.strip()!r}", path=path, line=lineno)
        if words != corr + sub + dels or err != sub + ins + dels:
            raise DataError(f"inconsistent counts (words != corr+sub+del or err != sub+ins+del) in {line.strip()!r}",
                            path=path, line=lineno)
        out[f[0]] = GroupStats(sent=sent, corr=corr, sub=sub, ins=ins, dels=dels, sent_err=serr)
    return out


def read_aux_dir(aux_dir: PathLike) -> Dict[str, AuxScore]:
    """``task -> AuxScore`` from ``<decode>/aux/<task>/report.json`` (or its ``acc`` line alone)."""
    out: Dict[str, AuxScore] = {}
    aux_dir = Path(aux_dir)
    if not aux_dir.is_dir():
        return out
    for d in sorted(aux_dir.iterdir(), key=lambda p: kaldi_sort_key(p.name)):
        if not d.is_dir() or d.name.startswith("split."):
            continue
        report, acc = d / "report.json", d / "acc"
        if report.is_file():
            try:
                r = json.loads(report.read_text(encoding="utf-8"))
                conf = [[int(x) for x in row] for row in r["confusion"]]
                correct = sum(conf[i][i] for i in range(len(conf)))
                total = sum(sum(row) for row in conf)
                out[d.name] = AuxScore(d.name, 100.0 * float(r["accuracy"]), correct, total, list(r["classes"]),
                                       conf, int(r.get("num_missing", 0)))
            except (ValueError, KeyError, TypeError, IndexError) as e:
                raise DataError(f"not an accuracy report ({type(e).__name__}: {e})", path=report)
        elif acc.is_file():
            m = _ACC.search(acc.read_text(encoding="utf-8"))
            if not m:
                raise DataError("expected '%ACC <acc> [ <correct> / <total> ]'", path=acc, line=1)
            out[d.name] = AuxScore(d.name, float(m.group(1)), int(m.group(2)), int(m.group(3)))
        else:
            logger.info("%s: predictions only (no reference labels were scored)", d)
    return out


def read_decode_dir(decode_dir: PathLike, test_set: str, label: str = "accent") -> Optional[DecodeScore]:
    """A :class:`DecodeScore`, or None when the dir holds no WER yet."""
    d = Path(decode_dir)
    best = best_of_decode_dir(d)
    if best is None:
        return None
    m = _WER_FILE.match(Path(best.source).name) if best.source else None
    # from the counts: the %WER line is rounded to 2 decimals, and means over seeds should not inherit that
    wer = 100.0 * best.errors / best.words if best.words else best.wer
    score = DecodeScore(test_set, wer, best.errors, best.words, best.ins, best.dels, best.sub,
                        m.group("lmwt") if m else "", m.group("wip") if m else "")
    per_label = d / "scoring_kaldi" / "wer_details" / f"per_{label}"
    if per_label.is_file():
        score.per_label = read_group_table(per_label)
    score.aux = read_aux_dir(d / "aux")
    return score


def _is_network(path: Path, decodes: Mapping[str, DecodeScore]) -> bool:
    """Networks leave ``final.pt``; a copied tree without it still shows aux heads or an ``nnet`` name."""
    return (path / "final.pt").is_file() or any(s.aux for s in decodes.values()) or path.name.startswith("nnet")


def find_runs(exp_dir: PathLike, test_sets: Optional[Sequence[str]] = None, seeds: Optional[Sequence[int]] = None,
              label: str = "accent", systems: Optional[Sequence[str]] = None) -> Tuple[List[SystemRun], List[str]]:
    """Every ``exp/<system>`` with a scored ``decode_<test>``: ``(runs, test_sets)``.

    ``test_sets`` None takes every decode dir found (in name order); ``seeds`` keeps only
    those seeds of seeded systems; ``systems`` (group or dir names) keeps only those.
    Raises DataError naming ``exp_dir`` when nothing is decoded.
    """
    exp = Path(exp_dir)
    if not exp.is_dir():
        raise DataError("no such experiment directory", path=exp)
    found_tests: List[str] = []
    runs: List[SystemRun] = []
    skipped_seed, unscored, no_test = [], [], []
    for sysdir in sorted((p for p in exp.iterdir() if p.is_dir()), key=lambda p: kaldi_sort_key(p.name)):
        group, seed = split_seed(sysdir.name)
        if systems is not None and group not in systems and sysdir.name not in systems:
            continue
        decode_dirs = sorted((p for p in sysdir.glob("decode_*") if p.is_dir()), key=lambda p: kaldi_sort_key(p.name))
        if not decode_dirs:
            continue
        if seed is not None and seeds is not None and seed not in seeds:
            skipped_seed.append(sysdir.name)
            continue
        decodes: Dict[str, DecodeScore] = {}
        for dd in decode_dirs:
            test = dd.name[len("decode_"):]
            if test_sets is not None and test not in test_sets:
                continue
            s = read_decode_dir(dd, test, label)
            if s is None:
                unscored.append(str(dd))
                continue
            decodes[test] = s
            if test not in found_tests:
                found_tests.append(test)
        if not decodes:
            no_test.append(sysdir.name)
            continue
        runs.append(SystemRun(sysdir.name, group, seed, "nnet" if _is_network(sysdir, decodes) else "gmm", decodes))
    if skipped_seed:
        logger.info("%d systems left out (seed not in %s): %s", len(skipped_seed), list(seeds or []), " ".join(skipped_seed))
    if unscored:
        logger.warning("%d decode dirs have no WER yet (blank cells): %s", len(unscored), " ".join(unscored))
    if no_test:
        logger.info("%d systems have no scored decode of the test sets: %s", len(no_test), " ".join(no_test))
    if not runs:
        wanted = f" on {' '.join(test_sets)}" if test_sets else ""
        raise DataError(f"no decoded systems{wanted}: expected <system>/decode_<test-set>/ with wer_* or "
                        "scoring_kaldi/best_wer", path=exp)
    tests = list(test_sets) if test_sets is not None else kaldi_sorted_tests(found_tests)
    return runs, tests


def kaldi_sorted_tests(tests: Iterable[str]) -> List[str]:
    """Test sets found on disk, ``dev*`` first, then the rest by name."""
    return sorted(tests, key=lambda t: (not t.startswith("dev"), natural_key(t)))


# --------------------------------------------------------------------------- grouping and statistics


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


def compute_gains(results: Results) -> None:
    """Seed-paired relative WER change of every other network group over the baseline."""
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
                results.gains.append(Gain(g.name, results.baseline, t, summarize(rel), summarize(ab), better))
            else:
                logger.info("no seed of %s pairs with %s on %s: no gain", g.name, results.baseline, t)


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


def train_labels(train_data: PathLike, label: str) -> List[str]:
    """The label values of a training data dir's ``utt2<label>`` (the accents it has seen)."""
    path = Path(train_data) / f"utt2{label}"
    if not path.is_file():
        raise DataError(f"no such file (needed to tell seen from unseen {label}s)", path=path)
    return sorted(set(read_table(path).values()), key=natural_key)


def build_results(exp_dir: PathLike, test_sets: Optional[Sequence[str]] = None, seeds: Optional[Sequence[int]] = None,
                  label: str = "accent", unseen: Sequence[str] = (), train_data: Optional[PathLike] = None,
                  baseline: Optional[str] = None, systems: Optional[Sequence[str]] = None,
                  confusion_system: Optional[str] = None, confusion_task: Optional[str] = None,
                  confusion_test_sets: Optional[Sequence[str]] = None, elapsed: Optional[float] = None, command: str = "", created: str = "") -> Results:
    """Read ``exp_dir`` and compute every table of the report (see the module docstring)."""
    runs, tests = find_runs(exp_dir, test_sets, seeds, label, systems)
    seen = train_labels(train_data, label) if train_data is not None else None
    labels, unseen_found = label_sets(runs, unseen, seen)
    sources = []
    if train_data is not None:
        sources.append(f"not in {Path(train_data) / f'utt2{label}'}")
    if unseen:
        sources.append(f"given: {','.join(unseen)}")
    groups = order_groups(runs, baseline)
    found_seeds = sorted({r.seed for r in runs if r.seed is not None})
    res = Results(str(exp_dir), tests, list(seeds) if seeds is not None else found_seeds, label, runs, groups,
                  labels, unseen_found, "; ".join(sources), elapsed=elapsed, command=command, created=created)
    res.baseline = pick_baseline(groups, baseline)
    if res.baseline is not None and baseline is None:
        res.groups = order_groups(runs, res.baseline)
    compute_stats(res)
    compute_gains(res)
    pick_confusion(res, confusion_system, confusion_task, confusion_test_sets)
    return res
