"""est-lda: the LDA transform from summed statistics of acc_lda.

Usage: python -m mtlhybrid.bin.est_lda [options] <lda-matrix-out> <lda-acc-1> [<lda-acc-2> ...]
  e.g. python -m mtlhybrid.bin.est_lda --dim 40 --write-full-matrix exp/tri2b/full.mat exp/tri2b/0.mat exp/tri2b/lda.*.acc

Writes a Kaldi binary matrix of --dim rows (Kaldi's default 40).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("est_lda", __doc__)
    p.add_argument("--dim", type=int, default=40, help="rows of the transform (output dimension)")
    p.add_argument("--write-full-matrix", default=None, help="also write the full (square) matrix here")
    p.add_argument("matrix_out")
    p.add_argument("accs", nargs="+")
    args = p.parse_args(argv)

    from mtlhybrid.transform.io import write_matrix
    from mtlhybrid.transform.lda import LdaStats, estimate_lda
    from mtlhybrid.utils.log import get_logger

    log = get_logger("est_lda")
    stats = LdaStats.sum_files(args.accs)
    res = estimate_lda(stats, args.dim)
    log.info("LDA from %.0f frames of %d classes: %d -> %d dims; kept eigenvalues sum %.4g of %.4g",
             stats.total_count, int((stats.counts > 0).sum()), stats.dim, args.dim,
             float(res.eigenvalues[: args.dim].sum()), float(res.eigenvalues.sum()))
    write_matrix(args.matrix_out, res.matrix)
    if args.write_full_matrix:
        write_matrix(args.write_full_matrix, res.full)
    return 0


if __name__ == "__main__":
    sys.exit(main())
