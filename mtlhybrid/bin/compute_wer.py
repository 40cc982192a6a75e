"""compute-wer: word error rate of hypotheses against references, in Kaldi's output format.

Usage: python -m mtlhybrid.bin.compute_wer [options] <ref-rspecifier> <hyp-rspecifier>
  e.g. python -m mtlhybrid.bin.compute_wer --text --mode=present ark:data/test/text ark,p:hyp.txt

Prints ``%WER``, ``%SER`` and ``Scored N sentences, M not present in hyp.`` on stdout.
Transcripts are text archives (``<utt> <word> ...``) given as paths, ``-``, ``ark[,t,p]:path``
or a command ending in ``|``.
"""

from __future__ import annotations

import json
import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.score.details import write_wer_details
    from mtlhybrid.score.wer import MODES, compute_wer, read_transcripts
    from mtlhybrid.utils.kaldi_io import parse_specifier

    p = make_parser("compute_wer", __doc__)
    p.add_argument("--mode", default="strict", choices=MODES,
                   help="present: score only utterances with a hypothesis; all: absent ones count as empty; "
                        "strict: error if one is absent (default, as Kaldi)")
    p.add_argument("--text", action="store_true", help="accepted for compatibility (transcripts are always text)")
    p.add_argument("--details-dir", default=None, help="also write per_utt and ops into this directory")
    p.add_argument("--json", default=None, help="also write the result (totals and alignments) as JSON here")
    p.add_argument("ref_rspecifier")
    p.add_argument("hyp_rspecifier")
    args = p.parse_args(argv)
    if parse_specifier(args.ref_rspecifier).target == "-" and parse_specifier(args.hyp_rspecifier).target == "-":
        p.error("reference and hypothesis cannot both be read from stdin")
    refs = read_transcripts(args.ref_rspecifier)
    hyps = read_transcripts(args.hyp_rspecifier)
    result = compute_wer(refs, hyps, mode=args.mode)
    sys.stdout.write(result.kaldi_text())
    if args.details_dir:
        write_wer_details(args.details_dir, result)
    if args.json:
        from mtlhybrid.utils.io import atomic_write

        with atomic_write(args.json) as f:
            json.dump(result.to_dict(), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
