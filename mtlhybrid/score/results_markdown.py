"""``results.md``: the tables of a :class:`~mtlhybrid.score.results.Results` as markdown.

Written to be pasted into a RESULTS.md: it names the command that produced it and the
run time, says how every number was computed (best setting per test set, pooled counts,
sample std over seeds), and states the multi-task gain as a sentence whatever its sign.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from mtlhybrid.score.records import AuxScore, BootstrapTest, Gain, GroupInfo, MapsswTest, Results, Stat


def format_duration(seconds: Optional[float]) -> str:
    """``3723`` -> ``1 h 02 min 03 s (3723 s)``; None -> ``unknown``."""
    if seconds is None:
        return "unknown"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    text = f"{h} h {m:02d} min {sec:02d} s" if h else (f"{m} min {sec:02d} s" if m else f"{sec} s")
    return f"{text} ({s} s)" if s >= 60 else text


def format_stat(stat: Optional[Stat], expected_n: int = 1, digits: int = 2, signed: bool = False) -> str:
    """``12.34``, ``12.34 ± 0.56``, ``12.34 ± 0.56 (n=2)`` when fewer seeds than expected; blank when none."""
    if stat is None or stat.n == 0 or stat.mean is None:
        return ""
    sign = "+" if signed else ""
    text = f"{stat.mean:{sign}.{digits}f}"
    if stat.std is not None:
        text += f" ± {stat.std:.{digits}f}"
    if stat.n < expected_n:
        text += f" (n={stat.n})"
    return text


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: Optional[Sequence[str]] = None) -> str:
    """A pipe table with padded columns (readable as plain text too); ``align`` is ``l``/``r`` per column."""
    align = list(align) if align is not None else ["l"] + ["r"] * (len(header) - 1)
    widths = [max([len(h)] + [len(r[i]) for r in rows] + [3]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align)) + " |"

    rule = "|" + "|".join((":" + "-" * (w + 1)) if a == "l" else ("-" * (w + 1) + ":") for w, a in zip(widths, align)) + "|"
    return "\n".join([line(header), rule] + [line(r) for r in rows]) + "\n"


def _expected(results: Results, g: GroupInfo) -> int:
    seeded = any(s is not None for s in g.seeds)
    return max(len(results.seeds), 1) if seeded else 1


def _seed_note(results: Results) -> str:
    if not any(g.kind == "nnet" and any(s is not None for s in g.seeds) for g in results.groups):
        return ""
    seeds = " ".join(str(s) for s in results.seeds)
    return (f"Systems trained with several seeds ({seeds}) show the mean ± sample standard deviation over seeds; "
            "`(n=k)` marks cells with fewer seeds scored. ")


def wer_table(results: Results) -> str:
    rows = [[g.name] + [format_stat(results.wer.get(g.name, {}).get(t), _expected(results, g)) for t in results.test_sets]
            for g in results.groups]
    return markdown_table(["system"] + results.test_sets, rows)


def per_seed_table(results: Results) -> str:
    rows = []
    for g in results.groups:
        for name in g.runs:
            r = results.run(name)
            cells = []
            for t in results.test_sets:
                s = r.decodes.get(t)
                own = " own best" if results.tune_set and s is not None and s.tuned_on != results.tune_set else ""
                cells.append("" if s is None else f"{s.wer:.2f} [{s.errors}/{s.words}] ({s.lmwt}, {s.wip}{own})")
            rows.append([name, "" if r.seed is None else str(r.seed)] + cells)
    return markdown_table(["run", "seed"] + results.test_sets, rows, ["l", "r"] + ["r"] * len(results.test_sets))


def label_table(results: Results) -> str:
    groups = [g for g in results.groups if g.name in results.label_wer]
    unseen = set(results.unseen)
    rows = []
    for lab in results.labels:
        name = f"{lab} (unseen)" if lab in unseen else lab
        rows.append([name] + [format_stat(results.label_wer[g.name].get(lab), _expected(results, g)) for g in groups])
    pooled = [("seen", "all seen (pooled)"), ("unseen", "all unseen (pooled)"), ("all", "all (pooled)")]
    for key, title in pooled:
        if key == "unseen" and not unseen:
            continue
        if key == "seen" and not unseen:
            continue
        rows.append([f"**{title}**"] + [format_stat(results.label_pooled[g.name].get(key), _expected(results, g))
                                         for g in groups])
    return markdown_table([results.label] + [g.name for g in groups], rows)


def aux_table(results: Results) -> str:
    rows = []
    for g in results.groups:
        for task, by_test in results.aux_acc.get(g.name, {}).items():
            rows.append([g.name, task] + [format_stat(by_test.get(t), _expected(results, g)) for t in results.test_sets])
    return markdown_table(["system", "task"] + results.test_sets, rows, ["l", "l"] + ["r"] * len(results.test_sets))


def confusion_table(score: AuxScore) -> str:
    """Rows: reference class (those with utterances); columns: hypothesis; last column the class's recall."""
    header = ["ref \\ hyp"] + score.classes + ["recall %"]
    rows = []
    for i, (name, row) in enumerate(zip(score.classes, score.confusion)):
        total = sum(row)
        if not total:
            continue  # a class the test set has no utterance of (e.g. every seen accent on test_unseen)
        rows.append([name] + [str(x) for x in row] + [f"{100.0 * row[i] / total:.1f}"])
    return markdown_table(header, rows)


def format_p(p: Optional[float]) -> str:
    """``0.0003`` -> ``<0.001``; others to 3 decimals; None (one speaker) -> ``n/a``."""
    if p is None:
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def bootstrap_sentence(b: BootstrapTest, m: Optional[MapsswTest]) -> str:
    """``-8.1% [-14.0%, -2.3%], p = 0.006 (speaker bootstrap ...); MAPSSWE p = 0.002``."""
    ci = f"[95% interval {b.low:+.1f}%, {b.high:+.1f}%]" if b.low is not None else "[no interval: one speaker]"
    text = (f"pooled over seeds {b.relative:+.1f}% relative {ci}, "
            f"p = {format_p(b.p_value)} (speaker-block bootstrap: {b.errors_b} vs {b.errors_a} errors in {b.words} "
            f"words, {_count(b.speakers, 'speaker')}, {_count(b.utterances, 'utterance pair')}, "
            f"{_count(b.resamples, 'resample')})")
    if m is not None:
        z = f"z = {m.z:+.2f}" if m.z is not None else "every segment differs alike"
        unit = "segments" if m.segmentation == "sctk" else "utterances as segments"
        text += f"; MAPSSWE p = {format_p(m.p_value)} ({z}, {m.segments} {unit})"
    return text


def gain_sentence(g: Gain) -> str:
    """``nnet_mtl vs nnet_base on test_unseen: -4.2% ± 1.3% relative WER (3 seeds; lower WER on 2 of 3)``,
    then the matched-pairs tests when the decode dirs had per-utterance scores."""
    rel = g.relative
    if rel.n == 0 or rel.mean is None:
        return (f"{g.system} vs {g.baseline} on {g.test_set}: relative change undefined (baseline WER 0); "
                f"absolute {format_stat(g.absolute, signed=True)} WER points.")
    spread = f" ± {rel.std:.1f}%" if rel.std is not None else ""
    n = g.absolute.n
    verdict = "fewer errors than" if rel.mean < 0 else ("more errors than" if rel.mean > 0 else "the same errors as")
    within = ""
    if rel.std and abs(rel.mean) <= rel.std:
        within = "; the difference is within one standard deviation over seeds"
    text = (f"{g.system} vs {g.baseline} on {g.test_set}: {rel.mean:+.1f}%{spread} relative WER "
            f"({n} seed{'s' if n != 1 else ''}; lower WER on {g.better} of {n}): {verdict} the baseline{within}.")
    if g.bootstrap is not None:
        text += f" Matched pairs: {bootstrap_sentence(g.bootstrap, g.mapssw)}."
    return text


def comparison_rows(gains: Sequence[Gain]) -> List[List[str]]:
    def interval(g: Gain) -> str:
        b = g.bootstrap
        if b is None:
            return ""
        return f"{b.relative:+.1f} [{b.low:+.1f}, {b.high:+.1f}]" if b.low is not None else f"{b.relative:+.1f} [n/a]"

    return [[f"{g.system} vs {g.baseline}", g.test_set, format_stat(g.relative, digits=1, signed=True),
             format_stat(g.absolute, signed=True), f"{g.better}/{g.absolute.n}", interval(g),
             "" if g.bootstrap is None else format_p(g.bootstrap.p_value),
             "" if g.mapssw is None else format_p(g.mapssw.p_value)] for g in gains]


COMPARISON_HEADER = ["comparison", "test set", "relative WER % (seeds)", "absolute WER points", "lower on seeds",
                     "pooled relative % [95% CI]", "p (bootstrap)", "p (MAPSSWE)"]


def gains_section(results: Results) -> List[str]:
    if results.baseline is None:
        return ["No baseline network group (a name with a `base` part, or `--baseline`): no gain computed.\n"]
    if not results.gains:
        return [f"No network system pairs with the baseline {results.baseline} by seed: no gain computed.\n"]
    out = ["Relative WER change = (WER(system) − WER(baseline)) / WER(baseline), computed per seed with the baseline "
           "of the same seed, then mean ± sample std over seeds; negative is better. The matched-pairs columns pool "
           "the utterances of every paired seed: the relative change of the pooled error counts with a 95% percentile "
           "interval and two-sided p-value from a bootstrap that resamples speakers (all their utterances, every seed), "
           "and the p-value of NIST's MAPSSWE test (segments cut where both systems got two adjacent words right, "
           "as sctk does; optimistic: it treats the segments as independent).\n"]
    out += [f"- {gain_sentence(g)}" for g in results.gains]
    out.append("")
    out.append(markdown_table(COMPARISON_HEADER, comparison_rows(results.gains), ["l", "l"] + ["r"] * 6))
    return out


def format_results_md(results: Results, plot_name: Optional[str] = "wer_per_accent.png") -> str:
    """The whole report."""
    out: List[str] = [f"# Results: {results.exp_dir}", ""]
    out.append("Produced by:")
    out += ["", "```", results.command or "(command not recorded)", "```", ""]
    out.append(f"Run time: {format_duration(results.elapsed)} (`--elapsed`: what the recipe measured, the stages of "
               "that invocation)." + (f" Report written {results.created}." if results.created else ""))
    out.append("")
    nets = [g.name for g in results.groups if g.kind == "nnet"]
    gmms = [g.name for g in results.groups if g.kind == "gmm"]
    out.append(f"Systems: GMM {', '.join(gmms) or 'none'}; networks {', '.join(nets) or 'none'}. "
               f"Test sets: {', '.join(results.test_sets)}.")
    out.append("")

    out += ["## 1. WER (%) per system and test set", ""]
    if results.tune_set:
        setting = (f"Each cell is the WER at the LM weight and insertion penalty that gave the system's best WER on "
                   f"{results.tune_set}, applied unchanged to the other test sets (`own best` in the per-run table "
                   f"marks a decode dir not scored at that setting, which then picked its own).")
    else:
        setting = ("Each cell is the best WER over LM weights and insertion penalties of that decode dir (Kaldi's "
                   "`best_wer`: no dev set was decoded, so the setting is picked on the test set itself and the "
                   "numbers are slightly optimistic).")
    out.append(_seed_note(results) + setting + " A blank cell: not decoded or not scored.")
    out += ["", wer_table(results)]
    out += ["### Per run", "", "Cells: WER [errors/words] (LM weight, insertion penalty).", "", per_seed_table(results)]

    out += [f"## 2. WER (%) per {results.label}", ""]
    if results.labels:
        out.append(f"Pooled over {', '.join(results.test_sets)}: each run's errors and reference words are summed over "
                   f"the test sets (from `scoring_kaldi/wer_details/per_{results.label}`), then divided; seeds as in table 1.")
        if results.unseen:
            out.append(f"Unseen in training ({results.unseen_source or 'given'}): {', '.join(results.unseen)}.")
        elif results.unseen_source:
            out.append(f"Every {results.label} scored was seen in training ({results.unseen_source}).")
        else:
            out.append(f"Which {results.label}s were unseen in training is unknown (no `--train-data` or "
                       f"`--unseen-{results.label}s`).")
        out += ["", label_table(results)]
        if plot_name:
            out += [f"![WER per {results.label}]({plot_name})", ""]
    else:
        out += [f"No decode dir has a `per_{results.label}` table (score with an `utt2{results.label}` in the data dir).", ""]

    out += ["## 3. Auxiliary tasks", ""]
    if results.aux_acc:
        out.append("Accuracy (%) of the utterance-level heads per test set, seeds as in table 1.")
        if results.unseen:
            out.append(f"Utterances of a {results.label} unseen in training always count as errors: it is not "
                       "among the head's classes.")
        out += ["", aux_table(results)]
        for test, score in results.confusion.items():
            out += [f"### Confusion matrix: {results.confusion_system}, {results.confusion_task}, {test}", "",
                    f"Accuracy {score.accuracy:.2f}% [{score.correct}/{score.total}]"
                    + (f", {score.num_missing} utterances without a prediction" if score.num_missing else "") + ".", "",
                    confusion_table(score)]
    else:
        out += ["No auxiliary-task scores (`decode_*/aux/<task>/report.json`) found.", ""]

    out += ["## 4. Multi-task gain over the single-task baseline", ""]
    out += gains_section(results)
    return "\n".join(out).rstrip("\n") + "\n"
