"""The numbers of a recipe's results report, gathered from an ``exp`` dir.

A recipe ends with several systems decoded on several test sets: GMM systems
(``exp/mono``, ``exp/tri1``) once, networks once per seed (``exp/nnet_mtl_s1``,
``exp/nnet_base_s1``, ...). :func:`build_results` reads them (:mod:`.exp_reader`), at the LM
weight and insertion penalty chosen on the tuning set (``dev``) and applied unchanged to
every test set, computes the statistics over seeds and the matched-pairs tests
(:mod:`.seed_stats`, :mod:`.significance`), and returns a :class:`~.records.Results`, which
carries every number the markdown report (:mod:`.results_markdown`), the plot
(:mod:`.results_plot`) and ``results.json`` need. Anything missing (a system not decoded on
a test set, no per-accent table) leaves a gap and is logged; no decoded system at all is an
error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from mtlhybrid.score.exp_reader import PathLike, find_runs, train_labels
from mtlhybrid.score.records import Results
from mtlhybrid.score.seed_stats import compute_gains, compute_stats, label_sets, order_groups, pick_baseline, pick_confusion
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)


def resolve_tune_set(exp_dir: PathLike, tune_set: Optional[str]) -> Optional[str]:
    """``"auto"``: ``dev`` when some system has a ``decode_dev``, else None (each test set picks its own)."""
    if tune_set != "auto":
        return tune_set
    if any(Path(exp_dir).glob("*/decode_dev")):
        return "dev"
    logger.info("no decode_dev in %s: each test set picks its own LM weight and penalty (optimistic)", exp_dir)
    return None


def build_results(exp_dir: PathLike, test_sets: Optional[Sequence[str]] = None, seeds: Optional[Sequence[int]] = None,
                  label: str = "accent", unseen: Sequence[str] = (), train_data: Optional[PathLike] = None,
                  baseline: Optional[str] = None, systems: Optional[Sequence[str]] = None,
                  confusion_system: Optional[str] = None, confusion_task: Optional[str] = None,
                  confusion_test_sets: Optional[Sequence[str]] = None, elapsed: Optional[float] = None, command: str = "", created: str = "",
                  tune_set: Optional[str] = "auto", resamples: int = 10000) -> Results:
    """Read ``exp_dir`` and compute every table of the report (see the module docstring).

    ``tune_set`` names the test set whose best LM weight and insertion penalty every test
    set of a system is scored at (None: each test set picks its own, as Kaldi's
    ``best_wer``, which flatters every test set a little). A tuning set outside
    ``test_sets`` is still read for its setting; ``"auto"`` takes ``dev`` when decoded.
    """
    tune_set = resolve_tune_set(exp_dir, tune_set)
    runs, tests = find_runs(exp_dir, test_sets, seeds, label, systems, tune_set)
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
                  labels, unseen_found, "; ".join(sources), elapsed=elapsed, command=command, created=created,
                  tune_set=tune_set)
    res.baseline = pick_baseline(groups, baseline)
    if res.baseline is not None and baseline is None:
        res.groups = order_groups(runs, res.baseline)
    compute_stats(res)
    compute_gains(res, resamples)
    pick_confusion(res, confusion_system, confusion_task, confusion_test_sets)
    return res
