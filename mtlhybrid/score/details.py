"""Kaldi's ``scoring_kaldi/wer_details/`` files, from a :class:`~mtlhybrid.score.wer.WerResult`.

* ``per_utt``: four lines per utterance, ``ref``/``hyp``/``op`` with centred columns and
  ``#csid <corr> <sub> <ins> <del>`` (as align-text | wer_per_utt_details.pl write them);
* ``per_spk``: a ``raw`` (counts) and a ``sys`` (percent of reference words) row per
  speaker and a ``SUM`` row (as wer_per_spk_details.pl);
* ``ops``: how often each (ref word, hyp word) pair was correct, substituted, inserted or
  deleted, sorted by operation, count (descending), ref, hyp (as wer_ops_details.pl | sort);
* ``per_<name>`` (our addition): the ``per_spk`` table grouped by any ``utt2<name>`` label,
  e.g. ``per_accent`` from ``utt2accent``.

The tables can also be rebuilt from a ``per_utt`` file alone (:func:`read_per_utt_csid`), so
a breakdown by a new label needs no rescoring.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, Union

from mtlhybrid.score.wer import EPS, UttScore, WerResult
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, iter_lines, kaldi_sort_key
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

#: group name for utterances that a label file does not mention
MISSING_LABEL = "<none>"


def _centre(s: str, width: int) -> str:
    """Centre ``s`` in ``width`` columns; an odd leftover space goes to the left."""
    right = (width - len(s)) // 2
    left = width - len(s) - right
    return " " * left + s + " " * right


def per_utt_lines(u: UttScore) -> List[str]:
    ops = u.ops
    refs, hyps, opcol = [], [], []
    for (r, h), o in zip(u.alignment, ops):
        w = max(len(r), len(h), len(o))
        refs.append(_centre(r, w))
        hyps.append(_centre(h, w))
        opcol.append(_centre(o, w))
    return [
        f"{u.utt} ref  " + "  ".join(refs),
        f"{u.utt} hyp  " + "  ".join(hyps),
        f"{u.utt} op   " + "  ".join(opcol),
        f"{u.utt} #csid {u.corr} {u.sub} {u.ins} {u.dels}",
    ]


def format_per_utt(result: WerResult) -> str:
    return "".join(line + "\n" for u in result.utts.values() for line in per_utt_lines(u))


@dataclass
class GroupStats:
    """Counts of one speaker (or accent, ...) for the per_spk table."""

    sent: int = 0
    corr: int = 0
    sub: int = 0
    ins: int = 0
    dels: int = 0
    sent_err: int = 0

    @property
    def words(self) -> int:
        return self.corr + self.sub + self.dels

    @property
    def errors(self) -> int:
        return self.sub + self.ins + self.dels

    @property
    def wer(self) -> float:
        return 100.0 * self.errors / self.words if self.words else float("nan")

    def add(self, corr: int, sub: int, ins: int, dels: int) -> None:
        self.sent += 1
        self.corr += corr
        self.sub += sub
        self.ins += ins
        self.dels += dels
        self.sent_err += int(sub + ins + dels != 0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GroupStats":
        return cls(**d)


def group_stats(csid: Mapping[str, Tuple[int, int, int, int]], utt2group: Mapping[str, str],
                name: str = "speaker") -> Dict[str, GroupStats]:
    """Sum ``utt -> (corr, sub, ins, del)`` by group; utterances without a group go to :data:`MISSING_LABEL`."""
    groups: Dict[str, GroupStats] = {}
    missing = []
    for utt, (c, s, i, d) in csid.items():
        g = utt2group.get(utt)
        if g is None:
            missing.append(utt)
            g = MISSING_LABEL
        groups.setdefault(g, GroupStats()).add(c, s, i, d)
    if missing:
        logger.warning("%d scored utterances have no %s label; counted under %s (e.g. %s)",
                       len(missing), name, MISSING_LABEL, ", ".join(missing[:5]))
    return groups


def format_group_table(groups: Mapping[str, GroupStats], header: str = "SPEAKER",
                       label_width: int = 15, width: int = 10, all_labels: Iterable[str] = ()) -> str:
    """The wer_per_spk_details.pl table: header, raw/sys rows per group (sorted), SUM rows.

    The label column is as wide as the longest of ``all_labels`` (every label of the label
    file, scored or not, as the Perl script sizes it) and at least ``label_width``.
    """
    lw = max([label_width, len(header)] + [len(g) for g in groups] + [len(g) for g in all_labels])
    f = f"%{width}s"
    out = [(f"%-{lw}s id  " + " ".join([f] * 8)) % (header, "#SENT", "#WORD", "Corr", "Sub", "Ins", "Del", "Err", "S.Err")]

    def rows(label: str, g: GroupStats) -> None:
        d, p = f"%{width}d", f"%{width}.2f"
        out.append((f"%-{lw}s raw " + " ".join([d] * 8)) % (label, g.sent, g.words, g.corr, g.sub, g.ins, g.dels, g.errors, g.sent_err))
        if g.words:
            w = float(g.words)
            out.append((f"%-{lw}s sys {d} {d} " + " ".join([p] * 6)) % (
                label, g.sent, g.words, 100 * g.corr / w, 100 * g.sub / w, 100 * g.ins / w, 100 * g.dels / w,
                100 * g.errors / w, 100.0 * g.sent_err / g.sent))

    total = GroupStats()
    for label in sorted(groups, key=kaldi_sort_key):
        g = groups[label]
        rows(label, g)
        for k in ("sent", "corr", "sub", "ins", "dels", "sent_err"):
            setattr(total, k, getattr(total, k) + getattr(g, k))
    rows("SUM", total)
    return "".join(line + "\n" for line in out)


def ops_counts(utts: Iterable[UttScore]) -> Counter:
    """(ref word, hyp word) -> count over all alignment columns (EPS for none)."""
    c: Counter = Counter()
    for u in utts:
        c.update(u.alignment)
    return c


def format_ops(counts: Mapping[Tuple[str, str], int], max_width: int = 16) -> str:
    """The wer_ops_details.pl lines, sorted as score_kaldi.sh sorts them."""
    if not counts:
        return ""
    wl = min(max(max(len(r), len(h)) for r, h in counts), max_width)
    nl = max(len(str(n)) for n in counts.values())
    def kind(r: str, h: str) -> str:
        if r == h:
            return "correct"
        if r == EPS:
            return "insertion"
        if h == EPS:
            return "deletion"
        return "substitution"

    items = sorted(counts.items(), key=lambda kv: (kind(*kv[0]), -kv[1], kaldi_sort_key(kv[0][0]), kaldi_sort_key(kv[0][1])))
    return "".join(f"{kind(r, h):<14}{r:>{wl}}    {h:>{wl}}    {n:>{nl}}\n" for (r, h), n in items)


def csid_from_result(result: WerResult) -> Dict[str, Tuple[int, int, int, int]]:
    return {u.utt: (u.corr, u.sub, u.ins, u.dels) for u in result.utts.values()}


def read_per_utt_csid(path: Union[str, Path]) -> Dict[str, Tuple[int, int, int, int]]:
    """``utt -> (corr, sub, ins, del)`` from the ``#csid`` lines of a per_utt file (``-``: stdin).

    Other lines (ref, hyp, op) are ignored, as wer_per_spk_details.pl does.
    """
    import sys

    lines = enumerate(sys.stdin.read().splitlines(), start=1) if str(path) == "-" else iter_lines(path)
    out: Dict[str, Tuple[int, int, int, int]] = {}
    for lineno, line in lines:
        f = line.split()
        if len(f) < 2 or f[1] != "#csid":
            continue
        if len(f) != 6:
            raise DataError(f"expected '<utt> #csid C S I D', got {line!r}", path=path, line=lineno)
        try:
            out[f[0]] = tuple(int(x) for x in f[2:])  # type: ignore[assignment]
        except ValueError:
            raise DataError(f"non-integer count in {line!r}", path=path, line=lineno)
    return out


def write_wer_details(out_dir: Union[str, Path], result: WerResult, utt2spk: Optional[Mapping[str, str]] = None,
                      utt2label: Optional[Mapping[str, Mapping[str, str]]] = None) -> List[Path]:
    """Write ``per_utt``, ``ops``, ``per_spk`` (with ``utt2spk``) and ``per_<name>`` for each
    ``utt2label[name]`` into ``out_dir``; returns the paths written."""
    out_dir = Path(out_dir)
    written = []

    def put(name: str, text: str) -> None:
        with atomic_write(out_dir / name) as f:
            f.write(text)
        written.append(out_dir / name)

    put("per_utt", format_per_utt(result))
    put("ops", format_ops(ops_counts(result.utts.values())))
    csid = csid_from_result(result)
    if utt2spk is not None:
        put("per_spk", format_group_table(group_stats(csid, utt2spk, "speaker"), "SPEAKER", all_labels=utt2spk.values()))
    for name, table in (utt2label or {}).items():
        put(f"per_{name}", format_group_table(group_stats(csid, table, name), name.upper(), all_labels=table.values()))
    return written
