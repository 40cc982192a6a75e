"""Print a context-dependency tree for people (Kaldi's draw-tree).

  draw_tree [--dot] <phones.txt> <tree>

Indented text by default; --dot prints GraphViz (``| dot -Tpdf > tree.pdf``)."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("draw_tree", __doc__)
    p.add_argument("--dot", action="store_true", help="GraphViz output instead of text")
    p.add_argument("phones_txt")
    p.add_argument("tree")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.tree import ContextDependency
    from mtlhybrid.utils.io import read_symbol_table

    names = {i: s for s, i in read_symbol_table(a.phones_txt).items()}
    tree = ContextDependency.read(a.tree)
    sys.stdout.write(tree.to_dot(names) if a.dot else tree.to_text(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
