"""Add up tree statistics from several jobs (Kaldi's sum-tree-stats).

  sum_tree_stats <treeacc-out> <treeacc-in> [<treeacc-in> ...]"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("sum_tree_stats")


@tool_main
def main(argv=None) -> int:
    p = make_parser("sum_tree_stats", __doc__)
    p.add_argument("out")
    p.add_argument("inputs", nargs="+")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.tree_stats import TreeStats

    total = TreeStats.sum_files(a.inputs)
    total.save(a.out)
    log.info("summed %d files: %d events, %d utterances, %d frames", len(a.inputs), len(total), total.num_utts, total.num_frames)
    return 0


if __name__ == "__main__":
    sys.exit(main())
