"""Check a network experiment dir (and optionally a graph dir) before decoding with them.

  nnet_check_dir.py <nnet-dir> [<graph-dir>]

Verifies that <nnet-dir> holds final.pt, final.mdl, tree, phones.txt and
ali_train_pdf.counts, that final.pt was trained for that tree and phones.txt, and that
<graph-dir> (phones.txt, num_pdfs) was built from the same lang and tree. A mismatch is
an error naming both sides.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_check_dir.py", __doc__)
    p.add_argument("nnet_dir")
    p.add_argument("graph_dir", nargs="?")
    args = p.parse_args(argv)
    from mtlhybrid.hybrid.model_dir import ModelDir

    md = ModelDir(args.nnet_dir)
    md.check()
    if args.graph_dir:
        md.check_graph(args.graph_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
