"""Picking the best of many ``%WER`` lines, as Kaldi's utils/best_wer.sh.

Input lines look like ``grep WER exp/*/decode*/wer_*`` prints them,
``exp/tri1/decode_test/wer_10_0.5:%WER 12.34 [ 5 / 40, 1 ins, 2 del, 2 sub ]``. The line
with the lowest number after ``%WER`` (or ``%SER``) wins; on a tie the first one does.
The winner is printed with the file name moved to the end:
``%WER 12.34 [ 5 / 40, 1 ins, 2 del, 2 sub ] exp/tri1/decode_test/wer_10_0.5``, which is
what scoring scripts parse to find the best LM weight and insertion penalty.
(sclite's table lines, which Kaldi's script also accepts, are not handled.)
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Iterable, Optional

_RATE = re.compile(r"%([WS])ER\s+(\S+)")
_DETAIL = re.compile(
    r"%WER\s+(?P<wer>\S+)\s+\[\s*(?P<err>\d+)\s*/\s*(?P<words>\d+),\s*(?P<ins>\d+)\s+ins,\s*(?P<del>\d+)\s+del,\s*(?P<sub>\d+)\s+sub\s*\]"
)


def _number(s: str) -> float:
    try:
        return float(s)
    except ValueError:
        return math.nan


def best_wer_line(lines: Iterable[str]) -> Optional[str]:
    """The best line, reformatted as best_wer.sh prints it; None when no line has a rate."""
    best, best_line = None, None
    for line in lines:
        m = _RATE.search(line)
        if not m:
            continue
        v = _number(m.group(2))
        if math.isnan(v):
            continue  # a nan rate never compares lower (as in the Perl original)
        if best is None or v < best:
            best, best_line = v, line.rstrip("\n")
    if best_line is None:
        return None
    return reformat_wer_line(best_line)


def reformat_wer_line(line: str) -> str:
    """``<source>:%WER ...`` -> ``%WER ... <source>`` with runs of blanks squeezed to one space."""
    if "%WER" in line:
        source, _, rest = line.partition("%WER")
        line = f"%WER{rest} {source}"
    line = re.sub(r"\s+", " ", line).strip()
    line = re.sub(r":\s*\|?\s*$", "", line)
    return line


@dataclass
class WerLine:
    """The numbers of one ``%WER`` line, and what follows it (the source file, after best_wer.sh)."""

    wer: float
    errors: int
    words: int
    ins: int
    dels: int
    sub: int
    partial: bool = False
    source: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "WerLine":
        return cls(**d)


def parse_wer_line(line: str) -> Optional[WerLine]:
    """Parse ``%WER 12.34 [ 5 / 40, 1 ins, 2 del, 2 sub ] [PARTIAL] <source>`` (or ``<source>:%WER ...``)."""
    m = _DETAIL.search(line)
    if not m:
        return None
    before, after = line[: m.start()], line[m.end():]
    partial = "[PARTIAL]" in after
    after = after.replace("[PARTIAL]", "").strip()
    source = after or before.strip().rstrip(":")
    return WerLine(_number(m.group("wer")), int(m.group("err")), int(m.group("words")), int(m.group("ins")),
                   int(m.group("del")), int(m.group("sub")), partial, source)
