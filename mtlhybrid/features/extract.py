"""One feature-extraction job: a (split) ``wav.scp``, optionally ``segments``, to ark/scp.

This is the body of ``compute-fbank-feats`` / ``compute-mfcc-feats`` as
``steps/make_fbank.sh`` runs them, one job per split. Kaldi reads the wav list with
``scp,p:`` (permissive) and skips utterances it cannot process with a warning; so do we:
every failing utterance is logged by id with the reason, the job logs ``Done N out of M
utterances`` and fails only when none succeeded (Kaldi's exit status). The step script
then compares the number of features with the number of utterances.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from mtlhybrid.data.audio import read_audio, read_segment, read_segments_file
from mtlhybrid.features.compute import compute_features
from mtlhybrid.features.config import FeatureConfig
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines
from mtlhybrid.utils.kaldi_io import write_matrices_ark_scp
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)
PathLike = Union[str, Path]


@dataclasses.dataclass
class ExtractionReport:
    """What one job did: counts and the failed utterances with their reasons."""

    num_utts: int = 0
    num_done: int = 0
    failed: Dict[str, str] = dataclasses.field(default_factory=dict)
    num_frames: Dict[str, int] = dataclasses.field(default_factory=dict)
    durations: Dict[str, float] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "ExtractionReport":
        return ExtractionReport(**d)  # type: ignore[arg-type]


def read_wav_scp(path: PathLike) -> List[Tuple[int, str, str]]:
    """``(line, key, rxfilename)`` of a wav.scp; a line without a value names its line."""
    out = []
    for lineno, line in iter_lines(path):
        fields = line.strip().split(maxsplit=1)
        if not fields:
            raise DataError("empty line", path=path, line=lineno)
        if len(fields) != 2:
            raise DataError(f"expected '<id> <path-or-command |>', got {line!r}", path=path, line=lineno)
        out.append((lineno, fields[0], fields[1]))
    return out


def iter_waveforms(
    wav_scp: PathLike,
    segments: Optional[PathLike],
    report: ExtractionReport,
    channel: int = -1,
) -> Iterator[Tuple[str, Optional[np.ndarray], int, Optional[str]]]:
    """Yield ``(utt, samples, rate, error)``: samples None and the reason when unreadable.

    ``channel`` is Kaldi's ``--channel`` (-1: mono expected; channel 0 of multi-channel
    audio, with a warning).

    With ``segments``, each recording is read once for all its consecutive segments
    (split_scp keeps a recording's segments together when segments are sorted).
    """
    entries = read_wav_scp(wav_scp)
    if segments is None:
        for _, utt, rx in entries:
            try:
                x, rate = read_audio(rx, utt=utt, channel=channel)
                yield utt, x, rate, None
            except DataError as e:
                yield utt, None, 0, str(e)
        return
    recordings = {key: rx for _, key, rx in entries}
    cached: Tuple[Optional[str], Optional[np.ndarray], int, Optional[str]] = (None, None, 0, None)
    for _, seg in read_segments_file(segments):
        if seg.recording not in recordings:
            yield seg.utt, None, 0, f"utterance {seg.utt}: recording {seg.recording} is not in {wav_scp}"
            continue
        if cached[0] != seg.recording:
            try:
                x, rate = read_audio(recordings[seg.recording], utt=seg.utt, channel=channel)
                cached = (seg.recording, x, rate, None)
            except DataError as e:
                cached = (seg.recording, None, 0, f"recording {seg.recording}: {e.reason}")
        if cached[1] is None:
            yield seg.utt, None, 0, f"utterance {seg.utt}: {cached[3]}"
            continue
        try:
            yield seg.utt, read_segment(cached[1], cached[2], seg.start, seg.end, utt=seg.utt), cached[2], None
        except DataError as e:
            yield seg.utt, None, 0, str(e)


def extract_features(
    wav_scp: PathLike,
    ark: PathLike,
    scp: PathLike,
    config: FeatureConfig,
    segments: Optional[PathLike] = None,
) -> ExtractionReport:
    """Compute features for every utterance of ``wav_scp`` (or ``segments``) into ark/scp.

    Utterances that fail are skipped, logged by id and counted in the returned report.
    """
    report = ExtractionReport()

    def items() -> Iterator[Tuple[str, np.ndarray]]:
        for utt, x, rate, err in iter_waveforms(wav_scp, segments, report, config.channel):
            report.num_utts += 1
            if x is None:
                report.failed[utt] = err or "unreadable"
                log.warning("skipping %s", err)
                continue
            dur = x.shape[0] / float(rate)
            if dur < config.min_duration:
                report.failed[utt] = f"too short ({dur:.3f} s < --min-duration={config.min_duration:g})"
                log.warning("utterance %s is too short (%.3f s): producing no output", utt, dur)
                continue
            try:
                feats = compute_features(x, rate, config, utt=utt)
            except DataError as e:
                report.failed[utt] = str(e)
                log.warning("failed to compute features: %s", e)
                continue
            report.num_done += 1
            report.num_frames[utt] = int(feats.shape[0])
            report.durations[utt] = dur
            if report.num_utts % 100 == 0:
                log.info("processed %d utterances", report.num_utts)
            yield utt, feats

    write_matrices_ark_scp(ark, scp, items())
    log.info("Done %d out of %d utterances.", report.num_done, report.num_utts)
    if report.failed:
        ids = list(report.failed)
        shown = " ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
        log.warning("%d utterance(s) not processed: %s", len(ids), shown)
    return report


def write_text_table(wspecifier: str, values: Dict[str, object]) -> None:
    """Write ``key value`` lines (``ark,t:<file>`` or a file name) in the job's order (the split is already sorted)."""
    from mtlhybrid.utils.kaldi_io import write_text_wspecifier

    write_text_wspecifier(wspecifier, (f"{k} {format_float(v) if isinstance(v, float) else v}" for k, v in values.items()))


def format_float(v: float) -> str:
    """Kaldi's text form of a float: up to 7 significant digits, no trailing zeros."""
    return f"{v:.7g}"
