"""score_kaldi_wer: WER files, best WER and wer_details for a decode dir (second half of score_kaldi.sh).

Usage: python -m mtlhybrid.bin.score_kaldi_wer [options] <data-dir> <decode-dir>

Expects the 1-best texts ``<decode-dir>/scoring_kaldi/penalty_<wip>/<lmwt>.txt`` (written by
the lattice best-path step) and writes ``<decode-dir>/wer_<lmwt>_<wip>``,
``scoring_kaldi/best_wer`` and ``scoring_kaldi/wer_details/{lmwt,wip,per_utt,ops,per_spk,per_<label>}``.
The reference is ``scoring_kaldi/test_filt.txt`` if present, else ``<data-dir>/text``.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.score.kaldi_scoring import score_decode_dir
    from mtlhybrid.score.wer import MODES

    p = make_parser("score_kaldi_wer", __doc__)
    p.add_argument("--labels", default="auto",
                   help="comma-separated utt2<name> labels to break the WER down by (e.g. accent,gender); "
                        "'auto': every utt2<name> label file of the data dir; 'none': no breakdown")
    p.add_argument("--mode", default="present", choices=MODES)
    p.add_argument("--stats", default="true", choices=["true", "false"], help="write wer_details (default true)")
    p.add_argument("data_dir")
    p.add_argument("decode_dir")
    args = p.parse_args(argv)
    names = None if args.labels == "auto" else ([] if args.labels in ("", "none") else args.labels.split(","))
    summary = score_decode_dir(args.data_dir, args.decode_dir, label_names=names, mode=args.mode,
                               stats=args.stats == "true")
    print(summary.best_line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
