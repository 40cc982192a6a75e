"""lattice_best_path: 1-best words (and alignments) from lattices (Kaldi's lattice-best-path).

Usage: lattice_best_path [options] <lattice-rspecifier> <transcriptions-wspecifier> [<alignments-wspecifier>]
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("lattice_best_path")


@tool_main
def main(argv=None):
    p = make_parser("lattice_best_path", __doc__)
    p.add_argument("--acoustic-scale", type=float, default=1.0)
    p.add_argument("--lm-scale", type=float, default=1.0)
    p.add_argument("--word-ins-penalty", type=float, default=0.0)
    p.add_argument("lats")
    p.add_argument("words_wspecifier")
    p.add_argument("ali_wspecifier", nargs="?")
    a = p.parse_args(argv)
    from mtlhybrid.lattice.functions import best_path
    from mtlhybrid.lattice.io import read_lattices
    from mtlhybrid.utils.kaldi_io import write_int_vectors_wspecifier

    words, alis, empty = [], [], []
    for utt, lat in read_lattices(a.lats):
        bp = best_path(lat, a.lm_scale, a.acoustic_scale, a.word_ins_penalty)
        if bp is None:
            empty.append(utt)
            continue
        words.append((utt, bp.words))
        alis.append((utt, bp.alignment))
    write_int_vectors_wspecifier(a.words_wspecifier, words)
    if a.ali_wspecifier:
        write_int_vectors_wspecifier(a.ali_wspecifier, alis)
    if empty:
        logger.warning("%d empty lattices skipped: %s", len(empty), " ".join(empty[:20]))
    logger.info("best paths of %d lattices", len(words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
