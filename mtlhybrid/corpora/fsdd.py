"""Kaldi data dirs for the Free Spoken Digit Dataset (FSDD).

The corpus folder holds ``recordings/{digit}_{speaker}_{take}.wav`` and ``speakers.tsv``
(``speaker<TAB>gender<TAB>accent``). The data dirs only point at the audio (absolute
paths in wav.scp); nothing of the corpus is copied.

Utterance ids are ``<speaker>_<digit>_<take>``: the speaker prefix makes utterance order
agree with speaker order, as Kaldi requires. Transcripts are the digit words in upper
case (ZERO ... NINE). ``spk2gender`` and ``utt2accent`` (the auxiliary task's labels)
come from speakers.tsv; ``utt2dur`` from the wav headers.

Two splits: ``take`` is the dataset's own (takes 0-4 of every digit and speaker are the
test set), ``speaker`` holds whole speakers out, the honest test of a recognizer that must
generalize to new voices.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from mtlhybrid.data.datadir import DataDir, format_duration
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]

DIGIT_WORDS = ("ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE")
FILE_PATTERN = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[A-Za-z0-9]+)_(?P<take>[0-9]+)\.wav$")
DEFAULT_TEST_SPEAKERS = ("lucas", "theo")
DEFAULT_TEST_TAKES = 5  # the dataset's convention: takes 0-4 are the test set


@dataclass
class FsddSpeaker:
    """One row of speakers.tsv."""

    name: str
    gender: str  # "m" or "f"
    accent: str  # one token, e.g. USA, BEL-French

    def to_dict(self) -> dict:
        return {"name": self.name, "gender": self.gender, "accent": self.accent}

    @classmethod
    def from_dict(cls, d: dict) -> "FsddSpeaker":
        return cls(d["name"], d["gender"], d["accent"])


@dataclass
class FsddUtterance:
    utt_id: str
    speaker: str
    digit: int
    take: int
    path: Path


@dataclass
class FsddScan:
    """What was found in the corpus folder: usable utterances and the files that were not."""

    utterances: List[FsddUtterance] = field(default_factory=list)
    bad_names: List[str] = field(default_factory=list)


def read_speakers(path: PathLike) -> Dict[str, FsddSpeaker]:
    """Parse speakers.tsv (header ``speaker gender accent``); genders become m/f, accents one token."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no speakers.tsv in the FSDD folder (speaker<TAB>gender<TAB>accent per line)", path=path)
    out: Dict[str, FsddSpeaker] = {}
    for lineno, line in iter_lines(path):
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split("\t")]
        if lineno == 1 and cols[0].lower() == "speaker":
            continue
        if len(cols) < 3:
            raise DataError(f"expected speaker<TAB>gender<TAB>accent, got {line!r}", path=path, line=lineno)
        name, gender, accent = cols[0], cols[1].lower(), cols[2]
        g = {"male": "m", "m": "m", "female": "f", "f": "f"}.get(gender)
        if g is None:
            raise DataError(f"gender {cols[1]!r} of speaker {name} is not male/female", path=path, line=lineno)
        if not accent:
            raise DataError(f"speaker {name} has no accent", path=path, line=lineno)
        token = "_".join(accent.split())
        if token != accent:
            logger.info("accent %r of speaker %s written as the single token %s", accent, name, token)
        if name in out:
            raise DataError(f"speaker {name} listed twice", path=path, line=lineno)
        out[name] = FsddSpeaker(name, g, token)
    if not out:
        raise DataError("no speakers listed", path=path)
    return out


def check_layout(corpus_dir: Path) -> Path:
    """The corpus folder and its recordings/ folder must exist; returns the latter."""
    if not corpus_dir.is_dir():
        raise DataError("FSDD folder does not exist", path=corpus_dir)
    rec_dir = corpus_dir / "recordings"
    if not rec_dir.is_dir():
        raise DataError("no recordings/ folder in the FSDD folder (expected recordings/{digit}_{speaker}_{take}.wav)", path=rec_dir)
    return rec_dir


def scan_fsdd(corpus_dir: PathLike, speakers: Optional[Dict[str, FsddSpeaker]] = None) -> FsddScan:
    """List the recordings, checking the layout; names not matching the pattern are counted."""
    corpus_dir = Path(corpus_dir).resolve()
    rec_dir = check_layout(corpus_dir)
    if speakers is None:
        speakers = read_speakers(corpus_dir / "speakers.tsv")
    scan = FsddScan()
    unknown: Counter = Counter()
    for p in sorted(rec_dir.iterdir()):
        m = FILE_PATTERN.match(p.name)
        if not m or not p.is_file():
            scan.bad_names.append(p.name)
            continue
        spk = m.group("speaker")
        if spk not in speakers:
            unknown[spk] += 1
            continue
        digit, take = int(m.group("digit")), int(m.group("take"))
        scan.utterances.append(FsddUtterance(f"{spk}_{digit}_{take}", spk, digit, take, p))
    if unknown:
        listed = ", ".join(f"{s} ({n} files)" for s, n in sorted(unknown.items()))
        raise DataError(f"recordings of speakers not in speakers.tsv: {listed}", path=corpus_dir / "speakers.tsv")
    if scan.bad_names:
        shown = ", ".join(scan.bad_names[:10]) + (", ..." if len(scan.bad_names) > 10 else "")
        logger.warning("FSDD: skipped %d files not named {digit}_{speaker}_{take}.wav: %s", len(scan.bad_names), shown)
    if not scan.utterances:
        raise DataError("no recordings named {digit}_{speaker}_{take}.wav", path=rec_dir)
    return scan


def _write_dir(out: Path, utts: List[FsddUtterance], speakers: Dict[str, FsddSpeaker], with_utt2dur: bool) -> DataDir:
    dd = DataDir()
    dd.set_table("wav.scp", {u.utt_id: str(u.path) for u in utts})
    dd.set_table("text", {u.utt_id: DIGIT_WORDS[u.digit] for u in utts})
    dd.set_table("utt2spk", {u.utt_id: u.speaker for u in utts})
    dd.regenerate_spk2utt()
    used = sorted({u.speaker for u in utts})
    dd.set_table("spk2gender", {s: speakers[s].gender for s in used})
    dd.set_table("utt2accent", {u.utt_id: speakers[u.speaker].accent for u in utts})
    if with_utt2dur:
        import soundfile as sf

        dur = {}
        for u in utts:
            try:
                info = sf.info(str(u.path))
            except (RuntimeError, sf.LibsndfileError) as e:
                raise DataError(f"cannot read audio header: {e}", path=u.path, utt=u.utt_id)
            dur[u.utt_id] = format_duration(info.frames / info.samplerate)
        dd.set_table("utt2dur", dur)
    dd.save(out)
    logger.info("FSDD: wrote %s: %d utterances, %d speakers", out, len(utts), len(used))
    return dd


def prepare_fsdd(
    corpus_dir: PathLike,
    out_dir: PathLike,
    split: str = "speaker",
    test_speakers: Sequence[str] = DEFAULT_TEST_SPEAKERS,
    dev_speakers: Sequence[str] = (),
    test_takes: int = DEFAULT_TEST_TAKES,
    dev_takes: int = 0,
    speakers: Optional[Sequence[str]] = None,
    max_takes: Optional[int] = None,
    with_utt2dur: bool = True,
) -> Dict[str, DataDir]:
    """Write ``<out_dir>/{train,test}`` (and ``dev`` when asked) for FSDD.

    ``split="take"``: takes ``< test_takes`` are test, the next ``dev_takes`` dev, the rest
    train. ``split="speaker"``: ``test_speakers`` (and ``dev_speakers``) are held out.
    ``speakers`` restricts the corpus to some speakers and ``max_takes`` to takes below it
    (small dirs for tests and quick runs).
    """
    corpus_dir = Path(corpus_dir).resolve()
    out_dir = Path(out_dir)
    check_layout(corpus_dir)
    spk_table = read_speakers(corpus_dir / "speakers.tsv")
    scan = scan_fsdd(corpus_dir, spk_table)
    utts = scan.utterances
    if speakers is not None:
        missing = [s for s in speakers if s not in spk_table]
        if missing:
            raise DataError(f"speakers not in speakers.tsv: {' '.join(missing)}", path=corpus_dir / "speakers.tsv")
        utts = [u for u in utts if u.speaker in set(speakers)]
    if max_takes is not None:
        utts = [u for u in utts if u.take < max_takes]
    present = {u.speaker for u in utts}

    parts: Dict[str, List[FsddUtterance]] = {}
    if split == "take":
        parts["test"] = [u for u in utts if u.take < test_takes]
        if dev_takes > 0:
            parts["dev"] = [u for u in utts if test_takes <= u.take < test_takes + dev_takes]
        parts["train"] = [u for u in utts if u.take >= test_takes + dev_takes]
    elif split == "speaker":
        for role, names in (("test", test_speakers), ("dev", dev_speakers)):
            bad = [s for s in names if s not in present]
            if bad:
                raise DataError(
                    f"{role} speakers {' '.join(bad)} have no recordings (speakers present: {' '.join(sorted(present))})",
                    path=corpus_dir / "recordings",
                )
        overlap = set(test_speakers) & set(dev_speakers)
        if overlap:
            raise DataError(f"speakers {' '.join(sorted(overlap))} are both test and dev speakers")
        parts["test"] = [u for u in utts if u.speaker in set(test_speakers)]
        if dev_speakers:
            parts["dev"] = [u for u in utts if u.speaker in set(dev_speakers)]
        parts["train"] = [u for u in utts if u.speaker not in set(test_speakers) | set(dev_speakers)]
    else:
        raise DataError(f"unknown split {split!r} (take or speaker)")

    out: Dict[str, DataDir] = {}
    for name, us in parts.items():
        if not us:
            raise DataError(f"the {name} set would be empty with split={split}", path=corpus_dir)
        out[name] = _write_dir(out_dir / name, us, spk_table, with_utt2dur)
    return out
