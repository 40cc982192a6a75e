"""feat-to-dim: print the feature dimension of an scp (first entry) or one matrix.

Usage: python -m mtlhybrid.bin.feat_to_dim scp:<feats.scp> [-]
       python -m mtlhybrid.bin.feat_to_dim <matrix-rxfilename, e.g. raw.ark:123>
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.utils.kaldi_io import load_matrix, read_scp_matrices

    p = make_parser("feat_to_dim", __doc__)
    p.add_argument("rspecifier")
    p.add_argument("output", nargs="?", default="-", help="'-' (stdout) or a file")
    args = p.parse_args(argv)
    if args.rspecifier.startswith("scp:") or args.rspecifier.startswith("scp,"):
        path = args.rspecifier.split(":", 1)[1]
        if not Path(path).is_file():
            raise DataError("no such file", path=path)
        first = next(iter(read_scp_matrices(path)), None)
        if first is None:
            raise DataError("empty scp: no features to get the dimension of", path=path)
        dim = first[1].shape[1]
    else:
        try:
            dim = load_matrix(args.rspecifier).shape[1]
        except (OSError, ValueError) as e:
            raise DataError(f"cannot read matrix {args.rspecifier!r}: {e}")
    if args.output == "-":
        print(dim)
    else:
        from mtlhybrid.utils.io import atomic_write

        with atomic_write(args.output) as f:
            f.write(f"{dim}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
