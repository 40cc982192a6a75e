"""learning_curve: the multi-task gain per training set size, from one make_results report per size.

Usage: python -m mtlhybrid.bin.learning_curve [options] <label>=<results.json> ... <out-dir>
  e.g. python -m mtlhybrid.bin.learning_curve --test-set test_unseen --system nnet_mtl \\
         6x30=results/learning_curve/6x30/results.json 48x30=results/learning_curve/48x30/results.json \\
         results/learning_curve

Each <label>=<results.json> is one training size (the label is printed on the x axis), in
the curve's order. From each report it takes the gain of --system over the report's
baseline on --test-set (relative WER change, 95% interval and p-value of the speaker-block
bootstrap, seeds pooled) and writes <out-dir>/learning_curve.md (printed too) and
<out-dir>/learning_curve.png.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.utils.errors import DataError

    p = make_parser("learning_curve", __doc__)
    p.add_argument("--test-set", default="test_unseen", help="test set of the gains (default: %(default)s)")
    p.add_argument("--system", help="network group whose gain is plotted (default: the only one beside the baseline)")
    p.add_argument("--title", default="Learning curve", help="title of learning_curve.md")
    p.add_argument("--no-plot", action="store_true", help="do not draw learning_curve.png")
    p.add_argument("points", nargs="+", metavar="label=results.json")
    p.add_argument("out_dir")
    args = p.parse_args(argv)

    from mtlhybrid.score.learning_curve import format_curve_md, plot_curve, read_points
    from mtlhybrid.utils.io import atomic_write

    specs = []
    for item in args.points:
        label, sep, path = item.partition("=")
        if not sep or not label or not path:
            raise DataError(f"expected <label>=<results.json>, got {item!r}")
        specs.append((label, path))
    points = read_points(specs, args.test_set, args.system)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = format_curve_md(points, args.title)
    with atomic_write(out / "learning_curve.md") as f:
        f.write(text)
    if not args.no_plot:
        plot_curve(points, out / "learning_curve.png")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
