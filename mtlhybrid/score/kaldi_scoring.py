"""Scoring a decode dir laid out as Kaldi's score_kaldi.sh leaves it, from the 1-best texts on.

The lattice side (best path for each LM weight and insertion penalty) writes
``<decode>/scoring_kaldi/penalty_<wip>/<lmwt>.txt``; this module does the rest:

* ``<decode>/wer_<lmwt>_<wip>``: compute-wer's three lines for each of them (mode present);
* ``<decode>/scoring_kaldi/best_wer``: the best line, as ``utils/best_wer.sh`` prints it;
* ``<decode>/scoring_kaldi/wer_details/``: ``lmwt``, ``wip``, ``per_utt``, ``ops``, ``per_spk``
  and ``per_<name>`` for each utterance label (``utt2accent`` -> ``per_accent``) of the best
  setting.

The reference is ``scoring_kaldi/test_filt.txt`` when present (a recipe may filter the
reference text), otherwise the data dir's ``text``, copied there.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mtlhybrid.score.best import best_wer_line, parse_wer_line
from mtlhybrid.score.details import write_wer_details
from mtlhybrid.score.wer import WerResult, compute_wer, read_transcripts
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write, read_table
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

#: utt2<name> files of a data dir that are not labels to break WER down by
NON_LABEL_FILES = {"spk", "dur", "num_frames", "uniq", "warp", "lang"}


@dataclass
class ScoringSummary:
    """What :func:`score_decode_dir` found: every (lmwt, wip) WER and the best setting."""

    wers: Dict[str, float] = field(default_factory=dict)  # "lmwt_wip" -> WER
    best_lmwt: str = ""
    best_wip: str = ""
    best_line: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ScoringSummary":
        return cls(**d)


def _num_key(s: str):
    try:
        return (0, float(s), s)
    except ValueError:
        return (1, 0.0, s)


def find_hyp_files(decode_dir: Union[str, Path]) -> List[Tuple[str, str, Path]]:
    """``(lmwt, wip, path)`` of every ``scoring_kaldi/penalty_<wip>/<lmwt>.txt``, wip then lmwt in numeric order."""
    out = []
    root = Path(decode_dir) / "scoring_kaldi"
    for pdir in root.glob("penalty_*"):
        if not pdir.is_dir():
            continue
        wip = pdir.name[len("penalty_"):]
        for f in pdir.glob("*.txt"):
            out.append((f.stem, wip, f))
    out.sort(key=lambda t: (_num_key(t[1]), _num_key(t[0])))
    return out


def utterance_labels(data_dir: Union[str, Path], names: Optional[Sequence[str]] = None) -> Dict[str, Dict[str, str]]:
    """``name -> (utt -> label)`` from ``<data>/utt2<name>``; ``names=None`` takes every label file present."""
    data_dir = Path(data_dir)
    if names is None:
        names = sorted(p.name[len("utt2"):] for p in data_dir.glob("utt2*")
                       if p.is_file() and p.name[len("utt2"):] not in NON_LABEL_FILES)
    out: Dict[str, Dict[str, str]] = {}
    for name in names:
        path = data_dir / f"utt2{name}"
        if not path.is_file():
            raise DataError(f"no label file utt2{name}", path=path)
        out[name] = read_table(path)
    return out


def copy_utterance_tables(data_dir: Path, scoring_dir: Path, label_names: Optional[Sequence[str]] = None) -> None:
    """Keep ``utt2spk`` and the ``utt2<label>`` files beside ``test_filt.txt``.

    ``make_results`` re-reads a decode dir at the LM weight chosen on dev and pairs
    systems by utterance and speaker; with these copies the decode dir alone suffices
    (the data dir may have changed or gone since).
    """
    names = ["spk"] + sorted(utterance_labels(data_dir, label_names))
    for name in names:
        src = data_dir / f"utt2{name}"
        if src.is_file():
            with atomic_write(scoring_dir / f"utt2{name}") as f:
                f.write(src.read_text(encoding="utf-8"))


def score_decode_dir(
    data_dir: Union[str, Path],
    decode_dir: Union[str, Path],
    label_names: Optional[Sequence[str]] = None,
    mode: str = "present",
    stats: bool = True,
) -> ScoringSummary:
    """Write ``wer_*``, ``scoring_kaldi/best_wer`` and (``stats``) ``wer_details/`` for a decode dir."""
    data_dir, decode_dir = Path(data_dir), Path(decode_dir)
    hyp_files = find_hyp_files(decode_dir)
    if not hyp_files:
        raise DataError("no hypotheses: expected scoring_kaldi/penalty_<wip>/<lmwt>.txt files", path=decode_dir)
    ref_path = decode_dir / "scoring_kaldi" / "test_filt.txt"
    if not ref_path.is_file():
        text = data_dir / "text"
        if not text.is_file():
            raise DataError("no such file", path=text)
        with atomic_write(ref_path) as f:
            f.write(text.read_text(encoding="utf-8"))
    refs = read_transcripts(str(ref_path))
    copy_utterance_tables(data_dir, decode_dir / "scoring_kaldi", label_names)

    summary = ScoringSummary()
    results: Dict[Tuple[str, str], WerResult] = {}
    grep_lines = []
    for lmwt, wip, path in hyp_files:
        res = compute_wer(refs, read_transcripts(str(path)), mode=mode)
        results[(lmwt, wip)] = res
        out = decode_dir / f"wer_{lmwt}_{wip}"
        with atomic_write(out) as f:
            f.write(res.kaldi_text())
        summary.wers[f"{lmwt}_{wip}"] = res.wer
        grep_lines.append(f"{out}:{res.wer_line()}")
    best = best_wer_line(grep_lines)
    if best is None:
        raise DataError("no usable WER (no reference words?)", path=ref_path)
    with atomic_write(decode_dir / "scoring_kaldi" / "best_wer") as f:
        f.write(best + "\n")
    parsed = parse_wer_line(best)
    m = re.match(r"^wer_(.+)_([^_]+)$", Path(parsed.source).name) if parsed else None
    if not m:
        raise DataError(f"cannot find the best setting in {best!r}", path=decode_dir / "scoring_kaldi" / "best_wer")
    summary.best_lmwt, summary.best_wip, summary.best_line = m.group(1), m.group(2), best
    logger.info("best: %s", best)

    if stats:
        details = decode_dir / "scoring_kaldi" / "wer_details"
        for name, value in (("lmwt", summary.best_lmwt), ("wip", summary.best_wip)):
            with atomic_write(details / name) as f:
                f.write(value + "\n")
        utt2spk_path = data_dir / "utt2spk"
        utt2spk = read_table(utt2spk_path) if utt2spk_path.is_file() else None
        if utt2spk is None:
            logger.warning("%s missing: no per_spk table", utt2spk_path)
        write_wer_details(details, results[(summary.best_lmwt, summary.best_wip)], utt2spk,
                          utterance_labels(data_dir, label_names))
    return summary
