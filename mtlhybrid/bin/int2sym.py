"""Map integers to symbols with a symbol table (utils/int2sym.pl), stdin (or files) to stdout.

  int2sym [-f <field-range>] <symtab> [<input> ...]"""

from __future__ import annotations

import sys

from mtlhybrid.data.textio import map_inputs
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("int2sym", __doc__)
    p.add_argument("-f", dest="fields", default=None, help="field range to map (default: all)")
    p.add_argument("symtab")
    p.add_argument("inputs", nargs="*")
    a = p.parse_args(argv)
    from mtlhybrid.data.scp import FieldRange, SymbolMapper, read_map_file

    fields = FieldRange.parse(a.fields) if a.fields else FieldRange()
    map_inputs(SymbolMapper(read_map_file(a.symtab, "int2sym"), fields, name=a.symtab), a.inputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
