"""Map symbols to integers with a symbol table (utils/sym2int.pl), stdin (or files) to stdout.

  sym2int [--map-oov <oov-symbol-or-int>] [-f <field-range>] <symtab> [<input> ...]
Field ranges look like 1, 2-, 1-3. Without --map-oov an unknown symbol is an error naming
the line; with it each one is replaced and the replacements are counted."""

from __future__ import annotations

import sys

from mtlhybrid.data.textio import map_inputs
from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.log import get_logger

logger = get_logger("sym2int")


def oov_name(table, map_oov: str) -> str:
    """``<UNK> (id 1)`` whether --map-oov gave the symbol or its id (Kaldi scripts pass oov.int)."""
    if not map_oov.isdigit():
        return f"{map_oov} (id {table[map_oov]})"
    words = [w for w, i in table.items() if str(i) == map_oov]
    return f"{words[0]} (id {map_oov})" if words else f"id {map_oov} (not in the symbol table)"


@tool_main
def main(argv=None) -> int:
    p = make_parser("sym2int", __doc__)
    p.add_argument("--map-oov", default=None, help="symbol (or integer) to map unknown symbols to")
    p.add_argument("-f", dest="fields", default=None, help="field range to map (default: all)")
    p.add_argument("symtab")
    p.add_argument("inputs", nargs="*")
    a = p.parse_args(argv)
    from mtlhybrid.data.scp import FieldRange, SymbolMapper, read_map_file

    table = read_map_file(a.symtab, "sym2int")
    oov = a.map_oov
    if oov is not None and not oov.isdigit():
        if oov not in table:
            raise DataError(f"OOV symbol {oov!r} is not in the symbol table", path=a.symtab)
        oov = table[oov]
    fields = FieldRange.parse(a.fields) if a.fields else FieldRange()
    mapper = SymbolMapper(table, fields, oov=oov, name=a.symtab)
    map_inputs(mapper, a.inputs)
    if mapper.num_oov:
        logger.warning("sym2int: replaced %d OOV instances with %s (e.g. %s)", mapper.num_oov,
                       oov_name(table, a.map_oov), " ".join(mapper.oov_examples[:10]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
