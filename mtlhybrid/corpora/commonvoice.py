"""Kaldi data dirs for Common Voice (one language), with the speaker's accent as a label.

Layout of a release (``cv-corpus-<version>/<lang>/``)::

    clips/common_voice_en_<n>.mp3
    train.tsv dev.tsv test.tsv validated.tsv ...   (tab-separated, header line)

The TSV columns changed over releases: ``accent`` (up to v7) became ``accents`` (v8, free
text, several joined by ``|``), ``variant`` appeared in v13, genders such as
``male_masculine`` in v17. lhotse's ``prepare_commonvoice`` indexes ``accents`` and
``variant`` directly and starts a process pool per split; here each TSV is read once
(quoting off, as lhotse does: the sentences hold unbalanced quotes), rows are made
uniform, and every row goes through lhotse's own per-utterance parser in this process.

Accent labels: a predefined v8+ description (``United States English``) becomes the short
code of the early releases (``us``), so that labels agree across releases; a user map
(``--accent-map``) overrides; anything else becomes one lower-case token. Utterances
without an accent keep no label (counted). Utterance ids are ``<client_id>-<clip>``.

Splits: the release's train/dev/test (or train from ``validated.tsv`` minus every dev/test
speaker), and with ``heldout_accents`` a ``test_unseen`` set: every utterance labelled
with a held-out accent, from any split; all other utterances of those speakers are left
out everywhere, so no voice of ``test_unseen`` is heard in training.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mtlhybrid.corpora.public_corpora import (
    PartReport,
    check_disjoint_speakers,
    label_token,
    require_corpus_dir,
    reshape_supervisions,
    write_part,
    write_reports,
)
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]

REQUIRED_COLUMNS = ("client_id", "path", "sentence")
#: Columns lhotse's per-utterance parser reads; absent ones are filled with "".
LHOTSE_COLUMNS = ("client_id", "path", "sentence", "gender", "age", "accents", "variant")
DOWNLOAD_HINT = (
    "Download a Common Voice release for your language from https://commonvoice.mozilla.org/datasets "
    "(CC0; an e-mail address is asked for) and unpack it so that this folder holds <lang>/clips/ "
    "and <lang>/{train,dev,test}.tsv (e.g. cv-corpus-13.0-2023-03-09/)."
)

#: Common Voice's predefined English accent descriptions (v8 and later) -> the codes of v1-v7.
CV_ACCENT_ALIASES: Dict[str, str] = {
    "united states english": "us",
    "england english": "england",
    "india and south asia (india, pakistan, sri lanka)": "indian",
    "canadian english": "canada",
    "australian english": "australia",
    "scottish english": "scotland",
    "southern african (south africa, zimbabwe, namibia)": "african",
    "new zealand english": "newzealand",
    "irish english": "ireland",
    "west indies and bermuda (bahamas, bermuda, jamaica, trinidad)": "bermuda",
    "welsh english": "wales",
    "filipino": "philippines",
    "hong kong english": "hongkong",
    "malaysian english": "malaysia",
    "singaporean english": "singapore",
}


def normalize_gender(value: str) -> Optional[str]:
    """``male``/``male_masculine`` -> ``m``, ``female``/``female_feminine`` -> ``f``, anything else None."""
    v = (value or "").strip().lower()
    if v in ("male", "male_masculine", "m"):
        return "m"
    if v in ("female", "female_feminine", "f"):
        return "f"
    return None


@dataclass
class AccentNormalizer:
    """Raw Common Voice accent text -> one label token (or None), counting what it did.

    ``aliases`` maps lower-cased raw accents (one of several joined by ``|``) to labels; a
    label ``-`` means "no label". ``multi``: with several accents, ``first`` keeps the first
    one's label, ``skip`` gives no label.
    """

    aliases: Dict[str, str] = field(default_factory=lambda: dict(CV_ACCENT_ALIASES))
    multi: str = "first"
    counts: Counter = field(default_factory=Counter)

    def __post_init__(self):
        if self.multi not in ("first", "skip"):
            raise DataError(f"multi-accent policy must be 'first' or 'skip', not {self.multi!r}")

    def __call__(self, raw: Optional[str]) -> Optional[str]:
        items = [x.strip() for x in (raw or "").split("|") if x.strip()]
        if not items:
            self.counts["no accent"] += 1
            return None
        if len(items) > 1:
            self.counts["several accents"] += 1
            if self.multi == "skip":
                return None
        key = " ".join(items[0].lower().split())
        label = self.aliases.get(key)
        if label is None:
            label = label_token(items[0])
        if label in ("", "-"):
            self.counts["mapped to no label"] += 1
            return None
        return label

    def to_dict(self) -> dict:
        return {"aliases": dict(self.aliases), "multi": self.multi}

    @classmethod
    def from_dict(cls, d: dict) -> "AccentNormalizer":
        return cls(dict(d["aliases"]), d.get("multi", "first"))


def read_accent_map(path: PathLike) -> Dict[str, str]:
    """A user's accent map: ``<raw accent><TAB><label>`` lines (``-`` as label: no label)."""
    out: Dict[str, str] = {}
    for lineno, line in iter_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        raw, sep, label = line.rpartition("\t")
        if not sep or not raw.strip() or len(label.split()) != 1:
            raise DataError("expected '<raw accent><TAB><one-token label>'", path=path, line=lineno)
        out[" ".join(raw.lower().split())] = label.strip()
    return out


def read_cv_tsv(path: PathLike) -> List[Dict[str, str]]:
    """The rows of a Common Voice TSV as dicts, uniform across releases.

    ``accent`` is copied to ``accents``; the columns lhotse reads but the release lacks are
    empty strings. A row with the wrong number of fields is an error naming its line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", path=path)
    rows: List[Dict[str, str]] = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if not header:
            raise DataError("empty TSV (expected a header line)", path=path, line=1)
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise DataError(f"TSV header lacks the columns {', '.join(missing)} (has: {' '.join(header)})", path=path, line=1)
        for lineno, fields in enumerate(reader, start=2):
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(header):
                raise DataError(f"{len(fields)} fields, the header has {len(header)}", path=path, line=lineno)
            row = dict(zip(header, fields))
            if "accents" not in row:
                row["accents"] = row.get("accent", "")
            for c in LHOTSE_COLUMNS:
                row.setdefault(c, "")
            if not row["path"] or not row["client_id"]:
                raise DataError("empty path or client_id", path=path, line=lineno)
            rows.append(row)
    return rows


def _parse_row_here(lang_dir: Path, language: str, row: Dict[str, str]):
    """The construction lhotse's ``_parse_utterance`` does, for lhotse versions without it."""
    from lhotse import Recording, SupervisionSegment

    audio = lang_dir / "clips" / row["path"]
    if not audio.is_file():
        return None
    rid = Path(row["path"]).stem
    rec = Recording.from_file(audio, recording_id=rid)
    sup = SupervisionSegment(
        id=rid, recording_id=rid, start=0.0, duration=rec.duration, channel=0, language=language,
        speaker=row["client_id"], text=row["sentence"].strip(), gender=row["gender"],
        custom={"age": row["age"], "accents": row["accents"], "variant": row["variant"]},
    )
    return rec, sup


def _parse_row(lang_dir: Path, language: str, row: Dict[str, str]):
    """One TSV row -> (Recording, SupervisionSegment), or None if its clip is missing (lhotse's parser)."""
    try:
        from lhotse.recipes.commonvoice import _parse_utterance
    except ImportError:  # a lhotse version that renamed it
        return _parse_row_here(lang_dir, language, row)
    return _parse_utterance(lang_dir, language, row)


def load_cv_part(lang_dir: PathLike, part: str, language: str) -> Tuple[object, object, int]:
    """(RecordingSet, SupervisionSet, clips missing) for ``<lang_dir>/<part>.tsv``."""
    from lhotse import RecordingSet, SupervisionSet

    lang_dir = Path(lang_dir)
    tsv = lang_dir / f"{part}.tsv"
    rows = read_cv_tsv(tsv)
    recs, sups = {}, []
    missing = 0
    for row in rows:
        try:
            res = _parse_row(lang_dir, language, row)
        except Exception as e:  # lhotse raises plain exceptions for unreadable audio
            raise DataError(f"cannot read clip {row['path']}: {e}", path=tsv)
        if res is None:
            missing += 1
            continue
        rec, sup = res
        if rec.id in recs:
            raise DataError(f"clip {row['path']} is listed twice", path=tsv)
        recs[rec.id] = rec
        sups.append(sup)
    if missing:
        logger.warning("%s: %d of %d clips are missing from %s/clips (left out)", tsv, missing, len(rows), lang_dir)
    return RecordingSet.from_recordings(recs.values()), SupervisionSet.from_segments(sups), missing


def find_lang_dir(corpus_dir: PathLike, language: str) -> Path:
    """``<corpus>/<lang>`` of a release folder, or ``corpus_dir`` itself when it is the language folder."""
    root = require_corpus_dir(corpus_dir, "Common Voice", f"{language}/clips and {language}/{{train,dev,test}}.tsv", DOWNLOAD_HINT)
    lang_dir = root / language
    if not (lang_dir / "clips").is_dir() and (root / "clips").is_dir():
        lang_dir = root
    if not (lang_dir / "clips").is_dir():
        raise DataError(f"no {language}/clips folder. {DOWNLOAD_HINT}", path=root)
    return lang_dir


def prepare_commonvoice_accents(
    corpus_dir: PathLike,
    out_dir: PathLike,
    language: str = "en",
    train_tsv: str = "train",
    heldout_accents: Sequence[str] = (),
    accent_map: Optional[Dict[str, str]] = None,
    multi_accent: str = "first",
    manifest_dir: Optional[PathLike] = None,
) -> Dict[str, PartReport]:
    """Write ``<out_dir>/{train,dev,test}`` (and ``test_unseen`` with ``heldout_accents``), validated.

    ``train_tsv``: ``train`` (the release's split) or ``validated`` (every validated clip
    whose speaker is in neither dev nor test: much more training data).
    """
    from lhotse import RecordingSet, SupervisionSet

    if train_tsv not in ("train", "validated"):
        raise DataError(f"train_tsv must be 'train' or 'validated', not {train_tsv!r}")
    lang_dir = find_lang_dir(corpus_dir, language)
    aliases = dict(CV_ACCENT_ALIASES)
    aliases.update(accent_map or {})
    norm = AccentNormalizer(aliases, multi_accent)

    loaded: Dict[str, Tuple[object, object]] = {}
    dropped: Dict[str, Counter] = {p: Counter() for p in ("train", "dev", "test")}
    for part, tsv_name in (("dev", "dev"), ("test", "test"), ("train", train_tsv)):
        recs, sups, missing = load_cv_part(lang_dir, tsv_name, language)
        dropped[part]["clips missing"] += missing
        if manifest_dir is not None:
            Path(manifest_dir).mkdir(parents=True, exist_ok=True)
            recs.to_file(Path(manifest_dir) / f"cv-{language}_recordings_{tsv_name}.jsonl.gz")
            sups.to_file(Path(manifest_dir) / f"cv-{language}_supervisions_{tsv_name}.jsonl.gz")
        loaded[part] = (recs, sups)

    eval_spk = {s.speaker for p in ("dev", "test") for s in loaded[p][1]}
    eval_clips = {s.recording_id for p in ("dev", "test") for s in loaded[p][1]}
    recs, sups = loaded["train"]
    overlap = [s for s in sups if s.speaker in eval_spk or s.recording_id in eval_clips]
    if overlap:
        if train_tsv == "validated":
            dropped["train"]["dev/test speakers"] += len(overlap)
        else:
            logger.warning("train.tsv shares %d clips/speakers with dev/test; leaving them out of train", len(overlap))
            dropped["train"]["dev/test speakers"] += len(overlap)
        ids = {s.id for s in overlap}
        loaded["train"] = (recs, SupervisionSet.from_segments([s for s in sups if s.id not in ids]))
    dev_test_shared = {s.speaker for s in loaded["dev"][1]} & {s.speaker for s in loaded["test"][1]}
    if dev_test_shared:
        logger.warning("dev.tsv and test.tsv share %d speakers", len(dev_test_shared))

    # accent of every utterance, and the speakers of held-out accents
    accent: Dict[str, Optional[str]] = {}
    for part in loaded:
        for s in loaded[part][1]:
            accent[s.id] = norm((s.custom or {}).get("accents"))
    present = Counter(a for a in accent.values() if a)
    heldout = [a if a in present else aliases.get(" ".join(a.lower().split()), label_token(a)) for a in heldout_accents]
    absent = [a for a in heldout if a not in present]
    if absent:
        raise DataError(f"held-out accents {' '.join(absent)} label no utterance (accents found: "
                        + " ".join(f"{a}({n})" for a, n in present.most_common(30)) + ")", path=lang_dir)
    heldout_spk = {s.speaker for p in loaded for s in loaded[p][1] if accent[s.id] in heldout}

    genders: Dict[str, set] = {}
    for p in loaded:
        for s in loaded[p][1]:
            g = normalize_gender(s.gender or "")
            if g:
                genders.setdefault(s.speaker, set()).add(g)
    conflicting = sorted(k for k, v in genders.items() if len(v) > 1)
    if conflicting:
        logger.warning("%d speakers have clips with different genders; no gender for them", len(conflicting))

    def gender(s):
        g = genders.get(s.speaker, set())
        return next(iter(g)) if len(g) == 1 else None

    def utt_id(s):
        return f"{s.speaker}-{s.recording_id}"

    def labels(s):
        return {"accent": accent[s.id]} if accent[s.id] else {}

    parts: Dict[str, Tuple[object, List]] = {}
    unseen_recs, unseen_sups = [], []
    unseen_dropped: Counter = Counter()
    for part in ("train", "dev", "test"):
        recs, sups = loaded[part]
        keep = []
        for s in sups:
            if s.speaker in heldout_spk:
                if accent[s.id] in heldout:
                    unseen_sups.append(s)
                    unseen_recs.append(recs[s.recording_id])
                else:
                    dropped[part]["other clips of held-out-accent speakers"] += 1
            else:
                keep.append(s)
        if not keep:
            raise DataError(f"the {part} set would be empty", path=lang_dir / f"{part}.tsv")
        parts[part] = (recs, keep)
    if heldout:
        parts["test_unseen"] = (RecordingSet.from_recordings(unseen_recs), unseen_sups)
        dropped["test_unseen"] = unseen_dropped
    for a, b in (("train", "dev"), ("train", "test"), ("train", "test_unseen"), ("dev", "test_unseen"), ("test", "test_unseen")):
        if a in parts and b in parts:
            check_disjoint_speakers({a: parts[a][1], b: parts[b][1]})

    out_dir = Path(out_dir)
    reports: Dict[str, PartReport] = {}
    for part, (recs, sups) in parts.items():
        r, s = reshape_supervisions(recs, sups, utt_id=utt_id, labels=labels, gender=gender, dropped=dropped[part])
        reports[part] = write_part(out_dir / part, r, s, dropped[part], label_names=("accent",))
    if norm.counts:
        logger.info("accent labels: %s", ", ".join(f"{n} {k}" for k, n in sorted(norm.counts.items())))
    write_reports(out_dir / "local" / "commonvoice_prep.json", reports.values())
    return reports
