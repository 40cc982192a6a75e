"""gmm-align-compiled: forced alignment of a data dir under a GMM model with precompiled training graphs.

Usage: gmm_align_compiled [options] <model-in> <graphs-rspecifier> <data-dir> <alignments-wspecifier>
  e.g. gmm_align_compiled --delta-order 2 --boost-silence 1.0 --silence-phones 1:2 --beam 10 --retry-beam 40 \\
         exp/tri1/5.mdl ark:exp/tri1/fsts.1.gz data/train/split4/1 ark:exp/tri1/ali.1.gz

Kaldi's gmm-align-compiled: the same alignments as the pipe
``gmm_compute_likes ... ark:- | align_compiled_mapped ...`` (the scores are the same float32
matrices), in one process: the training scripts' realignment no longer starts two Python
programs per job and serialises every score matrix through a pipe. Feature options are
those of gmm_compute_likes (data dir + options, not a feature pipeline); counting, logging
and failing are those of align_compiled_mapped (utterances that fail, lack a graph or lack
features are named; more than --max-lost-fraction lost fails the tool, writing nothing).
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("gmm_align_compiled")


@tool_main
def main(argv=None):
    p = make_parser("gmm_align_compiled", __doc__)
    from mtlhybrid.gmm.tool_io import add_feature_options, limit_blas_threads, load_numpy_gmm_model, numpy_scorer, open_features

    limit_blas_threads()
    add_feature_options(p)
    p.add_argument("--boost-silence", type=float, default=1.0, help="factor on the likelihood of silence pdfs (1.0: none)")
    p.add_argument("--silence-phones", default="", help="colon-separated silence phone ids (phones/silence.csl)")
    from mtlhybrid.align.job import add_alignment_options

    add_alignment_options(p)
    p.add_argument("model")
    p.add_argument("graphs")
    p.add_argument("data_dir")
    p.add_argument("ali_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.align.aligner import AlignOptions, Aligner
    from mtlhybrid.align.graph_archive import read_graphs
    from mtlhybrid.align.job import run_alignment_job, with_graphs

    tm, am = load_numpy_gmm_model(a.model)
    score = numpy_scorer(tm, am, a.boost_silence, a.silence_phones, a.model)
    graphs = dict(read_graphs(a.graphs))
    reader = open_features(a.data_dir, a, torch_threads=False)
    no_graph = []
    aligner = Aligner(tm, AlignOptions(a.acoustic_scale, a.transition_scale, a.self_loop_scale, a.beam, a.retry_beam))
    utterances = with_graphs(((utt, score(utt, feats)) for utt, feats in reader.items()), graphs, no_graph)
    run_alignment_job(logger, aligner, utterances, list(graphs), no_graph, a.ali_wspecifier, a.max_lost_fraction,
                      a.graphs, a.lattices, a.lattice_beam)
    return 0


if __name__ == "__main__":
    sys.exit(main())
