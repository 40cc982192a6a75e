"""Average the weights of several checkpoints of one run (e.g. the last epochs).

  nnet_average.py <in-1.pt> [<in-2.pt> ...] <out.pt>
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_average.py", __doc__)
    p.add_argument("inputs", nargs="+")
    p.add_argument("output")
    args = p.parse_args(argv)
    from mtlhybrid.nnet.checkpoint import average_checkpoints, save_checkpoint

    save_checkpoint(args.output, average_checkpoints(args.inputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
