"""gmm-transform-means: move every Gaussian mean of a GMM-HMM model by a (linear or affine) matrix.

Usage: python -m mtlhybrid.bin.gmm_transform_means <matrix> <model-in> <model-out>
  e.g. python -m mtlhybrid.bin.gmm_transform_means exp/tri2b/2.mat.new exp/tri2b/2.mdl exp/tri2b/2.mdl
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("gmm_transform_means", __doc__)
    p.add_argument("matrix")
    p.add_argument("model_in")
    p.add_argument("model_out")
    args = p.parse_args(argv)

    from mtlhybrid.gmm.tool_io import limit_blas_threads, load_numpy_gmm_model

    limit_blas_threads()
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.transform.io import read_matrix
    from mtlhybrid.transform.mllt import transform_means

    tm, am = load_numpy_gmm_model(args.model_in)  # numpy: no torch import
    transform_means(am, read_matrix(args.matrix))
    save_model(args.model_out, tm, am)
    return 0


if __name__ == "__main__":
    sys.exit(main())
