"""Check a data directory the way Kaldi's ``utils/validate_data_dir.sh`` does, with better messages.

Kaldi's checks are kept (sorted unique keys, final newlines, utt2spk/spk2utt agreement,
utterance order agreeing with speaker order, equal utterance lists across text, wav.scp,
segments, feats.scp, per-speaker files, utt2dur ...) and each failure names the file,
line and utterance at fault. On top of them: plain-path audio must exist, transcripts
must not be empty, and auxiliary-task label files ``utt2<name>`` must label only known
utterances with a single token each (an utterance may be unlabelled: multi-task data
often has labels for only part of the corpus).

The first error raises :class:`DataError`; warnings go to the returned report.
"""

from __future__ import annotations

import os
import shlex
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from mtlhybrid.data.datadir import NON_LABEL_UTT_FILES, file_index, is_table_name
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines, kaldi_sort_key
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

PathLike = Union[str, Path]

#: Words that must not appear in a transcript (they are LM/graph symbols).
ILLEGAL_WORDS = ("<s>", "</s>", "#0")
#: utt2<name> files that must cover every utterance (Kaldi checks these lists for equality).
FULL_COVERAGE_UTT_FILES = ("utt2dur", "utt2num_frames", "utt2lang", "utt2uniq", "utt2warp", "vad.scp")


@dataclass
class ValidationReport:
    """What a successful validation saw."""

    path: str
    num_utts: int = 0
    num_speakers: int = 0
    num_recordings: int = 0
    files: List[str] = field(default_factory=list)
    labels: Dict[str, int] = field(default_factory=dict)  # label name -> number of labelled utts
    warnings: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "num_utts": self.num_utts,
            "num_speakers": self.num_speakers,
            "num_recordings": self.num_recordings,
            "files": list(self.files),
            "labels": dict(self.labels),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ValidationReport":
        return cls(**d)


@dataclass
class TableLine:
    lineno: int
    key: str
    fields: List[str]  # fields after the key


def read_checked(path: Path, allow_empty_value: bool = False) -> List[TableLine]:
    """Read a table checking what Kaldi's ``check_sorted_and_uniq`` checks, naming the line.

    UTF-8, a newline at the end of the file, no carriage returns (Windows line ends),
    no blank lines, keys unique and sorted in ``LC_ALL=C`` order.
    """
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read file: {e.strerror}", path=path)
    if raw and not raw.endswith(b"\n"):
        n = raw.count(b"\n") + 1
        raise DataError("last line has no newline at its end", path=path, line=n)
    if b"\r" in raw:  # here, not per line: iter_lines drops a CR before the newline
        n = raw.count(b"\n", 0, raw.index(b"\r")) + 1
        raise DataError("line contains a carriage return (CR); use Unix line ends (e.g. dos2unix)", path=path, line=n)
    out: List[TableLine] = []
    seen: Dict[str, int] = {}
    prev: Optional[str] = None
    for lineno, line in iter_lines(path):
        fields = line.split()
        if not fields:
            raise DataError("empty line", path=path, line=lineno)
        key = fields[0]
        if not fields[1:] and not allow_empty_value:
            raise DataError(f"id {key} has no value", path=path, line=lineno)
        if key in seen:
            raise DataError(f"duplicated id {key} (first on line {seen[key]})", path=path, line=lineno)
        if prev is not None and kaldi_sort_key(key) < kaldi_sort_key(prev):
            raise DataError(
                f"not sorted: {key} comes after {prev} (sort with LC_ALL=C, e.g. utils/fix_data_dir.sh)",
                path=path,
                line=lineno,
            )
        seen[key] = lineno
        prev = key
        out.append(TableLine(lineno, key, fields[1:]))
    return out


def _compare_ids(ref: List[str], ref_name: str, lines: List[TableLine], path: Path, what: str = "utterance") -> None:
    """Same id set as ``ref`` (both sorted), naming the first id that differs."""
    ids = [ln.key for ln in lines]
    if ids == ref:
        return
    ref_set = set(ref)
    for ln in lines:
        if ln.key not in ref_set:
            raise DataError(
                f"{what} {ln.key} is not in {ref_name} ({len(lines)} ids here vs {len(ref)} in {ref_name})",
                path=path,
                line=ln.lineno,
                utt=ln.key if what == "utterance" else None,
            )
    have = set(ids)
    for r in ref:
        if r not in have:
            raise DataError(
                f"{what} {r} of {ref_name} is missing here ({len(lines)} ids here vs {len(ref)} in {ref_name})",
                path=path,
                utt=r if what == "utterance" else None,
            )


def _is_printable(s: str) -> bool:
    for ch in s:
        if ch in " \t":
            continue
        cat = unicodedata.category(ch)
        if cat.startswith("C") or cat in ("Zl", "Zp"):
            return False
    return True


def wav_entry_path(entry: str) -> Optional[str]:
    """The file a wav.scp entry reads directly, or None for pipes and archive offsets."""
    entry = entry.strip()
    if entry.endswith("|"):
        return None
    try:
        parts = shlex.split(entry)
    except ValueError:
        parts = entry.split()
    if len(parts) != 1:
        return None
    p = parts[0]
    # "foo.ark:123" is an archive offset; a plain file name may contain ':' too, so only
    # strip a trailing ":<digits>" when the full name does not exist.
    if ":" in p and not os.path.exists(p):
        base, _, off = p.rpartition(":")
        if off.isdigit():
            return base
    return p


def validate_data_dir(
    path: PathLike,
    no_feats: bool = False,
    no_text: bool = False,
    no_wav: bool = False,
    no_spk_sort: bool = False,
    non_print: bool = False,
    check_audio: bool = True,
) -> ValidationReport:
    """Validate a Kaldi data directory; raise DataError naming the first problem.

    The ``no_*`` options mean the file may be absent (it is still checked if present), as
    in Kaldi. ``check_audio`` checks that plain-path wav.scp entries exist and can be read.
    Speakers come first: every other file is compared with the utterances of utt2spk.
    """
    d = Path(path)
    if not d.is_dir():
        raise DataError("no such directory", path=d)
    rep = ValidationReport(path=str(d))
    utts, speakers = _check_speakers(d, rep, no_spk_sort)
    _check_text(d, utts, rep, no_text, non_print)
    _check_recordings(d, utts, rep, no_wav, check_audio)
    _check_features(d, utts, rep, no_feats)
    _check_speaker_files(d, speakers, rep)
    _check_utterance_files(d, utts, rep)
    for w in rep.warnings:
        logger.warning("%s: %s", d, w)
    return rep


def _check_speakers(d: Path, rep: ValidationReport, no_spk_sort: bool) -> Tuple[List[str], List[str]]:
    """utt2spk and spk2utt: present, agreeing, and (unless no_spk_sort) sorted by speaker too.

    Returns the utterance ids and the speaker ids, in file order.
    """
    for name in ("utt2spk", "spk2utt"):
        f = d / name
        if not f.is_file():
            raise DataError(f"no such file {name}", path=f)
        if f.stat().st_size == 0:
            raise DataError(f"empty file {name}", path=f)

    u2s_lines = read_checked(d / "utt2spk")
    for ln in u2s_lines:
        if len(ln.fields) != 1:
            raise DataError(f"expected '<utt> <speaker>', got {len(ln.fields) + 1} fields", path=d / "utt2spk", line=ln.lineno, utt=ln.key)
    utt2spk = {ln.key: ln.fields[0] for ln in u2s_lines}
    utts = [ln.key for ln in u2s_lines]
    if not no_spk_sort:
        _check_sorted_by_speaker(u2s_lines, utt2spk, d / "utt2spk")

    s2u_lines = read_checked(d / "spk2utt")
    seen_in_s2u: Dict[str, str] = {}
    for ln in s2u_lines:
        for u in ln.fields:
            if u in seen_in_s2u:
                raise DataError(f"utterance listed under two speakers ({seen_in_s2u[u]} and {ln.key})", path=d / "spk2utt", line=ln.lineno, utt=u)
            seen_in_s2u[u] = ln.key
            if u not in utt2spk:
                raise DataError(f"spk2utt lists utterance {u} under {ln.key}, but utt2spk does not have it", path=d / "spk2utt", line=ln.lineno, utt=u)
            if utt2spk[u] != ln.key:
                raise DataError(
                    f"spk2utt and utt2spk disagree: speaker {ln.key} in spk2utt, {utt2spk[u]} in utt2spk",
                    path=d / "spk2utt",
                    line=ln.lineno,
                    utt=u,
                )
    for u in utts:
        if u not in seen_in_s2u:
            raise DataError(f"utterance of speaker {utt2spk[u]} in utt2spk is missing from spk2utt", path=d / "spk2utt", utt=u)
    speakers = [ln.key for ln in s2u_lines]
    rep.num_utts, rep.num_speakers = len(utts), len(speakers)
    if len(speakers) == 1:
        rep.warnings.append("only one speaker: per-speaker CMVN and speaker splits will be degenerate")
    rep.files += ["utt2spk", "spk2utt"]
    return utts, speakers


def _check_sorted_by_speaker(u2s_lines: List[TableLine], utt2spk: Dict[str, str], path: Path) -> None:
    """Kaldi's rule: sorting utt2spk by speaker must not change its order (split_data needs it)."""
    prev: Optional[Tuple[bytes, bytes]] = None
    prev_utt = None
    for ln in u2s_lines:
        k = (kaldi_sort_key(ln.fields[0]), kaldi_sort_key(ln.key))
        if prev is not None and k < prev:
            raise DataError(
                f"utt2spk is not sorted by speaker as well as by utterance: speaker {ln.fields[0]} of "
                f"{ln.key} sorts before speaker {utt2spk[prev_utt]} of {prev_utt} "
                "(make the speaker id a prefix of the utterance ids, or pass --no-spk-sort)",
                path=path,
                line=ln.lineno,
                utt=ln.key,
            )
        prev, prev_utt = k, ln.key


def _check_text(d: Path, utts: List[str], rep: ValidationReport, no_text: bool, non_print: bool) -> None:
    """text: one non-empty, printable transcript without LM symbols per utterance."""
    text_path = d / "text"
    if not text_path.is_file():
        if not no_text:
            raise DataError("no such file text (if this is by design, pass --no-text)", path=text_path)
        return
    lines = read_checked(text_path, allow_empty_value=True)
    for ln in lines:
        if not ln.fields:
            raise DataError("empty transcript", path=text_path, line=ln.lineno, utt=ln.key)
        for w in ln.fields:
            if w in ILLEGAL_WORDS:
                raise DataError(f"transcript contains the reserved symbol {w}", path=text_path, line=ln.lineno, utt=ln.key)
        if not non_print and not _is_printable(" ".join(ln.fields)):
            raise DataError("transcript contains non-printable characters (pass --non-print to allow)", path=text_path, line=ln.lineno, utt=ln.key)
    _compare_ids(utts, "utt2spk", lines, text_path)
    rep.files.append("text")


def _check_recordings(d: Path, utts: List[str], rep: ValidationReport, no_wav: bool, check_audio: bool) -> None:
    """wav.scp, and segments when present: every utterance has audio, every recording is used."""
    wav_path, seg_path = d / "wav.scp", d / "segments"
    if seg_path.is_file() and not wav_path.is_file():
        raise DataError("segments exists but wav.scp does not", path=seg_path)
    if not wav_path.is_file():
        if not no_wav:
            raise DataError("no such file wav.scp (if this is by design, pass --no-wav)", path=wav_path)
        return
    wav_lines = read_checked(wav_path)
    for ln in wav_lines:
        if ln.fields[0].startswith("~"):
            raise DataError("do not use ~ in wav.scp (files are opened without tilde expansion)", path=wav_path, line=ln.lineno)
    if check_audio:
        _check_audio_files(wav_lines, wav_path, keyed_by_utt=not seg_path.is_file())
    if seg_path.is_file():
        _check_segments(utts, wav_lines, wav_path, seg_path)
        rep.files.append("segments")
    else:
        _compare_ids(utts, "utt2spk", wav_lines, wav_path)
    rep.num_recordings = len(wav_lines)
    rep.files.append("wav.scp")


def _check_audio_files(wav_lines: List[TableLine], wav_path: Path, keyed_by_utt: bool) -> None:
    """Plain-path entries name files that exist and can be read (pipes are not run)."""
    for ln in wav_lines:
        p = wav_entry_path(" ".join(ln.fields))
        if p is None:
            continue
        if not os.path.isfile(p):
            raise DataError(f"audio file {p} does not exist", path=wav_path, line=ln.lineno, utt=ln.key if keyed_by_utt else None)
        if not os.access(p, os.R_OK):
            raise DataError(f"audio file {p} is not readable", path=wav_path, line=ln.lineno, utt=ln.key if keyed_by_utt else None)


def _check_segments(utts: List[str], wav_lines: List[TableLine], wav_path: Path, seg_path: Path) -> None:
    """segments: sane times, known recordings, one line per utterance, no unused recording."""
    seg_lines = read_checked(seg_path)
    recos = {ln.key for ln in wav_lines}
    used = set()
    for ln in seg_lines:
        if len(ln.fields) != 3:
            raise DataError("expected '<utt> <recording> <start> <end>'", path=seg_path, line=ln.lineno, utt=ln.key)
        reco, s, e = ln.fields
        try:
            start, end = float(s), float(e)
        except ValueError:
            raise DataError(f"start/end times {s} {e} are not numbers", path=seg_path, line=ln.lineno, utt=ln.key)
        if start < 0:
            raise DataError(f"negative start time {s}", path=seg_path, line=ln.lineno, utt=ln.key)
        if end <= start:
            raise DataError(f"segment end {e} is not after its start {s}", path=seg_path, line=ln.lineno, utt=ln.key)
        if reco not in recos:
            raise DataError(f"segment refers to recording {reco}, which is not in wav.scp", path=seg_path, line=ln.lineno, utt=ln.key)
        used.add(reco)
    _compare_ids(utts, "utt2spk", seg_lines, seg_path)
    unused = [ln for ln in wav_lines if ln.key not in used]
    if unused:
        raise DataError(
            f"recording {unused[0].key} has no segment ({len(unused)} recordings of wav.scp are unused; "
            "utils/fix_data_dir.sh removes them)",
            path=wav_path,
            line=unused[0].lineno,
        )


def _check_features(d: Path, utts: List[str], rep: ValidationReport, no_feats: bool) -> None:
    feats_path = d / "feats.scp"
    if not feats_path.is_file():
        if not no_feats:
            raise DataError("no such file feats.scp (if this is by design, pass --no-feats)", path=feats_path)
        return
    _compare_ids(utts, "utt2spk", read_checked(feats_path), feats_path)
    rep.files.append("feats.scp")


def _check_speaker_files(d: Path, speakers: List[str], rep: ValidationReport) -> None:
    """cmvn.scp, spk2gender, spk2warp: one line per speaker (genders m or f)."""
    for name in ("cmvn.scp", "spk2gender", "spk2warp"):
        f = d / name
        if not f.is_file():
            continue
        lines = read_checked(f)
        if name == "spk2gender":
            for ln in lines:
                if ln.fields not in (["m"], ["f"]):
                    raise DataError(f"gender must be m or f, got {' '.join(ln.fields)!r} for speaker {ln.key}", path=f, line=ln.lineno)
        _compare_ids(speakers, "spk2utt", lines, f, what="speaker")
        rep.files.append(name)


def _check_utterance_files(d: Path, utts: List[str], rep: ValidationReport) -> None:
    """The other utterance-keyed tables: Kaldi's full-coverage files, and task labels utt2<name>.

    Labels may cover part of the utterances (counted in a warning); everything else must
    cover all of them.
    """
    has_segments = (d / "segments").is_file()
    utt_set = set(utts)
    for f in sorted(d.iterdir()):
        name = f.name
        if not f.is_file() or not is_table_name(name) or name in rep.files or name == "wav.scp":
            continue
        idx = file_index(name, has_segments)
        if idx != "utt":
            if idx == "reco" and name == "reco2dur":
                _check_positive(read_checked(f), f, integer=False)
            continue
        lines = read_checked(f)
        if name in FULL_COVERAGE_UTT_FILES:
            _compare_ids(utts, "utt2spk", lines, f)
            if name == "utt2dur":
                _check_positive(lines, f, integer=False)
            elif name == "utt2num_frames":
                _check_positive(lines, f, integer=True)
            elif name != "vad.scp":
                _check_one_token(lines, f)
        elif name.startswith("utt2") and name not in NON_LABEL_UTT_FILES:
            _check_one_token(lines, f)
            for ln in lines:
                if ln.key not in utt_set:
                    raise DataError(f"label file labels utterance {ln.key}, which is not in utt2spk", path=f, line=ln.lineno, utt=ln.key)
            rep.labels[name[4:]] = len(lines)
            if len(lines) < len(utts):
                rep.warnings.append(f"{name}: {len(utts) - len(lines)} of {len(utts)} utterances have no label")
        rep.files.append(name)


def _check_positive(lines: List[TableLine], path: Path, integer: bool) -> None:
    for ln in lines:
        ok = len(ln.fields) == 1
        if ok:
            try:
                v = float(ln.fields[0])
                ok = v > 0 and (not integer or v == int(v))
            except ValueError:
                ok = False
        if not ok:
            kind = "a positive integer" if integer else "a positive number"
            raise DataError(f"expected {kind}, got {' '.join(ln.fields)!r}", path=path, line=ln.lineno, utt=ln.key)


def _check_one_token(lines: List[TableLine], path: Path) -> None:
    for ln in lines:
        if len(ln.fields) != 1:
            raise DataError(
                f"a label must be a single token, got {len(ln.fields)}: {' '.join(ln.fields)!r}",
                path=path,
                line=ln.lineno,
                utt=ln.key,
            )
