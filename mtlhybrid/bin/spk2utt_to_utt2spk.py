"""spk2utt -> utt2spk (utils/spk2utt_to_utt2spk.pl): file argument or stdin to stdout."""

from __future__ import annotations

import sys

from mtlhybrid.data.textio import input_lines, stdout_text
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("spk2utt_to_utt2spk", __doc__)
    p.add_argument("inputs", nargs="*", metavar="spk2utt")
    a = p.parse_args(argv)
    from mtlhybrid.data.scp import utt2spk_lines

    out = stdout_text()
    for line in utt2spk_lines(input_lines(a.inputs)):
        out.write(line + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
