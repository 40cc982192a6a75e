"""Reading a recipe's ``exp`` dir: which systems were decoded on which test sets, and their scores.

Per ``exp/<system>/decode_<test-set>`` it reads

* the WER at one LM weight and insertion penalty: the best setting of the tuning set
  (``dev``) applied unchanged to every test set, or, without a tuning set, each dir's own
  best (``scoring_kaldi/best_wer``, else the minimum over its ``wer_*`` files), as Kaldi's
  ``best_wer`` picks it;
* the per-utterance errors at that setting (from ``scoring_kaldi/test_filt.txt`` and
  ``scoring_kaldi/penalty_<wip>/<lmwt>.txt``), which the matched-pairs tests pair;
* the per-label counts (``wer_details/per_<label>``, or recomputed from the per-utterance
  scores and ``scoring_kaldi/utt2<label>`` when the setting is not the dir's own best);
* ``aux/<task>/report.json`` (accuracy and confusion matrix of an utterance-level head).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from mtlhybrid.score.best import WerLine, best_wer_line, parse_wer_line
from mtlhybrid.score.details import GroupStats, csid_from_result, group_stats
from mtlhybrid.score.records import AuxScore, DecodeScore, SystemRun, UttErrors
from mtlhybrid.score.wer import WerResult, compute_wer, read_transcripts
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines, kaldi_sort_key, read_table
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]
Setting = Tuple[str, str]  # (lmwt, wip)

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


def kaldi_sorted_tests(tests: Iterable[str]) -> List[str]:
    """Test sets found on disk, ``dev*`` first, then the rest by name."""
    return sorted(tests, key=lambda t: (not t.startswith("dev"), natural_key(t)))


# --------------------------------------------------------------------------- one decode dir


def _wer_lines_of(decode_dir: Path) -> List[str]:
    lines = []
    for f in sorted(decode_dir.glob("wer_*"), key=lambda p: kaldi_sort_key(p.name)):
        if not f.is_file():
            continue
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            if "WER" in line:
                lines.append(f"{f}:{line}")  # as `grep WER files...` prints them
    return lines


def best_of_decode_dir(decode_dir: PathLike) -> Optional[WerLine]:
    """The best WER of a decode dir: ``scoring_kaldi/best_wer`` if present, else over its ``wer_*`` files."""
    d = Path(decode_dir)
    best_file = d / "scoring_kaldi" / "best_wer"
    if best_file.is_file():
        for line in best_file.read_text(encoding="utf-8").splitlines():
            parsed = parse_wer_line(line)
            if parsed:
                return parsed
    line = best_wer_line(_wer_lines_of(d))
    return parse_wer_line(line) if line else None


def setting_of(line: WerLine) -> Optional[Setting]:
    """``(lmwt, wip)`` of a best-WER line whose source is a ``wer_<lmwt>_<wip>`` file."""
    m = _WER_FILE.match(Path(line.source).name) if line.source else None
    return (m.group("lmwt"), m.group("wip")) if m else None


def wer_at(decode_dir: PathLike, setting: Setting) -> Optional[WerLine]:
    """The ``%WER`` line of ``wer_<lmwt>_<wip>``; None when the dir was not scored at that setting."""
    path = Path(decode_dir) / f"wer_{setting[0]}_{setting[1]}"
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parsed = parse_wer_line(f"{path}:{line}")
        if parsed:
            return parsed
    raise DataError("no %WER line", path=path)


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


def score_at(decode_dir: PathLike, setting: Setting) -> Optional[WerResult]:
    """Per-utterance scores of the 1-best at ``setting``, recomputed from the scoring dir's texts
    (None when the lattice-side texts are gone, e.g. a tree holding only ``wer_*`` files)."""
    sk = Path(decode_dir) / "scoring_kaldi"
    ref, hyp = sk / "test_filt.txt", sk / f"penalty_{setting[1]}" / f"{setting[0]}.txt"
    if not (ref.is_file() and hyp.is_file()):
        return None
    return compute_wer(read_transcripts(str(ref)), read_transcripts(str(hyp)))


def utt_errors(decode_dir: PathLike, result: WerResult) -> Dict[str, UttErrors]:
    """``utt -> UttErrors``; the speaker from ``scoring_kaldi/utt2spk`` (the utterance itself when absent,
    so that each utterance is its own block in the speaker bootstrap)."""
    path = Path(decode_dir) / "scoring_kaldi" / "utt2spk"
    utt2spk = read_table(path) if path.is_file() else {}
    if not utt2spk:
        logger.warning("%s missing: each utterance counts as its own speaker in the bootstrap", path)
    return {u: UttErrors(utt2spk.get(u, u), s.errors, len(s.ref), "".join(s.ops)) for u, s in result.utts.items()}


def _per_label(d: Path, label: str, setting: Optional[Setting], result: Optional[WerResult]) -> Dict[str, GroupStats]:
    details = d / "scoring_kaldi" / "wer_details"
    table = details / f"per_{label}"
    own = None
    if (details / "lmwt").is_file() and (details / "wip").is_file():
        own = ((details / "lmwt").read_text().strip(), (details / "wip").read_text().strip())
    if table.is_file() and (setting is None or own == setting):
        return read_group_table(table)
    labels = d / "scoring_kaldi" / f"utt2{label}"
    if result is not None and labels.is_file():
        return group_stats(csid_from_result(result), read_table(labels), label)
    if table.is_file():
        logger.warning("%s is of the dir's own best setting %s, not %s, and no scoring_kaldi/utt2%s to recompute "
                       "it: no per-%s counts", table, own, setting, label, label)
    return {}


def read_decode_dir(decode_dir: PathLike, test_set: str, label: str = "accent", setting: Optional[Setting] = None,
                    tuned_on: str = "") -> Optional[DecodeScore]:
    """A :class:`DecodeScore` at ``setting`` (None: the dir's own best), or None when the dir holds no WER yet.

    A dir not scored at ``setting`` falls back to its own best, with a warning: its cell is
    then marked as tuned on itself.
    """
    d = Path(decode_dir)
    line = None
    if setting is not None:
        line = wer_at(d, setting)
        if line is None and best_of_decode_dir(d) is not None:
            logger.warning("%s: no wer_%s_%s (the setting chosen on %s): using the dir's own best",
                           d, setting[0], setting[1], tuned_on)
    if line is None:
        line = best_of_decode_dir(d)
        if line is None:
            return None
        setting, tuned_on = setting_of(line), test_set
    # from the counts: the %WER line is rounded to 2 decimals, and means over seeds should not inherit that
    wer = 100.0 * line.errors / line.words if line.words else line.wer
    lmwt, wip = setting if setting else ("", "")
    score = DecodeScore(test_set, wer, line.errors, line.words, line.ins, line.dels, line.sub, lmwt, wip,
                        tuned_on=tuned_on)
    result = score_at(d, setting) if setting else None
    if result is not None:
        score.utts = utt_errors(d, result)
    score.per_label = _per_label(d, label, setting, result)
    score.aux = read_aux_dir(d / "aux")
    return score


# --------------------------------------------------------------------------- an exp dir


def _is_network(path: Path, decodes: Mapping[str, DecodeScore]) -> bool:
    """Networks leave ``final.pt``; a copied tree without it still shows aux heads or an ``nnet`` name."""
    return (path / "final.pt").is_file() or any(s.aux for s in decodes.values()) or path.name.startswith("nnet")


def tuned_setting(sysdir: Path, tune_set: Optional[str]) -> Optional[Setting]:
    """The best ``(lmwt, wip)`` of ``<sysdir>/decode_<tune_set>``; None without one (logged)."""
    if tune_set is None:
        return None
    tune_dir = sysdir / f"decode_{tune_set}"
    best = best_of_decode_dir(tune_dir) if tune_dir.is_dir() else None
    setting = setting_of(best) if best is not None else None
    if setting is None:
        logger.warning("%s: no scored decode_%s to choose the LM weight and penalty on: each test set picks "
                       "its own", sysdir, tune_set)
    return setting


def find_runs(exp_dir: PathLike, test_sets: Optional[Sequence[str]] = None, seeds: Optional[Sequence[int]] = None,
              label: str = "accent", systems: Optional[Sequence[str]] = None,
              tune_set: Optional[str] = None) -> Tuple[List[SystemRun], List[str]]:
    """Every ``exp/<system>`` with a scored ``decode_<test>``: ``(runs, test_sets)``.

    ``test_sets`` None takes every decode dir found (in name order); ``seeds`` keeps only
    those seeds of seeded systems; ``systems`` (group or dir names) keeps only those;
    ``tune_set`` is the test set whose best setting every test set of the system is read at.
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
        setting = tuned_setting(sysdir, tune_set)
        decodes: Dict[str, DecodeScore] = {}
        for dd in decode_dirs:
            test = dd.name[len("decode_"):]
            if test_sets is not None and test not in test_sets:
                continue
            s = read_decode_dir(dd, test, label, setting, tune_set or "")
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


def train_labels(train_data: PathLike, label: str) -> List[str]:
    """The label values of a training data dir's ``utt2<label>`` (the accents it has seen)."""
    path = Path(train_data) / f"utt2{label}"
    if not path.is_file():
        raise DataError(f"no such file (needed to tell seen from unseen {label}s)", path=path)
    return sorted(set(read_table(path).values()), key=natural_key)
