"""validate_dict_dir: check a Kaldi dict dir (behind ``utils/validate_dict_dir.pl``)."""

from __future__ import annotations

import sys

from mtlhybrid.lang.dict_dir import DictDir
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("validate_dict_dir.pl", "Usage: utils/validate_dict_dir.pl <dict-dir>\ne.g.: utils/validate_dict_dir.pl data/local/dict")
    p.add_argument("dict_dir")
    a = p.parse_args(argv)
    d = DictDir.load(a.dict_dir)  # raises DataError naming file and line
    print(
        f"--> SUCCESS [validating dictionary directory {a.dict_dir}]: {len(d.lexicon)} pronunciations, "
        f"{len(d.all_silence)} silence and {len(d.all_nonsilence)} non-silence phones",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
