"""Collecting the best WER of every system and test set, and printing tables of them.

A recipe ends by showing, per system (``exp/tri1``, ``exp/mtl_nnet``, ...) and test set
(``decode_test``, ``decode_dev``, ...), the best WER over LM weights and insertion
penalties. :func:`collect_results` finds it in each decode dir (``scoring_kaldi/best_wer``
when scoring wrote one, otherwise the minimum over the ``wer_*`` files);
:func:`print_table` prints any list of rows as aligned columns.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from mtlhybrid.score.best import WerLine, best_wer_line, parse_wer_line
from mtlhybrid.utils.io import kaldi_sort_key
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

_WER_FILE = re.compile(r"^wer_(?P<lmwt>[^_]+)_(?P<wip>[^_]+)$")


@dataclass
class ResultRow:
    """Best WER of one system on one test set, with the LM weight and penalty that gave it."""

    system: str
    test_set: str
    wer: float
    errors: int
    words: int
    ins: int
    dels: int
    sub: int
    lmwt: str
    wip: str
    source: str

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ResultRow":
        return cls(**d)


def _wer_lines_of(decode_dir: Path) -> List[str]:
    lines = []
    for f in sorted(decode_dir.glob("wer_*"), key=lambda p: kaldi_sort_key(p.name)):
        if not f.is_file():
            continue
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            if "WER" in line:
                lines.append(f"{f}:{line}")  # as `grep WER files...` prints them
    return lines


def best_of_decode_dir(decode_dir: Union[str, Path]) -> Optional[WerLine]:
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


def collect_results(exp_dirs: Iterable[Union[str, Path]], decode_glob: str = "decode*") -> List[ResultRow]:
    """One :class:`ResultRow` per (system, decode dir) that has scores; decode dirs without any are logged."""
    rows: List[ResultRow] = []
    unscored = []
    for exp in exp_dirs:
        exp = Path(exp)
        for d in sorted((p for p in exp.glob(decode_glob) if p.is_dir()), key=lambda p: kaldi_sort_key(p.name)):
            best = best_of_decode_dir(d)
            if best is None:
                unscored.append(str(d))
                continue
            m = _WER_FILE.match(Path(best.source).name) if best.source else None
            test = d.name[len("decode_"):] if d.name.startswith("decode_") else d.name
            rows.append(ResultRow(exp.name, test, best.wer, best.errors, best.words, best.ins, best.dels, best.sub,
                                  m.group("lmwt") if m else "", m.group("wip") if m else "", best.source))
    if unscored:
        logger.warning("%d decode dirs have no WER yet: %s", len(unscored), ", ".join(unscored[:10]))
    return rows


def wer_matrix(rows: Sequence[ResultRow]) -> Tuple[List[Dict[str, object]], List[str]]:
    """Pivot to one row per system with a WER column per test set: ``(rows, columns)`` for :func:`print_table`."""
    tests: List[str] = []
    by_sys: Dict[str, Dict[str, object]] = {}
    for r in rows:
        if r.test_set not in tests:
            tests.append(r.test_set)
        by_sys.setdefault(r.system, {"system": r.system})[r.test_set] = r.wer
    return list(by_sys.values()), ["system"] + tests


def _cell(v: object, float_fmt: str) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return format(v, float_fmt)
    return str(v)


def format_table(rows: Sequence[Union[Mapping[str, object], object]], columns: Optional[Sequence[Union[str, Tuple[str, str]]]] = None,
                 float_fmt: str = ".2f") -> str:
    """Rows (dicts or dataclasses) as a text table; ``columns`` are keys or ``(header, key)`` pairs.

    Text columns are left-aligned, numbers right-aligned; missing cells print ``-``.
    """
    dict_rows = [asdict(r) if is_dataclass(r) else dict(r) for r in rows]  # type: ignore[arg-type]
    if columns is None:
        columns = list(dict_rows[0].keys()) if dict_rows else []
    cols = [(c, c) if isinstance(c, str) else (c[0], c[1]) for c in columns]
    cells = [[_cell(r.get(key), float_fmt) for _, key in cols] for r in dict_rows]
    numeric = [all(isinstance(r.get(key), (int, float)) or r.get(key) is None for r in dict_rows) and dict_rows != []
               for _, key in cols]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, (h, _) in enumerate(cols)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line([h for h, _ in cols]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    return "\n".join(out) + "\n"


def print_table(rows, columns=None, file=None, float_fmt: str = ".2f") -> None:
    """Print :func:`format_table` to ``file`` (stdout by default)."""
    (file or sys.stdout).write(format_table(rows, columns, float_fmt))
