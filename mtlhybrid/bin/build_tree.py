"""Build a context-dependency tree from tree statistics (Kaldi's build-tree).

  build_tree [options] <treeacc> <roots.int> <questions.qst> <topo> <tree-out>

Splits greedily to --max-leaves leaves (0: no bound) while a split gains more than
--thresh, then ties leaves whose merge loses less than --cluster-thresh (-1: the smallest
split gain; 0: no tying). Names and defaults are Kaldi's build-tree's. --min-count is
this toolkit's own (Kaldi has no frame floor on a split; 0, the default, is Kaldi's
behaviour): the least frames each side of a split must keep, as HTK's occupancy threshold."""

from __future__ import annotations

import json
import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("build_tree")


@tool_main
def main(argv=None) -> int:
    p = make_parser("build_tree", __doc__)
    p.add_argument("--max-leaves", type=int, default=0, help="leaves after splitting (upper bound on pdfs; 0: no bound)")
    p.add_argument("--thresh", type=float, default=300.0, help="least log-likelihood gain of a split")
    p.add_argument("--min-count", type=float, default=0.0, help="least frames on each side of a split (not in Kaldi; 0: none)")
    p.add_argument("--cluster-thresh", type=float, default=-1.0, help="-1: smallest split gain; 0: no clustering")
    p.add_argument("--var-floor", type=float, default=0.01)
    p.add_argument("--log-json", default=None, help="also write the split/cluster log as JSON here")
    p.add_argument("treeacc")
    p.add_argument("roots")
    p.add_argument("questions")
    p.add_argument("topo")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.build_tree import build_tree
    from mtlhybrid.hmm.questions import Questions
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.hmm.tree_stats import TreeStats
    from mtlhybrid.lang.lang_dir import read_roots
    from mtlhybrid.utils.io import atomic_write

    stats = TreeStats.load(a.treeacc)
    tree, blog = build_tree(
        stats, Questions.read(a.questions), read_roots(a.roots), a.max_leaves,
        min_count=a.min_count, cluster_thresh=a.cluster_thresh, thresh=a.thresh,
        topo=Topology.read(a.topo), var_floor=a.var_floor,
    )
    tree.write(a.out)
    if a.log_json:
        with atomic_write(a.log_json) as f:
            json.dump(blog.to_dict(), f, indent=1)
    log.info("wrote tree with %d pdfs to %s", tree.num_pdfs, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
