"""Split a data directory into <data>/split<N>/<1..N> by speaker (utils/split_data.sh);
--per-utt splits by utterance into split<N>utt. An up-to-date split is reused."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("split_data", __doc__)
    p.add_argument("--per-utt", action="store_true", help="split the utterance list, ignoring speakers")
    p.add_argument("--force", action="store_true", help="split again even if the split is up to date")
    p.add_argument("data_dir")
    p.add_argument("num_to_split", type=int)
    a = p.parse_args(argv)
    from mtlhybrid.data.split import split_data

    split_data(a.data_dir, a.num_to_split, per_utt=a.per_utt, force=a.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
