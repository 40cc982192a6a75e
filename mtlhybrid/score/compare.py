"""Comparing two or more systems decoded on the same test set, with matched-pairs tests.

A system is one decode dir, or one per seed (``exp/nnet_mtl_s1/decode_test_unseen``,
``exp/nnet_mtl_s2/decode_test_unseen``, ...); seeds pair by position with the first
system's, which is the baseline every other system is compared with. Each decode dir is
read at the LM weight and insertion penalty of its sibling ``decode_<tune-set>`` (the
best there), or at its own best without a tuning set, which flatters every system a
little (the comparison stays fair: each system gets the same advantage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from mtlhybrid.score.best import WerLine
from mtlhybrid.score.exp_reader import best_of_decode_dir, read_decode_dir, setting_of, split_seed
from mtlhybrid.score.records import BootstrapTest, DecodeScore, MapsswTest, Record
from mtlhybrid.score.significance import mapssw_test, match_utterances, speaker_bootstrap
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)


@dataclass
class SystemScores(Record):
    """One system: its name and one decode per seed."""

    name: str
    dirs: List[str]
    decodes: List[DecodeScore] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(d.errors for d in self.decodes)

    @property
    def words(self) -> int:
        return sum(d.words for d in self.decodes)

    @property
    def wer(self) -> float:
        return 100.0 * self.errors / self.words if self.words else float("nan")


@dataclass
class Comparison(Record):
    """``system`` against ``baseline``: both matched-pairs tests over the paired seeds."""

    baseline: str
    system: str
    seeds: int
    bootstrap: BootstrapTest
    mapssw: MapsswTest


def default_name(dirs: Sequence[str]) -> str:
    """``exp/nnet_mtl_s1/decode_x`` -> ``nnet_mtl_s1``; with one dir per seed the group, ``nnet_mtl``."""
    exp_names = [Path(d).resolve().parent.name for d in dirs]
    if len(exp_names) == 1:
        return exp_names[0]
    groups = {split_seed(n)[0] for n in exp_names}
    return groups.pop() if len(groups) == 1 else exp_names[0]


def read_system(name: str, dirs: Sequence[str], tune_set: Optional[str] = None) -> SystemScores:
    """Read every decode dir of a system at its tuned setting; a DataError names a dir without scores."""
    out = SystemScores(name, [str(d) for d in dirs])
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            raise DataError("no such decode dir", path=d)
        setting = None
        if tune_set is not None:
            tune = d.parent / f"decode_{tune_set}"
            best: Optional[WerLine] = best_of_decode_dir(tune) if tune.is_dir() else None
            setting = setting_of(best) if best is not None else None
            if setting is None:
                raise DataError(f"no scored decode_{tune_set} beside it to choose the LM weight on "
                                "(--tune-set none: each dir picks its own)", path=d)
        test = d.name[len("decode_"):] if d.name.startswith("decode_") else d.name
        score = read_decode_dir(d, test, setting=setting, tuned_on=tune_set or "")
        if score is None:
            raise DataError("no WER: expected wer_* or scoring_kaldi/best_wer", path=d)
        if not score.utts:
            raise DataError("no per-utterance scores: expected scoring_kaldi/test_filt.txt and "
                            f"scoring_kaldi/penalty_{score.wip}/{score.lmwt}.txt", path=d)
        out.decodes.append(score)
    return out


def compare_systems(systems: Sequence[SystemScores], resamples: int = 10000, seed: int = 0) -> List[Comparison]:
    """Every system after the first against the first, seeds paired by position."""
    if len(systems) < 2:
        raise DataError("need at least two systems to compare")
    base = systems[0]
    out = []
    for sys_ in systems[1:]:
        if len(sys_.decodes) != len(base.decodes):
            raise DataError(f"{sys_.name} has {len(sys_.decodes)} decode dirs and {base.name} {len(base.decodes)}: "
                            "seeds pair by position, give as many")
        pairs = [match_utterances(b.utts, s.utts, f"{bd} vs {sd}")
                 for b, s, bd, sd in zip(base.decodes, sys_.decodes, base.dirs, sys_.dirs)]
        for p, bd, sd in zip(pairs, base.dirs, sys_.dirs):
            if not p:
                raise DataError(f"no utterance in common with {bd}: not the same test set", path=sd)
        out.append(Comparison(base.name, sys_.name, len(pairs), speaker_bootstrap(pairs, resamples, seed), mapssw_test(pairs)))
    return out


def format_comparison(systems: Sequence[SystemScores], comparisons: Sequence[Comparison]) -> str:
    """A markdown table: one row per system, the baseline first."""
    from mtlhybrid.score.results_markdown import format_p, markdown_table

    by_name = {c.system: c for c in comparisons}
    rows = []
    for s in systems:
        c = by_name.get(s.name)
        setting = ", ".join(sorted({f"{d.lmwt}/{d.wip}" for d in s.decodes}))
        cells = [s.name, str(len(s.decodes)), f"{s.wer:.2f}", f"{s.errors}/{s.words}", setting]
        if c is None:
            cells += ["(baseline)", "", "", ""]
        else:
            b = c.bootstrap
            ci = f"[{b.low:+.1f}, {b.high:+.1f}]" if b.low is not None else "n/a"
            cells += [f"{b.relative:+.1f}", ci, format_p(b.p_value), format_p(c.mapssw.p_value)]
        rows.append(cells)
    header = ["system", "seeds", "%WER", "errors/words", "lmwt/wip", "relative %", "95% CI", "p (bootstrap)", "p (MAPSSWE)"]
    return markdown_table(header, rows, ["l"] + ["r"] * (len(header) - 1))
