"""Accuracy and confusion matrix of utterance-level predictions (e.g. accent).

  nnet_score_aux.py <ref-utt2label> <hyp-utt2label.pred>

<hyp> lines are ``<utt> <label> [<posterior>]`` as nnet_forward.py --aux-dir writes them.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_score_aux.py", __doc__)
    p.add_argument("ref")
    p.add_argument("hyp")
    args = p.parse_args(argv)
    from mtlhybrid.nnet.metrics import classification_report
    from mtlhybrid.utils.io import read_table

    ref = read_table(args.ref)
    hyp = {}
    for utt, rest in read_table(args.hyp).items():
        hyp[utt] = rest.split()[0]
    for utt in ref:
        if len(ref[utt].split()) != 1:
            raise DataError("expected '<utt> <label>'", path=args.ref, utt=utt)
    print(classification_report(ref, hyp).format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
