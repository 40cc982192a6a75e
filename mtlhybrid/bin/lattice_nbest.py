"""lattice_nbest: the n best distinct word sequences of each lattice (lattice-to-nbest + nbest-to-linear).

Usage: lattice_nbest [options] <lattice-rspecifier> <transcriptions-wspecifier>

Keys are ``<utt>-<rank>`` (rank from 1), as Kaldi's lattice-to-nbest names them.
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None):
    p = make_parser("lattice_nbest", __doc__)
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--acoustic-scale", type=float, default=1.0)
    p.add_argument("--lm-scale", type=float, default=1.0)
    p.add_argument("--word-ins-penalty", type=float, default=0.0)
    p.add_argument("lats")
    p.add_argument("words_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.lattice.functions import nbest
    from mtlhybrid.lattice.io import read_lattices
    from mtlhybrid.utils.kaldi_io import write_int_vectors_wspecifier

    out = []
    for utt, lat in read_lattices(a.lats):
        for k, e in enumerate(nbest(lat, a.n, a.lm_scale, a.acoustic_scale, a.word_ins_penalty), start=1):
            out.append((f"{utt}-{k}", e.words))
    write_int_vectors_wspecifier(a.words_wspecifier, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
