"""What the public-corpus preparations (mini LibriSpeech, Common Voice, L2-ARCTIC) share.

Each corpus module runs lhotse's recipe to get ``RecordingSet``/``SupervisionSet``
manifests, then reshapes the supervisions into what a Kaldi recipe needs and hands them
to :func:`mtlhybrid.data.lhotse_bridge.lhotse_to_datadir`. The reshaping is the same
everywhere and lives here:

* transcripts become upper-case words (:func:`normalize_transcript`), the spelling the
  CMUdict lexicon uses; an utterance whose transcript is empty afterwards is dropped and
  counted, never written with an empty line;
* utterance ids (and, for whole-file utterances, recording ids) start with the speaker id,
  so that sorting by utterance also sorts by speaker, as Kaldi requires;
* ``custom`` keeps only the labels the recipe asks for (``accent`` ...), so that lhotse's
  free-form fields (``age``, ``variant``) do not turn into stray ``utt2*`` files;
* every written directory is validated before the preparation reports success.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple, Union

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import atomic_write
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)
PathLike = Union[str, Path]


def fold_to_ascii(text: str) -> str:
    """Drop diacritics (``café`` -> ``cafe``) and map typographic quotes/dashes to ASCII.

    Common Voice sentences contain loan words with accents and curly apostrophes; CMUdict
    spells them in plain ASCII, so folding first turns them into words the lexicon knows
    instead of words with letters cut out.
    """
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_transcript(text: str) -> str:
    """A raw corpus sentence as upper-case words: ``"Hello, café-bar 2!"`` -> ``HELLO CAFE BAR TWO``.

    Uses the same rules as the synthesized corpus (numbers and common abbreviations
    spelled out, hyphens split words, apostrophes inside words kept, other punctuation
    removed), so that all recipes share one spelling of the same words.
    """
    from mtlhybrid.corpora.synth_accents_text import normalize_text

    return " ".join(normalize_text(fold_to_ascii(text)))


def label_token(value: str) -> str:
    """A free-form label as one lower-case token: ``"Slight Irish accent"`` -> ``slight_irish_accent``."""
    folded = fold_to_ascii(value).lower()
    out = []
    prev_sep = True
    for c in folded:
        if c.isalnum():
            out.append(c)
            prev_sep = False
        elif not prev_sep:
            out.append("_")
            prev_sep = True
    return "".join(out).strip("_")


@dataclass
class PartReport:
    """What one written data dir holds, and what was left out of it (and why)."""

    name: str
    path: str
    num_utts: int = 0
    num_speakers: int = 0
    labels: Dict[str, Dict[str, int]] = field(default_factory=dict)  # label name -> value -> utterances
    dropped: Dict[str, int] = field(default_factory=dict)  # reason -> utterances
    unlabelled: Dict[str, int] = field(default_factory=dict)  # label name -> utterances without one

    def to_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "num_utts": self.num_utts, "num_speakers": self.num_speakers,
                "labels": {k: dict(v) for k, v in self.labels.items()}, "dropped": dict(self.dropped),
                "unlabelled": dict(self.unlabelled)}

    @classmethod
    def from_dict(cls, d: dict) -> "PartReport":
        return cls(d["name"], d["path"], int(d["num_utts"]), int(d["num_speakers"]),
                   {k: {a: int(n) for a, n in v.items()} for k, v in d.get("labels", {}).items()},
                   {k: int(v) for k, v in d.get("dropped", {}).items()},
                   {k: int(v) for k, v in d.get("unlabelled", {}).items()})

    def summary(self) -> str:
        lab = "; ".join(f"{k}: " + " ".join(f"{a}={n}" for a, n in sorted(v.items())) for k, v in sorted(self.labels.items()))
        drop = ", ".join(f"{n} {why}" for why, n in sorted(self.dropped.items()) if n)
        unl = ", ".join(f"{n} without {k}" for k, n in sorted(self.unlabelled.items()) if n)
        return (f"{self.name}: {self.num_utts} utterances, {self.num_speakers} speakers"
                + (f" [{lab}]" if lab else "") + (f"; {unl}" if unl else "") + (f"; dropped {drop}" if drop else ""))


def reshape_supervisions(
    recordings,
    supervisions,
    utt_id: Callable[[object], str],
    labels: Callable[[object], Dict[str, str]] = lambda s: {},
    gender: Optional[Callable[[object], Optional[str]]] = None,
    speaker: Optional[Callable[[object], str]] = None,
    dropped: Optional[Counter] = None,
) -> Tuple[object, object]:
    """New (RecordingSet, SupervisionSet) with normalized text, new ids and chosen labels.

    ``utt_id(sup)`` gives the new id (speaker-prefixed); for whole-recording supervisions
    the recording gets the same id, so the data dir needs no ``segments``. Supervisions
    with no text left after normalization are counted in ``dropped["empty transcript"]``.
    """
    from lhotse import RecordingSet, SupervisionSet
    from lhotse.utils import fastcopy

    dropped = dropped if dropped is not None else Counter()
    new_sups = []
    new_recs = {}
    seen: Dict[str, str] = {}
    for sup in supervisions:
        text = normalize_transcript(sup.text or "")
        if not text:
            dropped["empty transcript"] += 1
            logger.info("dropping %s: no words left in transcript %r", sup.id, sup.text)
            continue
        new_id = utt_id(sup)
        if any(c.isspace() for c in new_id):
            raise DataError(f"utterance id {new_id!r} would contain whitespace", utt=sup.id)
        if new_id in seen:
            raise DataError(f"two utterances map to the id {new_id} ({seen[new_id]} and {sup.id})", utt=sup.id)
        seen[new_id] = sup.id
        rec = recordings[sup.recording_id]
        whole = abs(sup.start) < 1e-6 and abs(sup.duration - rec.duration) < 2e-3
        rec_id = new_id if whole else rec.id
        if rec_id not in new_recs:
            new_recs[rec_id] = fastcopy(rec, id=rec_id)
        lab = {k: v for k, v in labels(sup).items() if v}
        new_sups.append(
            fastcopy(
                sup,
                id=new_id,
                recording_id=rec_id,
                text=text,
                speaker=speaker(sup) if speaker else sup.speaker,
                gender=gender(sup) if gender else sup.gender,
                custom=lab or None,
            )
        )
    if not new_sups:
        raise DataError("no utterances left after text normalization")
    return RecordingSet.from_recordings(new_recs.values()), SupervisionSet.from_segments(new_sups)


def write_part(
    out_dir: PathLike,
    recordings,
    supervisions,
    dropped: Optional[Dict[str, int]] = None,
    label_names: Iterable[str] = (),
) -> PartReport:
    """Write one Kaldi data dir through the lhotse bridge and validate it (no features yet).

    ``label_names``: the labels every utterance is expected to have; those without one are
    counted in the report (they stay in the data dir, unlabelled).
    """
    from mtlhybrid.data.lhotse_bridge import lhotse_to_datadir
    from mtlhybrid.data.validate import validate_data_dir

    out_dir = Path(out_dir)
    used = {r.id for r in recordings} & {s.recording_id for s in supervisions}
    from lhotse import RecordingSet

    recordings = RecordingSet.from_recordings(r for r in recordings if r.id in used)
    dd = lhotse_to_datadir(out_dir, recordings=recordings, supervisions=supervisions)
    validate_data_dir(out_dir, no_feats=True)
    rep = PartReport(out_dir.name, str(out_dir), len(dd.utt_ids), len(dd.speakers), dropped={k: v for k, v in (dropped or {}).items() if v})
    for name in dd.label_names():
        if name == "lang":
            continue
        rep.labels[name] = dict(Counter(dd.labels(name).values()))
    for name in label_names:
        n = rep.num_utts - sum(rep.labels.get(name, {}).values())
        if n:
            rep.unlabelled[name] = n
    logger.info("%s", rep.summary())
    return rep


def write_reports(path: PathLike, reports: Iterable[PartReport]) -> None:
    """A JSON summary of a preparation (``<data>/local/<corpus>_prep.json``), for people and tests."""
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        json.dump({r.name: r.to_dict() for r in reports}, f, indent=1, sort_keys=True)
        f.write("\n")


def require_corpus_dir(path: PathLike, what: str, expected: str, get_it: str) -> Path:
    """The corpus folder, or a DataError saying what belongs there and where to get it."""
    p = Path(path)
    if not p.is_dir():
        raise DataError(f"{what} not found: expected {expected} under {p}. {get_it}", path=p)
    return p.resolve()


def check_disjoint_speakers(parts: Dict[str, object]) -> None:
    """Raise if two of the given SupervisionSets share a speaker (a speaker-disjoint split leaked)."""
    owner: Dict[str, str] = {}
    for name, sups in parts.items():
        for spk in {s.speaker for s in sups}:
            if spk in owner and owner[spk] != name:
                raise DataError(f"speaker {spk} is in both {owner[spk]} and {name}; the split must be speaker-disjoint")
            owner[spk] = name


def split_list(value: Union[str, Iterable[str], None]) -> List[str]:
    """``"a,b c"`` or ``["a", "b"]`` -> ``["a", "b", "c"]`` (options accept commas or spaces)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    out: List[str] = []
    for v in value:
        out += [x for x in v.replace(",", " ").split() if x]
    return out
