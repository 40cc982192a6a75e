"""Kaldi data dirs for Mini LibriSpeech (OpenSLR 31), through lhotse's LibriSpeech recipe.

Layout (as the tarballs unpack)::

    LibriSpeech/SPEAKERS.TXT
    LibriSpeech/train-clean-5/<reader>/<chapter>/<reader>-<chapter>-<utt>.flac
    LibriSpeech/train-clean-5/<reader>/<chapter>/<reader>-<chapter>.trans.txt
    LibriSpeech/dev-clean-2/...

``lhotse.recipes.prepare_librispeech`` reads the transcripts and audio headers; this
module adds what lhotse leaves out and a Kaldi recipe needs: genders from SPEAKERS.TXT
(spk2gender, and optionally ``utt2gender`` as an auxiliary-task label, since LibriSpeech
has no accent field), transcripts checked as upper-case words, and validated data dirs
named as in Kaldi's mini_librispeech recipe (``train_clean_5``, ``dev_clean_2``).

Utterance ids are LibriSpeech's own ``<reader>-<chapter>-<utt>``, already speaker-prefixed.
The speaker is the reader (one voice, one gender); ``speaker_unit="chapter"`` uses
``<reader>-<chapter>`` instead, as Kaldi's recipe does (one recording session per
"speaker" for CMVN).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

from mtlhybrid.corpora.public_corpora import PartReport, require_corpus_dir, reshape_supervisions, write_part, write_reports
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]

MINI_PARTS = ("train-clean-5", "dev-clean-2")
DOWNLOAD_HINT = (
    "Download train-clean-5.tar.gz and dev-clean-2.tar.gz from https://www.openslr.org/31/ "
    "(CC BY 4.0) and unpack them where this folder is their LibriSpeech/ folder, or run the "
    "recipe's download stage (lhotse's download_librispeech) on a machine with a network."
)


@dataclass
class LibriSpeaker:
    """One row of SPEAKERS.TXT (``ID | SEX | SUBSET | MINUTES | NAME``)."""

    id: str
    gender: str  # "m" or "f"
    subset: str
    minutes: float
    name: str

    def to_dict(self) -> dict:
        return {"id": self.id, "gender": self.gender, "subset": self.subset, "minutes": self.minutes, "name": self.name}

    @classmethod
    def from_dict(cls, d: dict) -> "LibriSpeaker":
        return cls(d["id"], d["gender"], d["subset"], float(d["minutes"]), d["name"])


def read_speakers_txt(path: PathLike) -> Dict[str, LibriSpeaker]:
    """Parse LibriSpeech's SPEAKERS.TXT (``;`` lines are comments; names may contain ``|``)."""
    path = Path(path)
    out: Dict[str, LibriSpeaker] = {}
    for lineno, line in iter_lines(path):
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        cols = [c.strip() for c in line.split("|", 4)]
        if len(cols) < 5:
            raise DataError(f"expected 'ID | SEX | SUBSET | MINUTES | NAME', got {line!r}", path=path, line=lineno)
        spk, sex, subset, minutes, name = cols
        g = {"F": "f", "M": "m"}.get(sex.upper())
        if g is None:
            raise DataError(f"sex {sex!r} of speaker {spk} is not F or M", path=path, line=lineno)
        try:
            mins = float(minutes)
        except ValueError:
            raise DataError(f"minutes {minutes!r} of speaker {spk} is not a number", path=path, line=lineno)
        out[spk] = LibriSpeaker(spk, g, subset, mins, name)
    if not out:
        raise DataError("no speakers listed", path=path)
    return out


def find_librispeech_root(corpus_dir: PathLike, parts: Sequence[str] = MINI_PARTS) -> Path:
    """The folder holding the parts: ``corpus_dir`` itself, or its ``LibriSpeech/`` child."""
    root = require_corpus_dir(corpus_dir, "Mini LibriSpeech", "LibriSpeech/{" + ",".join(parts) + "}", DOWNLOAD_HINT)
    if not any((root / p).is_dir() for p in parts) and (root / "LibriSpeech").is_dir():
        root = root / "LibriSpeech"
    missing = [p for p in parts if not (root / p).is_dir()]
    if missing:
        raise DataError(f"no {' or '.join(missing)} folder in the LibriSpeech folder. {DOWNLOAD_HINT}", path=root)
    return root


def data_dir_name(part: str) -> str:
    """``train-clean-5`` -> ``train_clean_5`` (Kaldi's recipe names)."""
    return part.replace("-", "_")


def prepare_mini_librispeech(
    corpus_dir: PathLike,
    out_dir: PathLike,
    parts: Sequence[str] = MINI_PARTS,
    speaker_unit: str = "reader",
    gender_label: bool = False,
    manifest_dir: Optional[PathLike] = None,
    num_jobs: int = 1,
) -> Dict[str, PartReport]:
    """Write ``<out_dir>/<part with underscores>`` for each part, validated; return their reports.

    ``manifest_dir``: where lhotse keeps its manifests (and reuses them on a rerun).
    """
    from lhotse.recipes import prepare_librispeech

    if speaker_unit not in ("reader", "chapter"):
        raise DataError(f"speaker_unit must be 'reader' or 'chapter', not {speaker_unit!r}")
    root = find_librispeech_root(corpus_dir, parts)
    spk_file = root / "SPEAKERS.TXT"
    speakers = read_speakers_txt(spk_file) if spk_file.is_file() else {}
    if not speakers:
        logger.warning("no %s: spk2gender will not be written", spk_file)
        if gender_label:
            raise DataError("gender labels need SPEAKERS.TXT", path=spk_file)

    manifests = prepare_librispeech(root, dataset_parts=list(parts), output_dir=manifest_dir, num_jobs=num_jobs)
    out_dir = Path(out_dir)
    reports: Dict[str, PartReport] = {}
    for part in parts:
        if part not in manifests:
            raise DataError(f"lhotse found no utterances in {part}", path=root / part)
        recs, sups = manifests[part]["recordings"], manifests[part]["supervisions"]
        n_trans = sum(1 for _ in (root / part).rglob("*.trans.txt"))
        dropped: Counter = Counter()
        unknown = sorted({s.speaker for s in sups if speakers and s.speaker not in speakers})
        if unknown:
            raise DataError(f"readers {' '.join(unknown[:10])} of {part} are not in SPEAKERS.TXT", path=spk_file)
        n_lines = sum(1 for t in (root / part).rglob("*.trans.txt") for _, ln in iter_lines(t) if ln.strip())
        if n_lines > len(sups):
            dropped["transcript lines without audio"] = n_lines - len(sups)
            logger.warning("%s: %d transcript lines have no .flac file (lhotse skipped them)", part, n_lines - len(sups))

        def gender(s):
            return speakers[s.speaker].gender if speakers else None

        def spk(s):
            return s.speaker if speaker_unit == "reader" else "-".join(s.id.split("-")[:2])

        def labels(s):
            return {"gender": speakers[s.speaker].gender} if gender_label else {}

        recs, sups = reshape_supervisions(recs, sups, utt_id=lambda s: s.id, labels=labels, gender=gender,
                                          speaker=spk, dropped=dropped)
        logger.info("%s: %d transcript files, %d utterances", part, n_trans, len(sups))
        reports[part] = write_part(out_dir / data_dir_name(part), recs, sups, dropped)
    write_reports(out_dir / "local" / "mini_librispeech_prep.json", reports.values())
    return reports


def download_mini_librispeech(target_dir: PathLike) -> Path:
    """Download and unpack both parts with lhotse (needs a network); returns the LibriSpeech folder."""
    from lhotse.recipes import download_librispeech

    return Path(download_librispeech(target_dir, dataset_parts="mini_librispeech"))
