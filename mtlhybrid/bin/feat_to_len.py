"""feat-to-len: number of frames of each utterance (utt2num_frames) or of one matrix.

Usage: python -m mtlhybrid.bin.feat_to_len scp:<feats.scp> ark,t:<out|->
       python -m mtlhybrid.bin.feat_to_len <matrix-rxfilename>
Reads only the matrix headers' shapes through kaldiio (lazily, one at a time).
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

    p = make_parser("feat_to_len", __doc__)
    p.add_argument("rspecifier")
    p.add_argument("wspecifier", nargs="?")
    args = p.parse_args(argv)
    if args.wspecifier is None:
        try:
            print(load_matrix(args.rspecifier).shape[0])
        except (OSError, ValueError) as e:
            raise DataError(f"cannot read matrix {args.rspecifier!r}: {e}")
        return 0
    path = args.rspecifier.split(":", 1)[1] if ":" in args.rspecifier else args.rspecifier
    if not Path(path).is_file():
        raise DataError("no such file", path=path)
    lines = [f"{utt} {m.shape[0]}\n" for utt, m in read_scp_matrices(path)]
    out = args.wspecifier.split(":", 1)[1] if ":" in args.wspecifier else args.wspecifier
    if out == "-":
        sys.stdout.writelines(lines)
    else:
        from mtlhybrid.utils.io import atomic_write

        with atomic_write(out) as f:
            f.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
