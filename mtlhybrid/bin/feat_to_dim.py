"""feat-to-dim: print the feature dimension of an scp (first entry) or one matrix.

Usage: python -m mtlhybrid.bin.feat_to_dim scp:<feats.scp> [-]
       python -m mtlhybrid.bin.feat_to_dim <feats.scp> [-]      (a plain name ending in .scp)
       python -m mtlhybrid.bin.feat_to_dim ark:<feats.ark> [-]
       python -m mtlhybrid.bin.feat_to_dim <matrix-rxfilename, e.g. raw.ark:123>
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.utils.kaldi_io import load_matrix, parse_specifier, read_matrices_rspecifier, write_text_wspecifier

    p = make_parser("feat_to_dim", __doc__)
    p.add_argument("rspecifier")
    p.add_argument("output", nargs="?", default="-", help="'-' (stdout) or a file")
    args = p.parse_args(argv)
    spec = parse_specifier(args.rspecifier)
    if spec.kinds or spec.target.strip().endswith(".scp"):
        # a table (scp:, ark:, or a plain name of an scp): the first matrix has the dimension
        first = next(iter(read_matrices_rspecifier(args.rspecifier)), None)
        if first is None:
            raise DataError("no features to get the dimension of (empty table)", path=spec.target)
        dim = first[1].shape[1]
    else:
        try:
            dim = load_matrix(args.rspecifier).shape[1]
        except (OSError, ValueError, EOFError) as e:
            raise DataError(f"cannot read matrix {args.rspecifier!r}: {e}")
    write_text_wspecifier(args.output, [str(dim)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
