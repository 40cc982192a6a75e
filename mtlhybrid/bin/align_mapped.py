"""align_mapped: forced alignment from score matrices, compiling training graphs on the fly.

(align_compiled_mapped does the same from graphs compiled once by compile_train_graphs.)

Usage: align_mapped [options] <tree-in> <model-in> <lexicon-fst-in> <loglikes-rspecifier> <transcriptions> <alignments-wspecifier>

Kaldi's align-mapped / gmm-align: <loglikes-rspecifier> holds [frames, num_pdfs] scores
per utterance (GMM log-likelihoods, or log-posteriors minus log-priors). Transcriptions
are ``utt w1 w2 ...`` as integers, or as words with --word-symbol-table. Utterances that
fail (even with --retry-beam) or lack a transcript are logged by id and counted; the log
says ``aligned N of M`` (M: the transcribed utterances) and the tool fails, writing
nothing, when more than --max-lost-fraction of them have no alignment (no scores reached
it, or alignment failed), naming them.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("align_mapped")


@tool_main
def main(argv=None):
    p = make_parser("align_mapped", __doc__)
    p.add_argument("--beam", type=float, default=10.0)
    p.add_argument("--retry-beam", type=float, default=40.0)
    p.add_argument("--acoustic-scale", type=float, default=0.1)
    p.add_argument("--transition-scale", type=float, default=1.0)
    p.add_argument("--self-loop-scale", type=float, default=0.1)
    p.add_argument("--word-symbol-table", default=None)
    p.add_argument("--lattices", default=None, help="also write state-level lattices of the training graphs here (lat.JOB.gz)")
    p.add_argument("--lattice-beam", type=float, default=6.0)
    p.add_argument("--max-lost-fraction", type=float, default=0.05,
                   help="fail when more than this fraction of the transcribed utterances is not aligned (default 0.05)")
    p.add_argument("tree")
    p.add_argument("model")
    p.add_argument("lexicon_fst")
    p.add_argument("loglikes")
    p.add_argument("transcripts")
    p.add_argument("ali_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.align.aligner import AlignOptions, Aligner
    from mtlhybrid.align.job import run_alignment_job
    from mtlhybrid.align.tool_inputs import AlignmentInputs

    inputs = AlignmentInputs.load(a.tree, a.model, a.lexicon_fst, a.transcripts, a.word_symbol_table)
    aligner = Aligner(inputs.compiler.tables, AlignOptions(a.acoustic_scale, a.transition_scale, a.self_loop_scale, a.beam, a.retry_beam))
    run_alignment_job(logger, aligner, inputs.utterances(a.loglikes), list(inputs.transcripts), inputs.no_transcript,
                      a.ali_wspecifier, a.max_lost_fraction, a.transcripts, a.lattices, a.lattice_beam)
    return 0


if __name__ == "__main__":
    sys.exit(main())
