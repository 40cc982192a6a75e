"""get_utt2dur: write <data>/utt2dur (utils/data/get_utt2dur.sh).

Usage: python -m mtlhybrid.bin.get_utt2dur [--frame-shift 0.01] <data-dir>

Durations come, in Kaldi's order of preference, from ``segments`` (end - start; an end
of -1 means the recording's end), from ``utt2num_frames`` and ``frame_shift``
((frames + 1.5) * shift, as Kaldi), or from the audio of ``wav.scp`` (file headers;
piped commands are run and their output measured). An existing utt2dur with one line
per utterance of utt2spk is kept. An unreadable recording is an error naming it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger, progress

log = get_logger("get_utt2dur")


def compute_utt2dur(data: Path, frame_shift: float = 0.01) -> Dict[str, float]:
    """utt -> duration in seconds, from segments, utt2num_frames or wav.scp (see module doc)."""
    from mtlhybrid.data.audio import audio_duration, read_segments_file
    from mtlhybrid.features.extract import read_wav_scp
    from mtlhybrid.utils.io import read_table

    out: Dict[str, float] = {}
    if (data / "segments").is_file() and (data / "segments").stat().st_size > 0:
        log.info("working out %s/utt2dur from %s/segments", data, data)
        rec_dur: Dict[str, float] = {}
        wavs = {k: rx for _, k, rx in read_wav_scp(data / "wav.scp")} if (data / "wav.scp").is_file() else {}
        for _, seg in read_segments_file(data / "segments"):
            end = seg.end
            if end <= 0:
                if seg.recording not in wavs:
                    raise DataError(f"segment ends at -1 and recording {seg.recording} is not in wav.scp", utt=seg.utt)
                if seg.recording not in rec_dur:
                    rec_dur[seg.recording] = audio_duration(wavs[seg.recording], utt=seg.utt)
                end = rec_dur[seg.recording]
            out[seg.utt] = end - seg.start
        return out
    if (data / "frame_shift").is_file() and (data / "utt2num_frames").is_file():
        shift = float((data / "frame_shift").read_text().split()[0])
        log.info("computing utt2dur from frame_shift %g and utt2num_frames", shift)
        for utt, n in read_table(data / "utt2num_frames").items():
            out[utt] = (int(n) + 1.5) * shift
        return out
    if (data / "wav.scp").is_file():
        log.info("no segments file: getting durations from the audio of wav.scp")
        for _, utt, rx in progress(read_wav_scp(data / "wav.scp"), desc="durations"):
            out[utt] = audio_duration(rx, utt=utt)
        return out
    if (data / "feats.scp").is_file():
        from mtlhybrid.utils.kaldi_io import read_scp_matrices

        log.info("no wav.scp: durations from feats.scp with frame shift %g", frame_shift)
        for utt, m in read_scp_matrices(data / "feats.scp"):
            out[utt] = m.shape[0] * frame_shift
        return out
    raise DataError("no segments, wav.scp or feats.scp to get durations from", path=data)


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.features.extract import format_float
    from mtlhybrid.utils.io import atomic_write, read_table

    p = make_parser("get_utt2dur", __doc__)
    p.add_argument("--frame-shift", type=float, default=0.01, help="seconds; only used with feats.scp")
    p.add_argument("data_dir")
    args = p.parse_args(argv)
    data = Path(args.data_dir)
    target = data / "utt2dur"
    if target.is_file() and target.stat().st_size > 0 and (data / "utt2spk").is_file():
        if len(read_table(target)) == len(read_table(data / "utt2spk")):
            log.info("%s already exists with the expected length: not recomputing it", target)
            return 0
    durs = compute_utt2dur(data, args.frame_shift)
    with atomic_write(target) as f:
        for utt, d in durs.items():
            f.write(f"{utt} {format_float(d)}\n")
    log.info("wrote %s (%d utterances)", target, len(durs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
