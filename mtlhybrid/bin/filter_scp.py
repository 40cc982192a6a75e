"""Keep the lines of <in.scp> whose id is in <id_list> (utils/filter_scp.pl).

  filter_scp [--exclude] [-f <field>] <id_list> [<in.scp> ...] > <out.scp>
The id is field 1 of each line unless -f says otherwise; ids of <id_list> are its first
fields. --exclude keeps the lines whose id is NOT listed. Input order is kept."""

from __future__ import annotations

import sys

from mtlhybrid.data.textio import input_lines, open_input, stdout_text
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("filter_scp", __doc__)
    p.add_argument("--exclude", action="store_true")
    p.add_argument("-f", dest="field", type=int, default=1, help="1-based field of the input that holds the id")
    p.add_argument("id_list")
    p.add_argument("inputs", nargs="*", help="input files (default: stdin)")
    a = p.parse_args(argv)
    from mtlhybrid.data.scp import filter_lines, read_id_set

    if a.field < 1:
        p.error("-f must be >= 1")
    with open_input(a.id_list) as f:
        ids = read_id_set(f)
    out = stdout_text()
    for line in filter_lines(ids, (ln for ln in input_lines(a.inputs)), field=a.field, exclude=a.exclude):
        out.write(line if line.endswith("\n") else line + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
