"""Combine data directories (utils/combine_data.sh <dest-data-dir> <src-data-dir1> <src-data-dir2> ...).
Tables present in every source are combined; label files utt2<name> also from some sources only."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("combine_data", __doc__)
    p.add_argument("--extra-files", default="", help="accepted for Kaldi compatibility: every table is combined anyway")
    p.add_argument("--skip-fix", default="false", help="accepted for Kaldi compatibility (the result is already sorted)")
    p.add_argument("dest")
    p.add_argument("srcs", nargs="+")
    a = p.parse_args(argv)
    from mtlhybrid.data.combine import combine_data

    combine_data(a.dest, a.srcs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
