"""Check a Kaldi data directory (utils/validate_data_dir.sh); exit 1 naming the first problem."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("validate_data_dir", __doc__ + "\n\nThe --no-xxx options allow xxx to be absent; it is still checked if present.")
    p.add_argument("--no-feats", action="store_true", help="feats.scp may be absent")
    p.add_argument("--no-text", action="store_true", help="text may be absent")
    p.add_argument("--no-wav", action="store_true", help="wav.scp may be absent")
    p.add_argument("--no-spk-sort", action="store_true", help="do not require utt2spk to be sorted by speaker too")
    p.add_argument("--non-print", action="store_true", help="allow non-printable characters in text")
    p.add_argument("--no-check-audio", action="store_true", help="do not check that plain-path audio files exist")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    from mtlhybrid.data.validate import validate_data_dir

    rep = validate_data_dir(a.data_dir, no_feats=a.no_feats, no_text=a.no_text, no_wav=a.no_wav,
                            no_spk_sort=a.no_spk_sort, non_print=a.non_print, check_audio=not a.no_check_audio)
    labels = ", ".join(f"{k} ({n} utts)" for k, n in rep.labels.items())
    print(f"validate_data_dir: {rep.num_utts} utterances, {rep.num_speakers} speakers"
          + (f", labels: {labels}" if labels else ""))
    print(f"validate_data_dir: Successfully validated data-directory {a.data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
