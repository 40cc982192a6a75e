"""best_wer: print the best of the ``%WER`` lines read on stdin (utils/best_wer.sh).

Usage: grep WER exp/*/decode*/wer_* | python -m mtlhybrid.bin.best_wer

The best line is printed with its source file at the end:
``%WER 12.34 [ 5 / 40, 1 ins, 2 del, 2 sub ] exp/tri1/decode/wer_10_0.0``.
Nothing is printed when no line holds a WER.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.score.best import best_wer_line

    p = make_parser("best_wer", __doc__)
    p.parse_args(argv)
    best = best_wer_line(sys.stdin)
    if best is not None:
        print(best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
