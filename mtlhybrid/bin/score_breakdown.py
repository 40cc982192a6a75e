"""score_breakdown: WER per speaker, accent or any utterance label, from a per_utt file.

Usage: python -m mtlhybrid.bin.score_breakdown [--header ACCENT] <utt2label> [<per_utt>]
  e.g. python -m mtlhybrid.bin.score_breakdown --header ACCENT data/test/utt2accent \\
         exp/tri1/decode_test/scoring_kaldi/wer_details/per_utt > per_accent

Reads the ``#csid`` lines of a per_utt file (stdin when not given) and prints the table of
Kaldi's wer_per_spk_details.pl grouped by the label file (utt2spk gives per_spk).
Utterances the label file does not mention are grouped under ``<none>`` and counted in the log.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from pathlib import Path

    from mtlhybrid.score.details import format_group_table, group_stats, read_per_utt_csid
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.io import read_table

    p = make_parser("score_breakdown", __doc__)
    p.add_argument("--header", default=None, help="name of the first column (default: from the file name, e.g. ACCENT)")
    p.add_argument("utt2label")
    p.add_argument("per_utt", nargs="?", default="-")
    args = p.parse_args(argv)
    labels = read_table(args.utt2label)
    header = args.header
    if header is None:
        name = Path(args.utt2label).name
        header = "SPEAKER" if name == "utt2spk" else (name[4:].upper() if name.startswith("utt2") else "LABEL")
    if args.per_utt != "-" and not Path(args.per_utt).is_file():
        raise DataError("no such file", path=args.per_utt)
    csid = read_per_utt_csid(args.per_utt)
    sys.stdout.write(format_group_table(group_stats(csid, labels, header.lower()), header, all_labels=labels.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
