"""est-mllt: the MLLT matrix from summed statistics of gmm_acc_mllt.

Usage: python -m mtlhybrid.bin.est_mllt [options] <matrix-out> <macc-1> [<macc-2> ...]
  e.g. python -m mtlhybrid.bin.est_mllt exp/tri2b/2.mat.new exp/tri2b/2.*.macc
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("est_mllt", __doc__)
    p.add_argument("--num-iters", type=int, default=10, help="passes of row-by-row updates")
    p.add_argument("matrix_out")
    p.add_argument("accs", nargs="+")
    args = p.parse_args(argv)

    from mtlhybrid.transform.io import write_matrix
    from mtlhybrid.transform.mllt import MlltStats, estimate_mllt
    from mtlhybrid.utils.log import get_logger

    log = get_logger("est_mllt")
    stats = MlltStats.sum_files(args.accs)
    A, before, after = estimate_mllt(stats, args.num_iters)
    log.info("overall objective function improvement for MLLT is %.6g per frame over %.0f frames",
             (after - before) / stats.beta, stats.beta)
    write_matrix(args.matrix_out, A)
    return 0


if __name__ == "__main__":
    sys.exit(main())
