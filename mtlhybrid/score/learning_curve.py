"""A learning curve of the multi-task gain: the relative WER change with its 95% interval per training size.

The question behind it (issue 14): where do the auxiliary tasks help most? Published
hybrid systems gain most with little data, so the gain is measured at several training
set sizes, each a ``make_results`` report of its own (``results.json``) with the
multi-task network and its baseline trained on the same subset and seeds. This module
takes one point per report, the speaker-block bootstrap of the chosen system against the
report's baseline on one test set, and writes a table and a plot; it computes nothing new,
so the curve and the reports cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

from mtlhybrid.score.records import Record, Results
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write

PathLike = Union[str, Path]


@dataclass
class CurvePoint(Record):
    """One training size: the relative WER change of ``system`` over ``baseline`` (negative: better)."""

    label: str
    system: str
    baseline: str
    test_set: str
    seeds: int
    relative: float
    low: Optional[float]
    high: Optional[float]
    p_value: Optional[float]
    errors_baseline: int
    errors_system: int
    words: int
    speakers: int


def curve_point(label: str, results: Results, test_set: str, system: Optional[str] = None) -> CurvePoint:
    """The gain of ``system`` (default: the report's only non-baseline network) on ``test_set``."""
    gains = [g for g in results.gains if g.test_set == test_set and (system is None or g.system == system)]
    if not gains:
        raise DataError(f"{label}: no gain of {system or 'any network'} over the baseline on {test_set} "
                        f"(test sets {', '.join(results.test_sets)}; baseline {results.baseline})", path=results.exp_dir)
    if len(gains) > 1:
        raise DataError(f"{label}: several networks have a gain on {test_set} ({', '.join(g.system for g in gains)}): "
                        "name one", path=results.exp_dir)
    g = gains[0]
    if g.bootstrap is None:
        raise DataError(f"{label}: {g.system} vs {g.baseline} on {test_set} has no per-utterance scores to test",
                        path=results.exp_dir)
    b = g.bootstrap
    return CurvePoint(label, g.system, g.baseline, test_set, g.relative.n, b.relative, b.low, b.high, b.p_value,
                      b.errors_a, b.errors_b, b.words, b.speakers)


def read_points(specs: Sequence[Tuple[str, PathLike]], test_set: str, system: Optional[str] = None) -> List[CurvePoint]:
    """``(label, results.json)`` pairs, in the curve's order, to points."""
    return [curve_point(label, Results.load(path), test_set, system) for label, path in specs]


def format_curve_md(points: Sequence[CurvePoint], title: str = "Learning curve") -> str:
    """A markdown table, one row per training size."""
    from mtlhybrid.score.results_markdown import format_p, markdown_table

    if not points:
        raise DataError("no points for the learning curve")
    p0 = points[0]
    rows = []
    for p in points:
        ci = f"[{p.low:+.1f}, {p.high:+.1f}]" if p.low is not None and p.high is not None else "n/a"
        rows.append([p.label, str(p.seeds), f"{p.errors_baseline}/{p.words}", f"{p.errors_system}/{p.words}",
                     f"{p.relative:+.1f}", ci, format_p(p.p_value), str(p.speakers)])
    header = ["training set", "seeds", f"{p0.baseline} errors", f"{p0.system} errors", "relative %", "95% CI",
              "p (bootstrap)", "speakers"]
    return (f"# {title}\n\n{p0.system} against {p0.baseline} on {p0.test_set}, seeds pooled: relative WER change "
            "(negative: fewer errors) with the 95% interval and p-value of the speaker-block bootstrap, "
            "as each size's make_results report gives it.\n\n" + markdown_table(header, rows) + "\n")


def plot_curve(points: Sequence[CurvePoint], path: PathLike, dpi: int = 120) -> Path:
    """Relative change per training size with its 95% interval as an error bar; zero marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not points:
        raise DataError("no points for the learning curve")
    xs = list(range(len(points)))
    ys = [p.relative for p in points]
    lo = [p.relative - p.low if p.low is not None else 0.0 for p in points]
    hi = [p.high - p.relative if p.high is not None else 0.0 for p in points]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(points) + 2.0), 4.2))
    ax.axhline(0.0, color="0.5", linewidth=1)
    ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o-", capsize=4)
    ax.set_xticks(xs)
    ax.set_xticklabels([p.label for p in points])
    ax.set_xlabel("training set (speakers x utterances per speaker)")
    ax.set_ylabel(f"relative WER change on {points[0].test_set} (%)")
    ax.set_title(f"{points[0].system} vs {points[0].baseline} (95% interval; below 0: better)", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "wb", encoding=None) as f:
        fig.savefig(f, format="png", dpi=dpi)
    plt.close(fig)
    return path
