"""Reading the audio that a ``wav.scp`` entry points at.

A ``wav.scp`` value (Kaldi's *rxfilename*) is either a plain path to a file that
libsndfile reads (WAV, FLAC, OGG, ...) or a shell command ending in ``|`` whose standard
output is a WAV stream (``sox in.mp3 -t wav - |``, ``flac -c -d -s x.flac |``).

Scaling: samples come back as float32 in [-1, 1] (int16 PCM divided by 32768), the
shared convention of this toolkit and of lhotse. Kaldi's own wave reader keeps the
integer range instead; :mod:`mtlhybrid.features.compute` multiplies by 32768 before
computing features, so that our fbank/MFCC values equal Kaldi's ``compute-fbank-feats``
on the same file (energy floors and dither are defined in that range).

Every failure is a :class:`~mtlhybrid.utils.errors.DataError` that names the utterance
(when the caller passes ``utt``) and the file or command at fault.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import numpy as np

from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)

#: Kaldi's int16 sample range; features are computed on samples scaled by this.
INT16_SCALE = 32768.0


def is_pipe(rxfilename: str) -> bool:
    """True for ``cmd |`` entries (Kaldi's piped rxfilenames)."""
    return rxfilename.rstrip().endswith("|")


def _run_pipe(rxfilename: str, utt: Optional[str]) -> bytes:
    cmd = rxfilename.rstrip()[:-1].strip()
    res = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd}"], capture_output=True)
    if res.returncode != 0:
        err = res.stderr.decode("utf-8", "replace").strip()
        raise DataError(f"command failed (exit {res.returncode}): {cmd!r}: {err[-500:]}", utt=utt)
    if not res.stdout:
        err = res.stderr.decode("utf-8", "replace").strip()
        raise DataError(f"command wrote no audio: {cmd!r}" + (f": {err[-500:]}" if err else ""), utt=utt)
    return res.stdout


def _decode(source, what: str, utt: Optional[str], channel: int) -> Tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        data, rate = sf.read(source, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        raise DataError(f"cannot read audio {what}: {e}", utt=utt)
    if channel >= data.shape[1]:
        raise DataError(f"{what} has {data.shape[1]} channels, channel {channel} requested", utt=utt)
    if data.shape[1] > 1:
        if channel < 0:  # Kaldi's compute-*-feats warns and takes channel 0
            logger.warning("%s%s has %d channels but no --channel was given: using channel 0",
                           f"utterance {utt}: " if utt else "", what, data.shape[1])
    samples = np.ascontiguousarray(data[:, max(channel, 0)])
    return samples, int(rate)


def resample(samples: np.ndarray, orig_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling (scipy's ``resample_poly``) to ``target_rate``.

    Kaldi resamples with its own windowed-sinc ``LinearResample``; values of features
    computed on resampled audio therefore differ slightly from Kaldi's (well below the
    differences between microphones), while audio at the configured rate matches exactly.
    """
    if orig_rate == target_rate:
        return samples
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(orig_rate), int(target_rate))
    out = resample_poly(samples.astype(np.float64), int(target_rate) // g, int(orig_rate) // g)
    return out.astype(np.float32)


def read_audio(
    rxfilename: str,
    target_rate: Optional[int] = None,
    utt: Optional[str] = None,
    channel: int = -1,
) -> Tuple[np.ndarray, int]:
    """Read one ``wav.scp`` value: returns ``(float32 samples in [-1, 1], sample_rate)``.

    ``target_rate`` resamples when the file's rate differs (the returned rate is then
    ``target_rate``). ``channel`` -1 expects mono and takes channel 0 of multi-channel
    audio, as Kaldi's ``--channel=-1``. Empty audio, unreadable files and failing pipes
    raise :class:`DataError` naming ``utt``.
    """
    rx = rxfilename.strip()
    if not rx:
        raise DataError("empty wav.scp entry", utt=utt)
    if is_pipe(rx):
        raw = _run_pipe(rx, utt)
        samples, rate = _decode(io.BytesIO(raw), f"from command {rx!r}", utt, channel)
    else:
        path = Path(rx)
        if not path.is_file():
            raise DataError(f"no such audio file {rx}", utt=utt)
        samples, rate = _decode(str(path), rx, utt, channel)
    if samples.size == 0:
        raise DataError(f"zero-length audio in {rx}", utt=utt)
    if target_rate is not None and int(target_rate) != rate:
        samples = resample(samples, rate, int(target_rate))
        rate = int(target_rate)
    return samples, rate


def read_segment(
    recording: np.ndarray,
    sample_rate: int,
    start: float,
    end: float,
    utt: Optional[str] = None,
) -> np.ndarray:
    """Cut ``[start, end)`` seconds out of a recording, as Kaldi's ``extract-segments``.

    ``end`` of -1 (or <= 0) means the end of the recording. An end slightly past the
    recording (up to 0.1 s, as Kaldi tolerates for rounding in segment files) is
    truncated; anything further, or a start past the end, is an error.
    """
    n = recording.shape[0]
    dur = n / float(sample_rate)
    if start < 0:
        raise DataError(f"segment start {start} is negative", utt=utt)
    if end <= 0:
        end = dur
    if end <= start:
        raise DataError(f"segment end {end} is not after its start {start}", utt=utt)
    if start >= dur:
        raise DataError(f"segment starts at {start}s, after the recording's end ({dur:.3f}s)", utt=utt)
    if end > dur + 0.1:
        raise DataError(f"segment ends at {end}s, past the recording's end ({dur:.3f}s)", utt=utt)
    first = int(start * sample_rate + 0.5)
    last = min(int(end * sample_rate + 0.5), n)
    out = recording[first:last]
    if out.size == 0:
        raise DataError(f"zero-length segment [{start}, {end}]", utt=utt)
    return out


@dataclasses.dataclass(frozen=True)
class Segment:
    """One line of a ``segments`` file: ``<utt> <recording> <start> <end>``."""

    utt: str
    recording: str
    start: float
    end: float

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, object]) -> "Segment":
        return Segment(str(d["utt"]), str(d["recording"]), float(d["start"]), float(d["end"]))  # type: ignore[arg-type]


def read_segments_file(path) -> Iterator[Tuple[int, Segment]]:
    """Yield ``(line_number, Segment)``; malformed lines raise DataError naming the line."""
    from mtlhybrid.utils.io import iter_lines

    for lineno, line in iter_lines(path):
        f = line.split()
        if len(f) != 4:
            raise DataError(f"expected '<utt> <recording> <start> <end>', got {line!r}", path=path, line=lineno)
        try:
            seg = Segment(f[0], f[1], float(f[2]), float(f[3]))
        except ValueError:
            raise DataError(f"start/end are not numbers: {line!r}", path=path, line=lineno, utt=f[0])
        yield lineno, seg


def audio_duration(rxfilename: str, utt: Optional[str] = None) -> float:
    """Duration in seconds from the file header (plain paths) or by reading a pipe's output."""
    rx = rxfilename.strip()
    if not is_pipe(rx):
        import soundfile as sf

        if not Path(rx).is_file():
            raise DataError(f"no such audio file {rx}", utt=utt)
        try:
            info = sf.info(rx)
        except (sf.LibsndfileError, RuntimeError) as e:
            raise DataError(f"cannot read audio header of {rx}: {e}", utt=utt)
        if info.frames > 0:
            return info.frames / float(info.samplerate)
    samples, rate = read_audio(rx, utt=utt)
    return samples.shape[0] / float(rate)
