"""validate_lang: check a lang dir (behind ``utils/validate_lang.pl``); exit 1 on any problem."""

from __future__ import annotations

import sys

from mtlhybrid.lang.validate import validate_lang_dir
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("validate_lang.pl", "Usage: utils/validate_lang.pl [--skip-fst-checks] <lang-dir>\ne.g.: utils/validate_lang.pl data/lang")
    p.add_argument("--skip-fst-checks", action="store_true", help="do not read L.fst, L_disambig.fst, G.fst")
    p.add_argument("--skip-determinization-check", action="store_true", help="accepted for Kaldi compatibility (no effect)")
    p.add_argument("--skip-disambig-check", action="store_true", help="accepted for Kaldi compatibility (no effect)")
    p.add_argument("lang_dir")
    a = p.parse_args(argv)
    problems = validate_lang_dir(a.lang_dir, check_fsts=not a.skip_fst_checks)
    for msg in problems:
        print(f"--> ERROR: {msg}", file=sys.stderr)
    if problems:
        print(f"--> ERROR validating lang dir {a.lang_dir}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"--> SUCCESS [validating lang directory {a.lang_dir}]", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
