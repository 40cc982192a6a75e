"""align_compiled_mapped: forced alignment from score matrices and precompiled training graphs.

Usage: align_compiled_mapped [options] <model-in> <graphs-rspecifier> <loglikes-rspecifier> <alignments-wspecifier>
  e.g. gmm_compute_likes ... exp/mono/5.mdl data/train/split4/1 ark:- | \\
       align_compiled_mapped --beam 10 exp/mono/5.mdl ark:exp/mono/fsts.1.gz ark:- ark:exp/mono/ali.1.gz

Kaldi's align-compiled-mapped (as gmm-align-compiled): the graphs come from
compile_train_graphs, built once per system instead of at every realignment; the model
supplies the transition probabilities (scaled by --transition-scale and
--self-loop-scale). Counting, logging and failing are those of align_mapped: utterances
that fail, lack a graph or lack scores are named; more than --max-lost-fraction of the
graphs without an alignment fails the tool, writing nothing.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("align_compiled_mapped")


@tool_main
def main(argv=None):
    p = make_parser("align_compiled_mapped", __doc__)
    from mtlhybrid.align.job import add_alignment_options

    add_alignment_options(p)
    p.add_argument("model")
    p.add_argument("graphs")
    p.add_argument("loglikes")
    p.add_argument("ali_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.align.aligner import AlignOptions, Aligner
    from mtlhybrid.align.graph_archive import read_graphs
    from mtlhybrid.align.job import run_alignment_job, with_graphs
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.utils.kaldi_io import read_matrices_rspecifier

    tm, _ = load_model(a.model)
    graphs = dict(read_graphs(a.graphs))
    no_graph = []
    aligner = Aligner(tm, AlignOptions(a.acoustic_scale, a.transition_scale, a.self_loop_scale, a.beam, a.retry_beam))
    utterances = with_graphs(read_matrices_rspecifier(a.loglikes), graphs, no_graph)
    run_alignment_job(logger, aligner, utterances, list(graphs), no_graph, a.ali_wspecifier, a.max_lost_fraction,
                      a.graphs, a.lattices, a.lattice_beam)
    return 0


if __name__ == "__main__":
    sys.exit(main())
