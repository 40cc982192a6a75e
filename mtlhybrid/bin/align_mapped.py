"""align_mapped: forced alignment from score matrices, compiling training graphs on the fly.

Usage: align_mapped [options] <tree-in> <model-in> <lexicon-fst-in> <loglikes-rspecifier> <transcriptions> <alignments-wspecifier>

Kaldi's align-mapped / gmm-align: <loglikes-rspecifier> holds [frames, num_pdfs] scores
per utterance (GMM log-likelihoods, or log-posteriors minus log-priors). Transcriptions
are ``utt w1 w2 ...`` as integers, or as words with --word-symbol-table. Utterances that
fail (even with --retry-beam) or lack a transcript are logged by id and counted.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("align_mapped")


def read_transcripts(path: str, words=None):
    """utt -> word ids; words (a symbol table) maps word strings, DataError naming utt and word."""
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.io import iter_lines

    out = {}
    for lineno, line in iter_lines(path):
        f = line.split()
        if not f:
            continue
        ids = []
        for w in f[1:]:
            if words is not None:
                if w not in words:
                    raise DataError(f"word {w!r} is not in the word symbol table", path=path, line=lineno, utt=f[0])
                ids.append(words[w])
            else:
                try:
                    ids.append(int(w))
                except ValueError:
                    raise DataError(f"word {w!r} is not an integer (give --word-symbol-table)", path=path, line=lineno, utt=f[0])
        out[f[0]] = ids
    return out


def load_system(tree_path, model_path, lexicon_path, self_loop_scale=0.0):
    from mtlhybrid.graph.fst_arrays import read_fst
    from mtlhybrid.graph.train_graphs import TrainingGraphCompiler
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.hmm.tree import ContextDependency

    tm, _ = load_model(model_path)
    tree = ContextDependency.read(tree_path)
    comp = TrainingGraphCompiler(read_fst(lexicon_path), {}, tree, tm)
    return tm, comp


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
    p.add_argument("tree")
    p.add_argument("model")
    p.add_argument("lexicon_fst")
    p.add_argument("loglikes")
    p.add_argument("transcripts")
    p.add_argument("ali_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.align.aligner import AlignOptions, Aligner
    from mtlhybrid.decode.tables import read_matrices, strip_rspecifier, write_int_table
    from mtlhybrid.utils.io import read_symbol_table

    words = read_symbol_table(a.word_symbol_table) if a.word_symbol_table else None
    trans = read_transcripts(strip_rspecifier(a.transcripts), words)
    tm, comp = load_system(a.tree, a.model, a.lexicon_fst)
    aligner = Aligner(comp.tables, AlignOptions(a.acoustic_scale, a.transition_scale, a.self_loop_scale, a.beam, a.retry_beam))
    out, no_trans, failed, retried = [], [], [], 0
    lattices = []
    tot, frames = 0.0, 0
    for utt, mat in read_matrices(a.loglikes):
        if utt not in trans:
            no_trans.append(utt)
            continue
        graph = comp.compile_ids(trans[utt])
        r = aligner.align(graph, mat)
        if not r.ok:
            failed.append(utt)
            continue
        if a.lattices:
            lat = aligner.lattice(graph, mat, a.lattice_beam)
            if lat is not None:
                lattices.append((utt, lat))
        retried += int(r.retried)
        out.append((utt, r.alignment))
        tot += r.score
        frames += len(r.alignment)
    write_int_table(a.ali_wspecifier, out)
    if a.lattices:
        from mtlhybrid.lattice.io import write_lattices

        write_lattices(strip_rspecifier(a.lattices), lattices)
        logger.info("wrote %d training lattices to %s", len(lattices), a.lattices)
    if no_trans:
        logger.warning("%d utterances have no transcript: %s", len(no_trans), " ".join(no_trans[:20]))
    if failed:
        logger.warning("%d utterances failed to align: %s", len(failed), " ".join(failed[:20]))
    logger.info("aligned %d utterances (%d with the retry beam), %d failed, %d without transcript; "
                "average scaled log-likelihood per frame %.4f over %d frames",
                len(out), retried, len(failed), len(no_trans), tot / max(1, frames), frames)
    return 0 if out else 1


if __name__ == "__main__":
    sys.exit(main())
