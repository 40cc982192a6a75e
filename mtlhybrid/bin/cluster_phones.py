"""Find phone-set questions by clustering phones on tree statistics (Kaldi's cluster-phones).

  cluster_phones [--pdf-class-list 1] <treeacc> <phone-sets.int> <questions.int-out>

One question per line (phone ids), the most general first."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("cluster_phones")


@tool_main
def main(argv=None) -> int:
    p = make_parser("cluster_phones", __doc__)
    p.add_argument("--pdf-class-list", default="1", help="colon-separated pdf classes whose stats are used (default 1)")
    p.add_argument("treeacc")
    p.add_argument("phone_sets")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.questions import cluster_phones, read_int_sets, write_int_sets
    from mtlhybrid.hmm.tree_stats import TreeStats
    from mtlhybrid.utils.io import parse_csl

    stats = TreeStats.load(a.treeacc)
    qs = cluster_phones(stats, read_int_sets(a.phone_sets), parse_csl(a.pdf_class_list))
    write_int_sets(a.out, qs)
    log.info("wrote %d questions", len(qs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
