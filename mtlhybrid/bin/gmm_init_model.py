"""gmm-init-model: the first model of a new tree, one Gaussian per pdf from tree statistics.

Usage: python -m mtlhybrid.bin.gmm_init_model [options] <tree-in> <treeacc-in> <topo-in> <model-out>
  e.g. python -m mtlhybrid.bin.gmm_init_model --write-occs exp/tri1/1.occs exp/tri1/tree exp/tri1/treeacc \
         data/lang/topo exp/tri1/1.mdl

The transition model comes from the topology and the tree; its probabilities start as the
topology's. Mix up afterwards with ``gmm_est --mix-up``.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("gmm_init_model", __doc__)
    p.add_argument("--min-variance", type=float, default=1e-3)
    p.add_argument("--write-occs", default=None, help="write per-pdf occupation counts here (text, one per line)")
    p.add_argument("tree")
    p.add_argument("treeacc")
    p.add_argument("topo")
    p.add_argument("model_out")
    args = p.parse_args(argv)

    from mtlhybrid.gmm.init_model import init_gmm_from_tree_stats
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.hmm.transition_model import TransitionModel
    from mtlhybrid.hmm.tree import ContextDependency
    from mtlhybrid.hmm.tree_stats import TreeStats
    from mtlhybrid.utils.io import atomic_write

    tree = ContextDependency.read(args.tree)
    stats = TreeStats.load(args.treeacc)
    tm = TransitionModel(Topology.read(args.topo), tree)
    am, occs = init_gmm_from_tree_stats(tree, stats, min_variance=args.min_variance)
    save_model(args.model_out, tm, am.to_dict())
    if args.write_occs:
        with atomic_write(args.write_occs) as f:
            f.writelines(f"{c:.1f}\n" for c in occs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
