"""Kaldi data directory <-> lhotse manifests (RecordingSet, SupervisionSet, CutSet).

lhotse's own ``lhotse.kaldi`` importer drops label files and drops unreadable recordings
silently; this bridge carries everything a multi-task recipe needs, both ways:

* ``wav.scp`` entries become ``AudioSource``s: a plain path is ``type="file"``, a
  ``cmd |`` pipe is ``type="command"`` (the command without its ``|``).
* Each utterance becomes a ``SupervisionSegment`` (id = utterance id) with ``text``,
  ``speaker`` (utt2spk), ``gender`` (spk2gender, ``m``/``f``), ``language`` (utt2lang), and
  every label file ``utt2<name>`` (``utt2accent`` ...) as ``custom[name]``; an
  unlabelled utterance simply has no such key.
* A CutSet has one cut per utterance (cut id = utterance id) spanning its segment.

Going back, whole-recording utterances (recording id = utterance id, start 0, full length)
give a wav.scp keyed by utterance; anything else gives ``segments``. Times in segments
use :func:`~mtlhybrid.data.datadir.format_seconds` and durations in utt2dur
:func:`~mtlhybrid.data.datadir.format_duration`, the formats mtlhybrid writes
everywhere, so dir -> lhotse -> dir reproduces the files byte for byte.

Not carried: feats.scp and cmvn.scp (lhotse keeps features in its own storage).
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

from mtlhybrid.data.datadir import DataDir, Segment, format_duration, format_seconds
from mtlhybrid.data.validate import wav_entry_path
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger, progress

logger = get_logger(__name__)
PathLike = Union[str, Path]

#: utt2<name> files that are not carried in ``custom`` (they map to first-class fields or are derived).
_NOT_CUSTOM = {"utt2spk", "utt2dur", "utt2num_frames", "utt2lang"}
_LABEL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
#: Tolerance (seconds) within which a supervision counts as covering its whole recording.
WHOLE_RECORDING_TOLERANCE = 0.0015


def _require_lhotse():
    try:
        import lhotse  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise DataError(f"the lhotse bridge needs lhotse (pip install lhotse urllib3): {e}")


@dataclass
class AudioInfo:
    """What a Recording needs to know about its audio."""

    sampling_rate: int
    num_samples: int
    num_channels: int

    def to_dict(self) -> dict:
        return {"sampling_rate": self.sampling_rate, "num_samples": self.num_samples, "num_channels": self.num_channels}

    @classmethod
    def from_dict(cls, d: dict) -> "AudioInfo":
        return cls(int(d["sampling_rate"]), int(d["num_samples"]), int(d["num_channels"]))


def probe_audio(entry: str, where: str = "wav.scp", reco: Optional[str] = None) -> AudioInfo:
    """Sample rate, length and channels of a wav.scp entry (file header, or the pipe's output)."""
    import soundfile as sf

    path = wav_entry_path(entry)
    try:
        if path is not None:
            info = sf.info(path)
            return AudioInfo(int(info.samplerate), int(info.frames), int(info.channels))
        if not entry.rstrip().endswith("|"):
            raise DataError(f"cannot interpret wav.scp entry {entry!r}", path=where)
        # pipefail, as the feature extractor runs wav.scp pipes: a failing first command
        # must not pass for the audio its last command happened to write.
        proc = subprocess.run(["bash", "-c", "set -o pipefail; " + entry.rstrip()[:-1]], capture_output=True)
        if proc.returncode != 0:
            raise DataError(f"command failed (exit {proc.returncode}): {entry!r}: {proc.stderr.decode(errors='replace')[-300:]}", path=where)
        data, sr = sf.read(io.BytesIO(proc.stdout), always_2d=True)
        return AudioInfo(int(sr), int(data.shape[0]), int(data.shape[1]))
    except DataError as e:
        if reco is not None and f"recording {reco}" not in str(e):
            raise DataError(f"recording {reco}: {e.reason}", path=where)
        raise
    except (RuntimeError, OSError, sf.LibsndfileError) as e:
        raise DataError(f"recording {reco}: cannot read audio {entry!r}: {e}", path=where)


def datadir_to_lhotse(data: Union[PathLike, DataDir]):
    """Read a data dir into ``(RecordingSet, SupervisionSet)``; audio headers give the lengths."""
    _require_lhotse()
    from lhotse import AudioSource, Recording, RecordingSet, SupervisionSegment, SupervisionSet

    dd = data if isinstance(data, DataDir) else DataDir.load(data)
    wav = dd.wav_scp
    wav_path = str(dd.path / "wav.scp") if dd.path else "wav.scp"
    if wav is None:
        raise DataError("no wav.scp: lhotse recordings need audio", path=wav_path)
    recordings = []
    for reco, entry in progress(wav.items(), desc="probing audio", total=len(wav)):
        info = probe_audio(entry, where=wav_path, reco=reco)
        if entry.rstrip().endswith("|"):
            src = AudioSource(type="command", channels=list(range(info.num_channels)), source=entry.rstrip()[:-1].rstrip())
        else:
            src = AudioSource(type="file", channels=list(range(info.num_channels)), source=wav_entry_path(entry) or entry)
        recordings.append(
            Recording(
                id=reco,
                sources=[src],
                sampling_rate=info.sampling_rate,
                num_samples=info.num_samples,
                duration=info.num_samples / info.sampling_rate,
            )
        )
    recset = RecordingSet.from_recordings(recordings)

    utt2spk = dd.utt2spk or {}
    text = dd.text
    segments = dd.segments
    gender = dd.spk2gender or {}
    lang = dd.table("utt2lang") or {}
    customs = {n[4:]: dd.table(n) for n in dd.table_names() if n.startswith("utt2") and n not in _NOT_CUSTOM}
    sups = []
    for utt in dd.utt_ids:
        if segments is not None:
            seg = segments.get(utt)
            if seg is None:
                raise DataError("utterance has no segment", path=dd.path / "segments", utt=utt)
        else:
            if utt not in recset:
                raise DataError("utterance has no audio in wav.scp", path=wav_path, utt=utt)
            seg = Segment(utt, 0.0, recset[utt].duration)
        if seg.recording_id not in recset:
            raise DataError(f"segment refers to recording {seg.recording_id}, not in wav.scp", path=dd.path / "segments", utt=utt)
        custom = {name: t[utt] for name, t in customs.items() if utt in t}
        spk = utt2spk[utt]
        sups.append(
            SupervisionSegment(
                id=utt,
                recording_id=seg.recording_id,
                start=seg.start,
                duration=seg.duration,
                channel=0,
                text=None if text is None else text.get(utt),
                language=lang.get(utt),
                speaker=spk,
                gender=gender.get(spk),
                custom=custom or None,
            )
        )
    supset = SupervisionSet.from_segments(sups)
    logger.info("kaldi->lhotse: %d recordings, %d supervisions from %s (labels: %s)",
                len(recset), len(supset), dd.path, ", ".join(sorted(customs)) or "none")
    return recset, supset


def datadir_to_cuts(data: Union[PathLike, DataDir]):
    """A CutSet with one cut per utterance (cut id = utterance id), each holding its supervision."""
    _require_lhotse()
    from dataclasses import replace

    from lhotse import CutSet, MonoCut

    recset, supset = datadir_to_lhotse(data)
    cuts = []
    for sup in supset:
        cuts.append(
            MonoCut(
                id=sup.id,
                start=sup.start,
                duration=sup.duration,
                channel=0,
                recording=recset[sup.recording_id],
                supervisions=[replace(sup, start=0.0)],
            )
        )
    return CutSet.from_cuts(cuts)


def _wav_entry(rec) -> str:
    if getattr(rec, "transforms", None):
        raise DataError(f"recording {rec.id} has audio transforms ({len(rec.transforms)}) that wav.scp cannot express")
    if len(rec.sources) != 1:
        raise DataError(f"recording {rec.id} has {len(rec.sources)} audio sources; wav.scp needs exactly one")
    src = rec.sources[0]
    if src.type == "file":
        if any(c.isspace() for c in src.source):
            raise DataError(f"recording {rec.id}: path {src.source!r} contains whitespace, which wav.scp cannot hold")
        return src.source
    if src.type == "command":
        return f"{src.source} |"
    raise DataError(f"recording {rec.id}: audio source of type {src.type!r} cannot be written to wav.scp (only file and command)")


def _gender(g: str, spk: str) -> str:
    x = g.strip().lower()
    if x in ("m", "male"):
        return "m"
    if x in ("f", "female"):
        return "f"
    raise DataError(f"speaker {spk}: gender {g!r} is not m/f (male/female)")


def lhotse_to_datadir(out_dir: PathLike, recordings=None, supervisions=None, cuts=None, write_utt2dur: bool = True) -> DataDir:
    """Write a Kaldi data dir from a CutSet, or from RecordingSet + SupervisionSet.

    Utterance = supervision (its id). Speakers default to the utterance id when a
    supervision has none (counted in the log); spk2gender and utt2lang are written when
    every speaker/utterance has a value; each string ``custom`` field becomes ``utt2<name>``.
    """
    _require_lhotse()
    items = []  # (sup, recording, absolute start)
    if cuts is not None:
        if recordings is not None or supervisions is not None:
            raise ValueError("give either cuts or recordings + supervisions")
        n_empty = 0
        for cut in cuts:
            if not cut.supervisions:
                n_empty += 1
                continue
            if cut.recording is None:
                raise DataError(f"cut {cut.id} has no recording")
            for sup in cut.supervisions:
                items.append((sup, cut.recording, cut.start + sup.start))
        if n_empty:
            logger.warning("lhotse->kaldi: skipped %d cuts without supervisions", n_empty)
    else:
        if recordings is None or supervisions is None:
            raise ValueError("give cuts, or both recordings and supervisions")
        recs = {r.id: r for r in recordings}  # manifests read from files may be lazy: index once
        for sup in supervisions:
            if sup.recording_id not in recs:
                raise DataError(f"supervision refers to recording {sup.recording_id}, which is not in the RecordingSet", utt=sup.id)
            items.append((sup, recs[sup.recording_id], sup.start))

    by_utt: Dict[str, Tuple] = {}
    for sup, rec, start in items:
        if sup.id in by_utt:
            old = by_utt[sup.id]
            if old[1].id != rec.id or abs(old[2] - start) > 1e-3 or abs(old[0].duration - sup.duration) > 1e-3:
                raise DataError("supervision id used for two different segments", utt=sup.id)
            continue
        by_utt[sup.id] = (sup, rec, start)
    if not by_utt:
        raise DataError("no supervisions to write", path=out_dir)

    whole = all(
        rec.id == utt and abs(start) < 1e-6 and abs(sup.duration - rec.duration) < WHOLE_RECORDING_TOLERANCE
        for utt, (sup, rec, start) in by_utt.items()
    )
    wav: Dict[str, str] = {}
    segments: Dict[str, str] = {}
    text: Dict[str, str] = {}
    utt2spk: Dict[str, str] = {}
    utt2dur: Dict[str, str] = {}
    spk_gender: Dict[str, str] = {}
    lang: Dict[str, str] = {}
    labels: Dict[str, Dict[str, str]] = {}
    n_no_spk = 0
    skipped_custom: Dict[str, int] = {}
    for utt, (sup, rec, start) in by_utt.items():
        if any(c.isspace() for c in utt):
            raise DataError("utterance id contains whitespace", utt=utt)
        wav[utt if whole else rec.id] = _wav_entry(rec)
        if not whole:
            segments[utt] = f"{rec.id} {format_seconds(start)} {format_seconds(start + sup.duration)}"
        if sup.text is not None:
            text[utt] = " ".join(sup.text.split())
        spk = sup.speaker
        if not spk:
            spk = utt
            n_no_spk += 1
        utt2spk[utt] = spk
        utt2dur[utt] = format_duration(sup.duration)
        if sup.gender:
            g = _gender(sup.gender, spk)
            if spk_gender.setdefault(spk, g) != g:
                raise DataError(f"speaker {spk} has two genders ({spk_gender[spk]} and {g})", utt=utt)
        if sup.language:
            lang[utt] = sup.language
        for k, v in (sup.custom or {}).items():
            if isinstance(v, (str, int)) and not isinstance(v, bool) and _LABEL_NAME.match(k) and len(str(v).split()) == 1 \
                    and f"utt2{k}" not in _NOT_CUSTOM:
                labels.setdefault(k, {})[utt] = str(v)
            else:
                skipped_custom[k] = skipped_custom.get(k, 0) + 1

    dd = DataDir()
    dd.set_table("wav.scp", wav)
    if segments:
        dd.set_table("segments", segments)
    if text:
        if len(text) < len(by_utt):
            logger.warning("lhotse->kaldi: %d supervisions have no text; text lists only the others", len(by_utt) - len(text))
        dd.set_table("text", text)
    dd.set_table("utt2spk", utt2spk)
    dd.regenerate_spk2utt()
    if write_utt2dur:
        dd.set_table("utt2dur", utt2dur)
    speakers = set(utt2spk.values())
    if spk_gender:
        if set(spk_gender) == speakers:
            dd.set_table("spk2gender", spk_gender)
        else:
            logger.warning("lhotse->kaldi: not writing spk2gender: %d speakers have no gender", len(speakers - set(spk_gender)))
    if lang:
        if len(lang) == len(by_utt):
            dd.set_table("utt2lang", lang)
        else:
            logger.warning("lhotse->kaldi: not writing utt2lang: %d utterances have no language", len(by_utt) - len(lang))
    for k, t in labels.items():
        dd.set_table(f"utt2{k}", t)
    if n_no_spk:
        logger.warning("lhotse->kaldi: %d supervisions have no speaker; their utterance id is used as speaker", n_no_spk)
    for k, n in skipped_custom.items():
        logger.warning("lhotse->kaldi: custom field %r of %d supervisions is not a one-token label; not written", k, n)
    dd.save(out_dir)
    logger.info("lhotse->kaldi: %d utterances, %d speakers, labels [%s] in %s",
                len(utt2spk), len(speakers), ", ".join(sorted(labels)), out_dir)
    return dd


def save_manifests(out_dir: PathLike, recordings=None, supervisions=None, cuts=None) -> Dict[str, Path]:
    """Write manifests as ``recordings.jsonl.gz``, ``supervisions.jsonl.gz``, ``cuts.jsonl.gz``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, obj in (("recordings", recordings), ("supervisions", supervisions), ("cuts", cuts)):
        if obj is not None:
            p = out / f"{name}.jsonl.gz"
            tmp = out / f".{name}.tmp.jsonl.gz"
            obj.to_file(tmp)
            tmp.replace(p)
            written[name] = p
    return written
