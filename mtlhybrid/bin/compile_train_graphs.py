"""compile_train_graphs: training graphs of a data split, compiled once for all realignments.

Usage: compile_train_graphs [options] <tree-in> <model-in> <lexicon-fst-in> <transcriptions-rspecifier> <graphs-wspecifier>
  e.g. compile_train_graphs exp/mono/tree exp/mono/0.mdl data/lang/L.fst exp/mono/text.1.int ark:exp/mono/fsts.1.gz

Kaldi's compile-train-graphs: one graph per transcript (input transition ids, output
words), without transition probabilities (the aligner adds them with its scales, so the
graphs stay valid while the model is re-estimated). align_compiled_mapped reads them.
Transcriptions are ``utt w1 w2 ...`` as integers, or words with --word-symbol-table.
An utterance whose graph cannot be built is named in the log and counted; the tool
fails, writing nothing, when more than --max-lost-fraction of them are lost.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("compile_train_graphs")


@tool_main
def main(argv=None):
    p = make_parser("compile_train_graphs", __doc__)
    p.add_argument("--word-symbol-table", default=None)
    p.add_argument("--max-lost-fraction", type=float, default=0.05,
                   help="fail when more than this fraction of the utterances gets no graph (default 0.05)")
    p.add_argument("tree")
    p.add_argument("model")
    p.add_argument("lexicon_fst")
    p.add_argument("transcripts")
    p.add_argument("graphs_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.align.graph_archive import write_graphs
    from mtlhybrid.align.tool_inputs import AlignmentInputs
    from mtlhybrid.utils.coverage import Coverage
    from mtlhybrid.utils.errors import DataError

    inputs = AlignmentInputs.load(a.tree, a.model, a.lexicon_fst, a.transcripts, a.word_symbol_table)
    graphs, failed = [], []
    for utt, ids in inputs.transcripts.items():
        try:
            graphs.append((utt, inputs.compiler.compile_ids(ids)))
        except DataError as e:
            logger.warning("utterance %s: no training graph: %s", utt, e)
            failed.append(utt)
    coverage = Coverage(expected=list(inputs.transcripts), done=[u for u, _ in graphs], failed=failed)
    logger.info("%s", coverage.summary("compiled graphs for"))
    coverage.check("compiled graphs for", a.max_lost_fraction, where=a.transcripts)
    write_graphs(a.graphs_wspecifier, graphs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
