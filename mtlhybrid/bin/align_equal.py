"""align_equal: flat-start alignments, frames spread evenly over each transcript's HMMs.

Usage: align_equal [options] <tree-in> <model-in> <lexicon-fst-in> <features-rspecifier> <transcriptions> <alignments-wspecifier>

Kaldi's compile-train-graphs + align-equal-compiled: only the number of frames of each
feature matrix is used. Utterances too short for their transcript are logged and counted.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("align_equal")


@tool_main
def main(argv=None):
    p = make_parser("align_equal", __doc__)
    p.add_argument("--word-symbol-table", default=None)
    p.add_argument("tree")
    p.add_argument("model")
    p.add_argument("lexicon_fst")
    p.add_argument("feats")
    p.add_argument("transcripts")
    p.add_argument("ali_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.align.aligner import equal_align
    from mtlhybrid.align.tool_inputs import AlignmentInputs
    from mtlhybrid.utils.kaldi_io import write_int_vectors_wspecifier

    inputs = AlignmentInputs.load(a.tree, a.model, a.lexicon_fst, a.transcripts, a.word_symbol_table)
    out, failed = [], []
    for utt, mat, graph in inputs.utterances(a.feats):
        ali = equal_align(graph, mat.shape[0], utt=utt)
        if ali is None:
            failed.append(utt)
            continue
        out.append((utt, ali))
    write_int_vectors_wspecifier(a.ali_wspecifier, out)
    inputs.log_skipped(logger, failed, "too short for their transcript")
    logger.info("equal-aligned %d utterances, %d failed, %d without transcript", len(out), len(failed), len(inputs.no_transcript))
    return 0 if out else 1


if __name__ == "__main__":
    sys.exit(main())
