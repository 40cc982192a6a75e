"""make_results: the results report of a recipe, from its exp dir.

Usage: python -m mtlhybrid.bin.make_results [options] <exp-dir> <out-dir>
  e.g. python -m mtlhybrid.bin.make_results --test-sets "dev test_seen test_unseen" --seeds "1 2 3" \\
         --train-data data/train --elapsed 5400 exp results

Reads every exp/<system>/decode_<test-set> (WER, per-utterance errors, per_accent counts, aux/<task>/
report.json) at the LM weight and insertion penalty that gave the system's best WER on the
tuning set (--tune-set, default dev when decoded), applied unchanged to every test set;
groups systems by their name without _s<seed>, and writes to <out-dir>:
  results.md           WER per system and test set (mean ± std over seeds, and per run),
                       WER per accent pooled over the test sets (unseen accents marked),
                       auxiliary-task accuracy and one confusion matrix, the gain of each
                       network over the baseline of the same seed with matched-pairs tests
                       (speaker-block bootstrap: relative change, 95% interval, p-value;
                       MAPSSWE p-value), run time and this command;
  results.json         every number of the report (mtlhybrid.score.results.Results);
  wer_per_accent.png   the per-accent WER as grouped bars.
results.md is printed too. A system missing a decode dir leaves a blank cell; an exp dir
without any decoded system is an error.
"""

from __future__ import annotations

import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


def _words(s: Optional[str]) -> Optional[List[str]]:
    """``"a b,c"`` -> ``["a", "b", "c"]``; None or blank -> None."""
    if s is None:
        return None
    out = [w for w in s.replace(",", " ").split() if w]
    return out or None


def command_line(argv: List[str]) -> str:
    """How to rerun this report: the tool's module name and its arguments, from the recipe dir
    relative to the repository when it lies inside it."""
    cmd = "python3 -m mtlhybrid.bin.make_results " + shlex.join(argv)
    repo = Path(__file__).resolve().parents[2]
    cwd = Path.cwd().resolve()
    try:
        rel = cwd.relative_to(repo)
    except ValueError:
        return cmd
    return cmd if str(rel) == "." else f"cd {rel} && {cmd}"


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.utils.errors import DataError

    p = make_parser("make_results", __doc__)
    p.add_argument("--test-sets", help="test sets (space or comma separated), the columns in this order "
                   "(default: every decode_<name> found)")
    p.add_argument("--seeds", help="seeds of the _s<seed> systems to include (default: all found)")
    p.add_argument("--label", default="accent", help="utterance label of the per-label table (default: %(default)s)")
    p.add_argument("--train-data", help="training data dir: its utt2<label> values are the seen ones, others unseen")
    p.add_argument("--unseen-accents", "--unseen", dest="unseen", help="label values unseen in training (comma separated)")
    p.add_argument("--baseline", help="baseline group for the gains (default: the network group named *base*)")
    p.add_argument("--systems", help="only these systems (group or dir names)")
    p.add_argument("--confusion-system", help="run whose confusion matrices are shown (default: first seed of the "
                   "first non-baseline network)")
    p.add_argument("--confusion-task", help="auxiliary task of the confusion matrices (default: the first)")
    p.add_argument("--confusion-test-sets", help="test sets of the confusion matrices (default: all but dev*)")
    p.add_argument("--tune-set", default="auto", help="test set whose best LM weight and insertion penalty every "
                   "test set is scored at; 'auto': dev when decoded; 'none': each test set picks its own (optimistic) "
                   "(default: %(default)s)")
    p.add_argument("--resamples", type=int, default=10000, help="bootstrap resamples (default: %(default)s)")
    p.add_argument("--elapsed", type=float, help="run time of the recipe in seconds")
    p.add_argument("--no-plot", action="store_true", help="do not draw wer_per_<label>.png")
    p.add_argument("--quiet", action="store_true", help="do not print results.md")
    p.add_argument("exp_dir")
    p.add_argument("out_dir")
    raw = list(sys.argv[1:] if argv is None else argv)
    args = p.parse_args(raw)

    from mtlhybrid.score.results import build_results
    from mtlhybrid.score.results_plot import plot_wer_per_label
    from mtlhybrid.score.results_markdown import format_results_md
    from mtlhybrid.utils.io import atomic_write
    from mtlhybrid.utils.log import get_logger

    log = get_logger("make_results")
    if args.resamples < 1:
        raise DataError(f"--resamples must be positive, got {args.resamples}")
    seeds = None
    if _words(args.seeds) is not None:
        try:
            seeds = [int(s) for s in _words(args.seeds)]
        except ValueError:
            raise DataError(f"--seeds must be integers, got {args.seeds!r}")
    results = build_results(
        args.exp_dir, test_sets=_words(args.test_sets), seeds=seeds, label=args.label,
        unseen=_words(args.unseen) or (), train_data=args.train_data, baseline=args.baseline,
        systems=_words(args.systems), confusion_system=args.confusion_system, confusion_task=args.confusion_task,
        confusion_test_sets=_words(args.confusion_test_sets),
        tune_set=None if args.tune_set == "none" else args.tune_set, resamples=args.resamples,
        elapsed=args.elapsed, command=command_line(raw),
        created=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    out = Path(args.out_dir)
    plot_name = f"wer_per_{args.label}.png"
    plotted = False
    if not args.no_plot and results.labels:
        plot_wer_per_label(results, out / plot_name)
        plotted = True
    elif not args.no_plot:
        log.warning("no per_%s tables: no %s", args.label, plot_name)
    text = format_results_md(results, plot_name if plotted else None)
    with atomic_write(out / "results.md") as f:
        f.write(text)
    results.save(out / "results.json")
    log.info("%d runs in %d systems; wrote %s", len(results.runs), len(results.groups),
             ", ".join(str(out / n) for n in ["results.md", "results.json"] + ([plot_name] if plotted else [])))
    if not args.quiet:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
