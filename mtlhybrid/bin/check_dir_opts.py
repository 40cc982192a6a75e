"""check_dir_opts: record a training dir's options, or refuse a rerun that changed them.

Usage: python -m mtlhybrid.bin.check_dir_opts [--overwrite true|false] [--name train_opts] <dir> <key=value> ...
  e.g. python -m mtlhybrid.bin.check_dir_opts --overwrite false exp/mono totgauss=1000 "cmvn_opts=--apply-cmvn true"

Called by steps/train_mono.sh and steps/train_deltas.sh before any work: a dir made with
other options (left by a finished or killed run) is refused with each change named as
``key: old -> new``, unless --overwrite true; otherwise <dir>/<name> records these options.
The logic is in mtlhybrid.utils.rerun.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("check_dir_opts")


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.utils.rerun import check_or_record_options, parse_assignments

    p = make_parser("check_dir_opts", __doc__)
    p.add_argument("--overwrite", default="false", choices=["true", "false"])
    p.add_argument("--name", default="train_opts", help="file in <dir> that records the options (default train_opts)")
    p.add_argument("dir")
    p.add_argument("options", nargs="+", metavar="key=value")
    a = p.parse_args(argv)
    changes = check_or_record_options(Path(a.dir), parse_assignments(a.options), a.name, a.overwrite == "true")
    if changes:
        logger.warning("%s: starting over (--overwrite true) with changed options: %s", a.dir,
                       "; ".join(str(c) for c in changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
