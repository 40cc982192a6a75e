"""arpa2fst: ARPA language model -> G.fst (OpenFst binary), as Kaldi's binary of that name."""

from __future__ import annotations

import sys

from mtlhybrid.lang.grammar_fst import arpa_to_fst
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser(
        "arpa2fst",
        "Usage: python -m mtlhybrid.bin.arpa2fst [options] <arpa-lm(.gz)> <G.fst>\n"
        "e.g.: python -m mtlhybrid.bin.arpa2fst --disambig-symbol=#0 --read-symbol-table=data/lang/words.txt lm.arpa.gz G.fst",
    )
    p.add_argument("--disambig-symbol", default="#0", help="label of back-off arcs (default #0; '' for epsilon)")
    p.add_argument("--read-symbol-table", default=None, help="words.txt giving the word ids")
    p.add_argument("--bos-symbol", default="<s>")
    p.add_argument("--eos-symbol", default="</s>")
    p.add_argument("arpa")
    p.add_argument("fst")
    a = p.parse_args(argv)
    arpa_to_fst(a.arpa, a.fst, a.read_symbol_table, a.disambig_symbol, a.bos_symbol, a.eos_symbol)
    return 0


if __name__ == "__main__":
    sys.exit(main())
