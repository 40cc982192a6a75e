"""gmm-sum-accs: add up accumulator files of several jobs.

Usage: python -m mtlhybrid.bin.gmm_sum_accs <stats-out> <stats-in1> [<stats-in2> ...]
  e.g. python -m mtlhybrid.bin.gmm_sum_accs exp/mono/1.acc exp/mono/1.*.acc
<stats-out> may be '-' (stdout, for "gmm_sum_accs - 1.acc 2.acc |" inputs).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.gmm.acc_file import sum_acc_files, write_acc_file
    from mtlhybrid.utils.log import get_logger

    p = make_parser("gmm_sum_accs", __doc__)
    p.add_argument("stats_out")
    p.add_argument("stats_in", nargs="+")
    args = p.parse_args(argv)
    d = sum_acc_files(args.stats_in)
    frames = d["total_frames"]
    get_logger("gmm_sum_accs").info("summed %d files: %g frames, avg like per frame %.6g", len(args.stats_in), frames,
                                    d["total_log_like"] / frames if frames > 0 else float("nan"))
    write_acc_file(args.stats_out, d["occ"], d["mean_acc"], d["var_acc"], d["total_log_like"], frames,
                   d["transition_counts"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
