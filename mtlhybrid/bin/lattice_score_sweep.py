"""lattice_score_sweep: 1-best texts for each LM weight and insertion penalty (score_kaldi.sh's lattice part).

Usage: lattice_score_sweep [options] <words.txt> <decode-dir>

Reads <decode-dir>/lat.*.gz and writes <decode-dir>/scoring_kaldi/penalty_<wip>/<lmwt>.txt.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None):
    p = make_parser("lattice_score_sweep", __doc__)
    p.add_argument("--min-lmwt", type=int, default=7)
    p.add_argument("--max-lmwt", type=int, default=17)
    p.add_argument("--word-ins-penalty", default="0.0,0.5,1.0", help="comma-separated penalties")
    p.add_argument("words")
    p.add_argument("decode_dir")
    a = p.parse_args(argv)
    from mtlhybrid.decode.scoring import write_scoring_texts
    from mtlhybrid.lattice.io import read_lattices
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.io import read_symbol_table

    lats = sorted(Path(a.decode_dir).glob("lat.*.gz"))
    if not lats:
        raise DataError("no lattices (lat.*.gz)", path=a.decode_dir)
    wsym = {i: w for w, i in read_symbol_table(a.words).items()}
    pens = [float(x) for x in a.word_ins_penalty.split(",") if x.strip()]

    def all_lats():
        for f in lats:
            yield from read_lattices(f)

    write_scoring_texts(a.decode_dir, all_lats(), wsym, a.min_lmwt, a.max_lmwt, pens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
