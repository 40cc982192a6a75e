"""Repair a data directory as Kaldi's ``utils/fix_data_dir.sh`` does, and say what was removed.

Kept utterances are those present in utt2spk and in every file that an utterance cannot
do without (text, feats.scp, wav.scp or segments, utt2dur, utt2num_frames, utt2lang);
label files ``utt2<name>`` are filtered but never remove an utterance (an unlabelled
utterance is still training data for the main task). Beyond Kaldi, lines that cannot be
used are dropped instead of stopping the run: duplicated ids (the first is kept), blank or
malformed lines, non-UTF-8 lines, empty transcripts, segments that end before they start
or refer to an unknown recording. Every removal is counted by reason.

spk2utt is regenerated from utt2spk. The original files are copied to ``<data>/.backup``
first, and each repaired file is written atomically.

One thing cannot be repaired here: utterance ids whose sort order disagrees with their
speakers' (Kaldi requires the speaker id to be a prefix of the utterance id). That raises
DataError before anything is rewritten.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mtlhybrid.data.datadir import NON_LABEL_UTT_FILES, RECO, SPK, UTT, DataDir, file_index, is_table_name
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import kaldi_sort_key, kaldi_sorted, path_is_gz
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]

#: Utterance-keyed files an utterance must be present in to be kept (Kaldi's list).
REQUIRED_UTT_FILES = ("text", "feats.scp", "segments", "utt2dur", "utt2num_frames", "utt2lang")


@dataclass
class FixReport:
    """What fix_data_dir did: counts of removed lines/utterances by reason."""

    path: str
    utts_before: int = 0
    utts_after: int = 0
    removed: Dict[str, int] = field(default_factory=dict)  # reason -> count
    removed_examples: Dict[str, List[str]] = field(default_factory=dict)  # reason -> first ids
    resorted: List[str] = field(default_factory=list)  # files that were unsorted
    spk2utt_regenerated: bool = False
    backup_dir: Optional[str] = None

    def count(self, reason: str, key: str) -> None:
        self.removed[reason] = self.removed.get(reason, 0) + 1
        ex = self.removed_examples.setdefault(reason, [])
        if len(ex) < 10:
            ex.append(key)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "utts_before": self.utts_before,
            "utts_after": self.utts_after,
            "removed": dict(self.removed),
            "removed_examples": {k: list(v) for k, v in self.removed_examples.items()},
            "resorted": list(self.resorted),
            "spk2utt_regenerated": self.spk2utt_regenerated,
            "backup_dir": self.backup_dir,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "FixReport":
        return cls(**d)

    def summary(self) -> str:
        lines = [f"fix_data_dir: kept {self.utts_after} of {self.utts_before} utterances in {self.path}"]
        for reason, n in sorted(self.removed.items()):
            ex = ", ".join(self.removed_examples.get(reason, []))
            more = ", ..." if n > len(self.removed_examples.get(reason, [])) else ""
            lines.append(f"  removed {n}: {reason} ({ex}{more})")
        if self.resorted:
            lines.append(f"  re-sorted: {' '.join(self.resorted)}")
        if self.spk2utt_regenerated:
            lines.append("  spk2utt disagreed with utt2spk: regenerated from utt2spk")
        return "\n".join(lines)


def _read_tolerant(path: Path, rep: FixReport, name: str, min_fields: int) -> Dict[str, str]:
    """Read a table keeping what can be kept; each dropped line is counted with its reason."""
    raw = path.read_bytes()
    if path_is_gz(path):
        import gzip

        raw = gzip.decompress(raw)
    table: Dict[str, str] = {}
    prev: Optional[bytes] = None
    unsorted = False
    blines = raw.split(b"\n")
    if blines and blines[-1] == b"":
        blines.pop()
    for lineno, bline in enumerate(blines, start=1):
        if bline.strip() == b"":
            rep.count(f"{name}: blank line", f"line {lineno}")
            continue
        try:
            line = bline.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            rep.count(f"{name}: line is not UTF-8", f"line {lineno}")
            continue
        fields = line.split(maxsplit=1)
        key = fields[0]
        value = fields[1].strip() if len(fields) > 1 else ""
        nf = 1 + len(value.split())
        if nf < min_fields:
            rep.count(f"{name}: too few fields", key)
            continue
        if key in table:
            rep.count(f"{name}: duplicated id (first kept)", key)
            continue
        k = kaldi_sort_key(key)
        if prev is not None and k < prev:
            unsorted = True
        prev = k
        table[key] = value
    if unsorted:
        rep.resorted.append(name)
    return table


def _valid_value(name: str, value: str) -> Optional[str]:
    """Why a value of a known file is unusable, or None if it is fine."""
    f = value.split()
    if name == "utt2spk" and len(f) != 1:
        return "utt2spk: not '<utt> <speaker>'"
    if name == "text" and not f:
        return "empty transcript"
    if name == "segments":
        if len(f) != 3:
            return "segments: malformed line"
        try:
            s, e = float(f[1]), float(f[2])
        except ValueError:
            return "segments: times are not numbers"
        if s < 0 or e <= s:
            return "segments: end not after start"
    if name in ("utt2dur", "utt2num_frames", "reco2dur"):
        try:
            ok = len(f) == 1 and float(f[0]) > 0
        except ValueError:
            ok = False
        if not ok:
            return f"{name}: not a positive number"
    if name == "spk2gender" and f not in (["m"], ["f"]):
        return "spk2gender: gender not m/f"
    if name.startswith("utt2") and name not in NON_LABEL_UTT_FILES and len(f) != 1:
        return f"{name}: label is not a single token"
    return None


def fix_data_dir(
    path: PathLike,
    utt_extra_files: Sequence[str] = (),
    spk_extra_files: Sequence[str] = (),
    backup: bool = True,
    no_spk_sort: bool = False,
) -> FixReport:
    """Repair ``path`` in place (see the module docstring); returns what was done.

    ``utt_extra_files``/``spk_extra_files`` name extra files keyed by utterance/speaker
    whose names :func:`file_index` would not recognise (any ``utt2*``/``spk2*`` file
    already is). Nothing is rewritten when no utterance would remain or the speaker order
    cannot be repaired.
    """
    d = Path(path)
    if not d.is_dir():
        raise DataError("no such directory", path=d)
    if not (d / "utt2spk").is_file():
        raise DataError("no such file utt2spk", path=d / "utt2spk")
    rep = FixReport(path=str(d))
    has_segments = (d / "segments").is_file()
    extra_utt, extra_spk = set(utt_extra_files), set(spk_extra_files)

    names = kaldi_sorted(
        p.name for p in d.iterdir() if p.is_file() and (is_table_name(p.name) or p.name in extra_utt | extra_spk)
    )

    def index(name: str) -> Optional[str]:
        if name in extra_utt:
            return UTT
        if name in extra_spk:
            return SPK
        return file_index(name, has_segments)

    if backup:
        bdir = d / ".backup"
        bdir.mkdir(exist_ok=True)
        for name in names:
            shutil.copy2(d / name, bdir / name)
        rep.backup_dir = str(bdir)

    tables, invalid = _read_tables(d, names, rep)
    utt2spk = tables["utt2spk"]
    rep.utts_before = len(utt2spk)

    # spk2utt is derived; note whether the given one disagreed.
    if "spk2utt" in tables:
        given = {(u, s) for s, v in tables["spk2utt"].items() for u in v.split()}
        if given != set(utt2spk.items()):
            rep.spk2utt_regenerated = True

    if has_segments:
        _drop_segments_without_recording(d, tables, invalid, rep)
    keep = _utterances_to_keep(tables, invalid, has_segments, rep)
    for name in names:
        if index(name) == UTT and name not in ("utt2spk",):
            for u in tables[name]:
                if u not in utt2spk:
                    rep.count(f"{name}: utterance not in utt2spk", u)
    if not keep:
        raise DataError("no utterances remained after filtering; nothing rewritten (see the counts in the log)", path=d)

    kept_utt2spk = {u: utt2spk[u] for u in kaldi_sorted(keep)}
    if not no_spk_sort:
        _check_speaker_order(kept_utt2spk, d / "utt2spk")
    _write_subset(d, names, tables, keep, kept_utt2spk, index, extra_utt, extra_spk, rep)
    rep.utts_after = len(kept_utt2spk)
    logger.info("%s", rep.summary())
    if backup:
        logger.info("fix_data_dir: old files are kept in %s", rep.backup_dir)
    return rep


def _read_tables(d: Path, names: Sequence[str], rep: FixReport) -> Tuple[Dict[str, Dict[str, str]], Dict[str, set]]:
    """Every table, with malformed lines dropped and counted.

    Returns the tables and, per file, the ids whose line was dropped here (already
    counted, so a later "missing from" does not count them twice).
    """
    tables: Dict[str, Dict[str, str]] = {}
    invalid: Dict[str, set] = {}
    for name in names:
        t = _read_tolerant(d / name, rep, name, min_fields=1 if name == "text" else 2)
        if name == "spk2utt":
            tables[name] = t
            continue
        for key in list(t):
            why = _valid_value(name, t[key])
            if why is not None:
                rep.count(why, key)
                invalid.setdefault(name, set()).add(key)
                del t[key]
        tables[name] = t
    return tables, invalid


def _drop_segments_without_recording(d: Path, tables: Dict[str, Dict[str, str]], invalid: Dict[str, set],
                                     rep: FixReport) -> None:
    """Segments must refer to a recording in wav.scp; the others go (counted)."""
    wav = tables.get("wav.scp")
    if wav is None:
        raise DataError("segments exists but wav.scp does not", path=d / "wav.scp")
    seg = tables["segments"]
    for u in list(seg):
        if seg[u].split()[0] not in wav:
            rep.count("segment refers to a recording not in wav.scp", u)
            invalid.setdefault("segments", set()).add(u)
            del seg[u]


def _utterances_to_keep(tables: Dict[str, Dict[str, str]], invalid: Dict[str, set], has_segments: bool,
                        rep: FixReport) -> set:
    """Utterances in utt2spk and in every required file; each one dropped is counted with its reason."""
    keep = set(tables["utt2spk"])
    required = [n for n in REQUIRED_UTT_FILES if n in tables]
    if not has_segments and "wav.scp" in tables:
        required.append("wav.scp")
    for name in required:
        reason = "no audio (not in wav.scp)" if name == "wav.scp" else (
            "no audio (not in segments)" if name == "segments" else
            "missing from text" if name == "text" else f"missing from {name}")
        for u in kaldi_sorted(keep):
            if u not in tables[name]:
                if u not in invalid.get(name, ()):
                    rep.count(reason, u)
                keep.discard(u)
    return keep


def _check_speaker_order(kept_utt2spk: Dict[str, str], path: Path) -> None:
    """Kaldi's rule that sorting by speaker keeps the utterance order; not repairable here."""
    prev = None
    for u, s in kept_utt2spk.items():
        k = (kaldi_sort_key(s), kaldi_sort_key(u))
        if prev is not None and k < prev[0]:
            raise DataError(
                f"utterance order disagrees with speaker order: {u} (speaker {s}) sorts after {prev[1]} "
                f"(speaker {kept_utt2spk[prev[1]]}); make speaker ids prefixes of utterance ids "
                "(this cannot be repaired automatically); nothing rewritten",
                path=path,
                utt=u,
            )
        prev = (k, u)


def _write_subset(d: Path, names: Sequence[str], tables: Dict[str, Dict[str, str]], keep: set,
                  kept_utt2spk: Dict[str, str], index, extra_utt: set, extra_spk: set, rep: FixReport) -> None:
    """Write the kept utterances' lines of every file (spk2utt regenerated), counting the
    speakers and recordings that no longer have an utterance."""
    dd = DataDir()
    for name in names:
        if name != "spk2utt":
            dd.set_table(name, tables[name])
    for f in ("frame_shift",):
        if (d / f).is_file():
            dd.set_scalar(f, (d / f).read_text(encoding="utf-8"))
    for name in names:
        if index(name) is None and name != "spk2utt":
            logger.info("%s: unknown file %s left as it is", d, name)
    out = dd.subset(keep)
    # subset() only knows the standard index rules; apply the extra-file rules on top.
    for name in extra_utt & set(tables):
        out.set_table(name, {k: v for k, v in tables[name].items() if k in keep})
    speakers = set(kept_utt2spk.values())
    for name in extra_spk & set(tables):
        out.set_table(name, {k: v for k, v in tables[name].items() if k in speakers})

    # Count what subset() dropped from speaker and recording files.
    for name in out.table_names():
        before, after = tables.get(name), out.table(name)
        if before is None or name in ("utt2spk", "spk2utt"):
            continue
        idx = index(name)
        if idx in (SPK, RECO):
            for k in before:
                if k not in after:
                    rep.count(f"{name}: {'speaker' if idx == SPK else 'recording'} no longer used", k)
    out.save(d, clean=False)
