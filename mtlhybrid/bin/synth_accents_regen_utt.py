"""Rebuild one synth_accents utterance from the ``utt2synth`` record of its data dir.

Usage: synth_accents_regen_utt <data-dir> <utt-id> <out.wav>. The result is bit-identical
to the corpus wav (same engine, voice, speed, pitch, augmentation and noise seed).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.corpora.synth_accents import regenerate_utterance
from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger(__name__)


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("synth_accents_regen_utt", __doc__)
    p.add_argument("data_dir")
    p.add_argument("utt_id")
    p.add_argument("out_wav")
    a = p.parse_args(argv)
    out = regenerate_utterance(a.data_dir, a.utt_id, a.out_wav)
    logger.info("wrote %s", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
