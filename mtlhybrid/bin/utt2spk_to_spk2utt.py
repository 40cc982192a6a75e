"""utt2spk -> spk2utt (utils/utt2spk_to_spk2utt.pl): file argument or stdin to stdout."""

from __future__ import annotations

import sys

from mtlhybrid.data.textio import input_lines, stdout_text
from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    p = make_parser("utt2spk_to_spk2utt", __doc__)
    p.add_argument("inputs", nargs="*", metavar="utt2spk")
    a = p.parse_args(argv)
    from mtlhybrid.data.scp import spk2utt_lines

    out = stdout_text()
    for line in spk2utt_lines(input_lines(a.inputs)):
        out.write(line + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
