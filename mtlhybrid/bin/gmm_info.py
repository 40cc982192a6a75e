"""gmm-info: sizes of a GMM-HMM model file.

Usage: python -m mtlhybrid.bin.gmm_info <model-in>
Prints the number of phones, pdfs, transition ids and states, the feature dimension and
the number of Gaussians, one per line as Kaldi's gmm-info.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.gmm.tool_io import load_numpy_gmm_model

    p = make_parser("gmm_info", __doc__)
    p.add_argument("model_in")
    args = p.parse_args(argv)
    tm, am = load_numpy_gmm_model(args.model_in)  # numpy: no torch import
    print(f"number of phones {len(tm.phones)}")
    print(f"number of pdfs {am.num_pdfs}")
    print(f"number of transition-ids {tm.num_transition_ids}")
    print(f"number of transition-states {tm.num_transition_states}")
    print(f"feature dimension {am.dim}")
    print(f"number of gaussians {am.total_gauss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
