"""mkgraph: build HCLG.fst and the graph dir (the work of Kaldi's utils/mkgraph.sh)."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None):
    p = make_parser("mkgraph", "Build <graph-dir>/HCLG.fst from <lang-dir> (with G.fst) and <model-dir>/{final.mdl,tree}.\n"
                    "Usage: mkgraph [options] <lang-dir> <model-dir> <graph-dir>")
    p.add_argument("--transition-scale", type=float, default=1.0)
    p.add_argument("--self-loop-scale", type=float, default=0.1)
    p.add_argument("--model", default="final.mdl", help="model file name inside <model-dir>")
    p.add_argument("lang_dir")
    p.add_argument("model_dir")
    p.add_argument("graph_dir")
    a = p.parse_args(argv)
    from mtlhybrid.graph.mkgraph import mkgraph

    mkgraph(a.lang_dir, a.model_dir, a.graph_dir, a.transition_scale, a.self_loop_scale, a.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
