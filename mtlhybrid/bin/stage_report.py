"""stage_report: per recipe stage, its wall time and the CPU time and peak memory of its jobs.

Usage: python -m mtlhybrid.bin.stage_report [--json FILE] <exp-dir>
 e.g.: python -m mtlhybrid.bin.stage_report exp

Stages come from <exp-dir>/stage_times.txt (written by the recipe's run.sh), jobs from
the run.pl logs under <exp-dir> (their "# Accounting: ... cpu=<s> max_rss_kb=<kB>" line);
a job belongs to the stage during which it started ("-": after the last recorded stage,
e.g. one still running). Prints a Markdown table.
"""

from __future__ import annotations

import json
import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.jobs.stage_report import format_report, stage_report
    from mtlhybrid.utils.io import atomic_write

    p = make_parser("stage_report", __doc__)
    p.add_argument("exp_dir")
    p.add_argument("--json", help="also write the report as JSON here")
    args = p.parse_args(argv)
    stages = stage_report(args.exp_dir)
    print(format_report(stages))
    if args.json:
        with atomic_write(args.json) as f:
            json.dump([s.to_dict() for s in stages], f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
