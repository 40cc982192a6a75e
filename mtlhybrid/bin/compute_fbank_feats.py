"""compute-fbank-feats: log mel filterbank features of a wav.scp into an ark/scp pair.

The command line (Kaldi's options, --config, --segments, ...) is in
:mod:`mtlhybrid.features.tool`, shared with compute-mfcc-feats.
"""

from __future__ import annotations

import sys

from mtlhybrid.features.tool import make_main
from mtlhybrid.utils.cli import tool_main

main = tool_main(make_main("fbank"))

if __name__ == "__main__":
    sys.exit(main())
