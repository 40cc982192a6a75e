"""Apply a map (first field -> rest of line) to fields of stdin (utils/apply_map.pl).

  apply_map [-f <field-range>] [--permissive] <map> < input > output
--permissive leaves fields that the map lacks as they are; otherwise they are an error."""

from __future__ import annotations

import sys

from mtlhybrid.data.textio import map_inputs
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("apply_map", __doc__)
    p.add_argument("-f", dest="fields", default=None, help="field range to map (default: all)")
    p.add_argument("--permissive", action="store_true")
    p.add_argument("map_file")
    a = p.parse_args(argv)
    from mtlhybrid.data.scp import FieldRange, SymbolMapper, read_map_file

    fields = FieldRange.parse(a.fields) if a.fields else FieldRange()
    map_inputs(SymbolMapper(read_map_file(a.map_file, "map"), fields, name=a.map_file, permissive=a.permissive), [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
