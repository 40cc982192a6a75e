"""latgen: decode score matrices with HCLG into lattices (Kaldi's latgen-faster-mapped).

Usage: latgen [options] <model-in> <fst-in> <loglikes-rspecifier> <lattice-wspecifier> [<words-wspecifier> [<alignments-wspecifier>]]

<loglikes-rspecifier> holds one [frames, num_pdfs] matrix per utterance: GMM
log-likelihoods or network log-posteriors minus log-priors. The lattice archive is our
text-form Kaldi lattice archive (lat.JOB.gz). A job that decodes nothing, or (with
--expected-utts) loses more than --max-lost-fraction of its utterances, fails and
leaves no lattice archive behind.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("latgen")


@tool_main
def main(argv=None):
    p = make_parser("latgen", __doc__)
    p.add_argument("--beam", type=float, default=13.0)
    p.add_argument("--lattice-beam", type=float, default=8.0)
    p.add_argument("--max-active", type=int, default=7000)
    p.add_argument("--acoustic-scale", type=float, default=0.1)
    p.add_argument("--word-symbol-table", default=None, help="words.txt: log each hypothesis as words")
    p.add_argument("--expected-utts", default=None,
                   help="a table whose first column lists the utterances this job was given (e.g. its split's "
                        "feats.scp): the log says 'decoded N of M' and the tool fails, writing no lattices, when "
                        "more than --max-lost-fraction of them are not decoded")
    p.add_argument("--max-lost-fraction", type=float, default=0.05,
                   help="with --expected-utts: tolerated fraction of lost utterances (default 0.05, as Kaldi)")
    p.add_argument("model")
    p.add_argument("fst")
    p.add_argument("loglikes")
    p.add_argument("lattice_wspecifier")
    p.add_argument("words_wspecifier", nargs="?")
    p.add_argument("ali_wspecifier", nargs="?")
    a = p.parse_args(argv)
    from mtlhybrid.decode.decoder import DecodeOptions, Decoder, DecodingGraph
    from mtlhybrid.lattice.io import write_lattices
    from mtlhybrid.utils.coverage import Coverage, read_utt_ids
    from mtlhybrid.utils.errors import MtlHybridError
    from mtlhybrid.utils.io import read_symbol_table
    from mtlhybrid.utils.kaldi_io import read_matrices_rspecifier, write_int_vectors_wspecifier

    graph = DecodingGraph.load(a.fst, a.model)
    dec = Decoder(graph, DecodeOptions(a.beam, a.lattice_beam, a.max_active, a.acoustic_scale), lattice=True)
    wsym = {i: w for w, i in read_symbol_table(a.word_symbol_table).items()} if a.word_symbol_table else None
    words, alis = [], []
    stats = {"done": 0, "partial": 0, "failed": 0, "frames": 0, "like": 0.0}
    failed = []
    coverage = Coverage(expected=read_utt_ids(a.expected_utts) if a.expected_utts else [], failed=failed)

    def lattices():
        for utt, mat in read_matrices_rspecifier(a.loglikes):
            r = dec.decode(mat)
            text = r.lattice_text()
            if not text:
                stats["failed"] += 1
                failed.append(utt)
                continue
            if not r.reached_final:
                stats["partial"] += 1
                logger.warning("utterance %s: no final state reached, output is partial", utt)
            stats["done"] += 1
            stats["frames"] += r.num_frames
            stats["like"] += -r.acoustic_cost
            words.append((utt, r.words))
            alis.append((utt, r.alignment))
            coverage.done.append(utt)
            if wsym is not None:
                logger.info("%s %s", utt, " ".join(wsym.get(w, str(w)) for w in r.words))
            yield utt, text
        # Checked before the archive is committed: a failed job leaves no lattices to score.
        if failed:
            logger.warning("failed to decode %d utterances: %s", len(failed), " ".join(failed[:20]))
        if a.expected_utts:
            logger.info("%s", coverage.summary("decoded"))
            coverage.check("decoded", a.max_lost_fraction, where=a.expected_utts)
        elif not stats["done"]:
            raise MtlHybridError(f"decoded no utterances from {a.loglikes}; no lattices written")

    write_lattices(a.lattice_wspecifier, lattices())
    if a.words_wspecifier:
        write_int_vectors_wspecifier(a.words_wspecifier, words)
    if a.ali_wspecifier:
        write_int_vectors_wspecifier(a.ali_wspecifier, alis)
    logger.info(
        "decoded %d utterances (%d partial, %d failed); average log-likelihood per frame %.4f over %d frames",
        stats["done"], stats["partial"], stats["failed"], stats["like"] / max(1, stats["frames"]), stats["frames"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
