"""spk2utt -> utt2spk (utils/spk2utt_to_utt2spk.pl): file argument or stdin to stdout."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.data.scp import utt2spk_lines
    from mtlhybrid.data.textio import run_table_filter

    return run_table_filter(argv, "spk2utt_to_utt2spk", __doc__, "spk2utt", utt2spk_lines)


if __name__ == "__main__":
    sys.exit(main())
