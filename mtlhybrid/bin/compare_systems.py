"""compare_systems: two or more systems on the same test set, with matched-pairs significance tests.

Usage: python -m mtlhybrid.bin.compare_systems [options] <decode-dirs-1> <decode-dirs-2> [<decode-dirs-3> ...]
  e.g. python -m mtlhybrid.bin.compare_systems --names base,mtl \\
         exp/nnet_base_s1/decode_test_unseen,exp/nnet_base_s2/decode_test_unseen \\
         exp/nnet_mtl_s1/decode_test_unseen,exp/nnet_mtl_s2/decode_test_unseen

Each argument is one system: a decode dir, or a comma-separated list of them, one per
seed (seeds pair by position). The first system is the baseline. Every decode dir is
read at the LM weight and insertion penalty that was best on its sibling
decode_<tune-set> (--tune-set none: its own best). Prints, per system, the WER pooled over
seeds and, against the baseline, the relative WER change with a 95% interval and p-value
from a speaker-block bootstrap over the utterances of every seed, and the MAPSSWE p-value
(segments cut where both systems got two adjacent reference words right, as sctk does).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.utils.errors import DataError

    p = make_parser("compare_systems", __doc__)
    p.add_argument("--names", help="comma-separated system names (default: the experiment dir's name, without "
                   "_s<seed> when one dir per seed is given)")
    p.add_argument("--tune-set", default="dev", help="sibling decode_<set> whose best setting is applied; "
                   "'none': each dir picks its own (default: %(default)s)")
    p.add_argument("--resamples", type=int, default=10000, help="bootstrap resamples (default: %(default)s)")
    p.add_argument("--json", help="also write the comparisons as JSON to this file")
    p.add_argument("systems", nargs="+", metavar="decode-dirs")
    args = p.parse_args(argv)

    from mtlhybrid.score.compare import compare_systems, default_name, format_comparison, read_system
    from mtlhybrid.utils.io import atomic_write

    if len(args.systems) < 2:
        raise DataError("need at least two systems to compare")
    if args.resamples < 1:
        raise DataError(f"--resamples must be positive, got {args.resamples}")
    dirs = [[d for d in s.split(",") if d] for s in args.systems]
    names = args.names.split(",") if args.names else [default_name(d) for d in dirs]
    if len(names) != len(dirs):
        raise DataError(f"--names gives {len(names)} names for {len(dirs)} systems")
    if len(set(names)) != len(names):
        raise DataError(f"system names must differ (got {', '.join(names)}): pass --names")
    tune = None if args.tune_set == "none" else args.tune_set
    systems = [read_system(n, d, tune) for n, d in zip(names, dirs)]
    comparisons = compare_systems(systems, args.resamples)
    sys.stdout.write(format_comparison(systems, comparisons))
    if args.json:
        import json

        with atomic_write(args.json) as f:
            json.dump({"systems": [s.to_dict() for s in systems], "comparisons": [c.to_dict() for c in comparisons]},
                      f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
