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
    pass


    from mtlhybrid.gmm.accumulate import save_accs, sum_accs
    from mtlhybrid.utils.log import get_logger

    p = make_parser("gmm_sum_accs", __doc__)
    p.add_argument("stats_out")
    p.add_argument("stats_in", nargs="+")
    args = p.parse_args(argv)
    accs, counts = sum_accs(args.stats_in)
    get_logger("gmm_sum_accs").info("summed %d files: %g frames, avg like per frame %.6g",
                                    len(args.stats_in), accs.total_frames, accs.avg_log_like())
    if args.stats_out == "-":
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d:
            save_accs(Path(d) / "out.acc", accs, counts)
            sys.stdout.buffer.write((Path(d) / "out.acc").read_bytes())
        sys.stdout.buffer.flush()
    else:
        save_accs(args.stats_out, accs, counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
