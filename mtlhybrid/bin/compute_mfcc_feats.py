"""compute-mfcc-feats: MFCC features of a wav.scp into an ark/scp pair.

Same interface as compute-fbank-feats (:mod:`mtlhybrid.features.tool`) (Kaldi's options: --num-ceps,
--cepstral-lifter, --use-energy, ...).
"""

from __future__ import annotations

import sys

from mtlhybrid.features.tool import make_main
from mtlhybrid.utils.cli import tool_main

main = tool_main(make_main("mfcc"))

if __name__ == "__main__":
    sys.exit(main())
