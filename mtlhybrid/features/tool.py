"""The command line of compute-fbank-feats and compute-mfcc-feats, written once for both.

The two Kaldi binaries differ only in the feature kind; their entry points in
``mtlhybrid/bin/`` each call :func:`make_main` with theirs.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser
from mtlhybrid.utils.errors import DataError

USAGE = """compute-fbank-feats: log mel filterbank features of a wav.scp into an ark/scp pair.

Usage: python -m mtlhybrid.bin.compute_fbank_feats [--config=conf/fbank.conf] [--num-mel-bins=40 ...]
           [--segments=segments] [--write-num-frames=ark,t:utt2num_frames] [--write-utt2dur=ark,t:utt2dur]
           <wav-rspecifier> ark,scp:<feats.ark>,<feats.scp>

Feature options are Kaldi's (--sample-frequency, --frame-shift, --dither, ...), given in a
--config file or on the command line (later wins). Utterances that cannot be processed
are skipped and logged; the exit status is 1 only when none succeeded, as in Kaldi.
"""


def wav_scp_path(rspecifier: str) -> str:
    """``scp:file``, ``scp,p:file`` or a plain file name -> the wav.scp to read."""
    from mtlhybrid.utils.kaldi_io import parse_specifier

    s = parse_specifier(rspecifier)
    if s.kinds and not s.is_script:
        raise DataError(f"unsupported rspecifier {rspecifier!r}: expected scp:<wav.scp>")
    return s.target


def make_main(kind: str):
    """The ``main(argv)`` of ``compute_<kind>_feats`` (kind: fbank or mfcc)."""

    def main(argv: Optional[List[str]] = None) -> int:
        from mtlhybrid.features.config import load_feature_config
        from mtlhybrid.features.extract import extract_features, write_text_table
        from mtlhybrid.utils.kaldi_io import ark_scp_paths

        p = make_parser(f"compute_{kind}_feats", USAGE.replace("fbank", kind))
        p.allow_abbrev = False
        p.add_argument("--config", help="Kaldi-style config file of --name=value lines")
        p.add_argument("--segments", help="segments file: extract these utterances from the recordings of wav.scp")
        p.add_argument("--write-num-frames", help="write utt2num_frames (ark,t:<file>)")
        p.add_argument("--write-utt2dur", help="write utt2dur (ark,t:<file>)")
        p.add_argument("wav_rspecifier")
        p.add_argument("feats_wspecifier")
        args, rest = p.parse_known_args(argv)
        bad = [r for r in rest if not r.startswith("--")]
        if bad:
            p.error(f"unexpected arguments {bad} (feature options must be --name=value)")
        cfg = load_feature_config(kind, args.config, rest)
        wav_scp = wav_scp_path(args.wav_rspecifier)
        if not Path(wav_scp).is_file():
            raise DataError("no such file", path=wav_scp)
        ark, scp = ark_scp_paths(args.feats_wspecifier)
        report = extract_features(wav_scp, ark, scp, cfg, segments=args.segments)
        if args.write_num_frames:
            write_text_table(args.write_num_frames, report.num_frames)
        if args.write_utt2dur:
            write_text_table(args.write_utt2dur, report.durations)
        return 0 if report.num_done > 0 else 1

    main.__module__ = f"mtlhybrid.bin.compute_{kind}_feats"  # names the tool in error messages
    return main
