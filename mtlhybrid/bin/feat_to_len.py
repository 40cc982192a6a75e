"""feat-to-len: number of frames of each utterance (utt2num_frames) or of one matrix.

Usage: python -m mtlhybrid.bin.feat_to_len scp:<feats.scp> ark,t:<out|->
       python -m mtlhybrid.bin.feat_to_len <matrix-rxfilename>
The table may also be ``ark:<feats.ark>`` or a plain name ending in ``.scp``; matrices
are read one at a time.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.utils.kaldi_io import load_matrix, read_matrices_rspecifier, write_text_wspecifier

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
    write_text_wspecifier(args.wspecifier, (f"{utt} {m.shape[0]}" for utt, m in read_matrices_rspecifier(args.rspecifier)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
