"""Did a stage write an output for every utterance it was given?

A job pipeline such as ``gmm_compute_likes ... | align_mapped ...`` can lose utterances
in two ways: an earlier stage dies (or skips some) and the later one sees fewer inputs,
or the later one fails on some. Either way the step must say ``N of M`` and fail when
more than a small fraction is lost, naming the ids, as Kaldi's ``make_mfcc.sh`` does for
features (less than 95% done is "probably a serious error"). Without the check a job that
aligned 29 of 100 utterances succeeds and training goes on with a third of the data.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, List, Optional, Sequence

from mtlhybrid.utils.errors import DataError

#: Kaldi's threshold: more than 5% of the utterances lost is an error.
DEFAULT_MAX_LOST_FRACTION = 0.05


@dataclasses.dataclass
class Coverage:
    """What one job was given (``expected``), what it wrote (``done``) and what it gave up on (``failed``)."""

    expected: List[str]
    done: List[str] = dataclasses.field(default_factory=list)
    failed: List[str] = dataclasses.field(default_factory=list)

    @property
    def missing(self) -> List[str]:
        """Expected utterances that never reached this stage (an earlier stage lost them)."""
        seen = set(self.done) | set(self.failed)
        return [u for u in self.expected if u not in seen]

    @property
    def lost(self) -> List[str]:
        """Missing and failed utterances, in the order they were expected."""
        done = set(self.done)
        return [u for u in self.expected if u not in done]

    def summary(self, verb: str) -> str:
        """``aligned 98 of 100 utterances (1 failed, 1 missing)``."""
        return (f"{verb} {len(set(self.done) & set(self.expected))} of {len(self.expected)} utterances "
                f"({len(self.failed)} failed, {len(self.missing)} missing)")

    def check(self, verb: str, max_lost_fraction: float = DEFAULT_MAX_LOST_FRACTION,
              where: Optional[str] = None, max_ids: int = 20) -> None:
        """Raise DataError naming the lost ids when more than ``max_lost_fraction`` of ``expected`` is lost.

        Nothing expected is an error too: a job with no input did no work that a later
        stage could trust.
        """
        if not self.expected:
            raise DataError(f"no utterances to work on ({verb} 0 of 0)", path=where)
        lost = self.lost
        if len(lost) > max_lost_fraction * len(self.expected):
            missing = set(self.missing)
            parts = []
            if missing:
                ids = [u for u in lost if u in missing]
                parts.append(f"missing (no input from the previous stage): {_ids(ids, max_ids)}")
            failed = [u for u in lost if u not in missing]
            if failed:
                parts.append(f"failed: {_ids(failed, max_ids)}")
            raise DataError(
                f"{self.summary(verb)}: more than {max_lost_fraction:.0%} lost; " + "; ".join(parts), path=where)


def _ids(ids: Sequence[str], n: int) -> str:
    more = f" ... ({len(ids) - n} more)" if len(ids) > n else ""
    return " ".join(ids[:n]) + more


def read_utt_ids(path: str) -> List[str]:
    """The first column of a Kaldi table (``feats.scp``, ``utt2spk``, ``text``): the utterances a job is given."""
    from mtlhybrid.utils.io import iter_lines

    out = []
    for _, line in iter_lines(path):
        f = line.split(maxsplit=1)
        if f:
            out.append(f[0])
    return out

