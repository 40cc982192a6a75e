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
    from mtlhybrid.bin.align_mapped import load_system, read_transcripts
    from mtlhybrid.decode.tables import read_matrices, strip_rspecifier, write_int_table
    from mtlhybrid.utils.io import read_symbol_table

    words = read_symbol_table(a.word_symbol_table) if a.word_symbol_table else None
    trans = read_transcripts(strip_rspecifier(a.transcripts), words)
    tm, comp = load_system(a.tree, a.model, a.lexicon_fst)
    out, no_trans, failed = [], [], []
    for utt, mat in read_matrices(a.feats):
        if utt not in trans:
            no_trans.append(utt)
            continue
        ali = equal_align(comp.compile_ids(trans[utt]), mat.shape[0], utt=utt)
        if ali is None:
            failed.append(utt)
            continue
        out.append((utt, ali))
    write_int_table(a.ali_wspecifier, out)
    if no_trans:
        logger.warning("%d utterances have no transcript: %s", len(no_trans), " ".join(no_trans[:20]))
    if failed:
        logger.warning("%d utterances too short for their transcript: %s", len(failed), " ".join(failed[:20]))
    logger.info("equal-aligned %d utterances, %d failed, %d without transcript", len(out), len(failed), len(no_trans))
    return 0 if out else 1


if __name__ == "__main__":
    sys.exit(main())
