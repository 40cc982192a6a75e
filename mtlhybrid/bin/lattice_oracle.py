"""lattice_oracle: the path closest to the reference in each lattice, and the oracle WER.

Usage: lattice_oracle [options] <lattice-rspecifier> <reference-text (int)> <oracle-transcriptions-wspecifier>

References are integer transcripts (``utils/sym2int.pl -f 2- words.txt text``).
"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("lattice_oracle")


@tool_main
def main(argv=None):
    p = make_parser("lattice_oracle", __doc__)
    p.add_argument("lats")
    p.add_argument("ref")
    p.add_argument("out_wspecifier")
    a = p.parse_args(argv)
    from mtlhybrid.lattice.functions import oracle
    from mtlhybrid.lattice.io import read_lattices
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.kaldi_io import iter_text_lines, parse_specifier, write_int_vectors_wspecifier

    refs = {}
    ref_path = parse_specifier(a.ref).target
    for lineno, line in iter_text_lines(a.ref):
        f = line.split()
        if not f:
            continue
        try:
            refs[f[0]] = [int(x) for x in f[1:]]
        except ValueError:
            raise DataError("reference must be integers (use utils/sym2int.pl)", path=ref_path, line=lineno, utt=f[0])
    out, errs, words, missing = [], 0, 0, []
    for utt, lat in read_lattices(a.lats):
        if utt not in refs:
            missing.append(utt)
            continue
        r = oracle(lat, refs[utt])
        if r is None:
            missing.append(utt)
            continue
        out.append((utt, r.words))
        errs += r.errors
        words += r.ref_length
    write_int_vectors_wspecifier(a.out_wspecifier, out)
    if missing:
        logger.warning("%d lattices without reference or path: %s", len(missing), " ".join(missing[:20]))
    logger.info("Overall %%WER %.2f [ %d / %d ] (oracle, %d lattices)", 100.0 * errs / max(1, words), errs, words, len(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
