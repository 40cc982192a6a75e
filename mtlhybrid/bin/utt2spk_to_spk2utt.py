"""utt2spk -> spk2utt (utils/utt2spk_to_spk2utt.pl): file argument or stdin to stdout."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.data.scp import spk2utt_lines
    from mtlhybrid.data.textio import run_table_filter

    return run_table_filter(argv, "utt2spk_to_spk2utt", __doc__, "utt2spk", spk2utt_lines)


if __name__ == "__main__":
    sys.exit(main())
