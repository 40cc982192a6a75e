"""gmm-acc-mllt: MLLT statistics under a GMM model, from features and alignments.

Usage: python -m mtlhybrid.bin.gmm_acc_mllt [options] <model-in> <data-dir> <alignments-rspecifier> <macc-out>
  e.g. python -m mtlhybrid.bin.gmm_acc_mllt --left-context=3 --right-context=3 --transform exp/tri2b/0.mat \\
         --silence-phones 1:2 exp/tri2b/2.mdl data/train/split4/1 ark:exp/tri2b/ali.1.gz exp/tri2b/2.1.macc

Frames of --silence-phones get --silence-weight (Kaldi's weight-silence-post 0.0).
numpy only: torch is not imported (it cost about 3.5 CPU-s per job).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.io import parse_csl


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.gmm.tool_io import add_feature_options, limit_blas_threads, load_numpy_gmm_model, open_features

    limit_blas_threads()

    p = make_parser("gmm_acc_mllt", __doc__)
    add_feature_options(p)
    p.add_argument("--silence-phones", default="", help="colon-separated silence phone ids")
    p.add_argument("--silence-weight", type=float, default=0.0)
    p.add_argument("model_in")
    p.add_argument("data_dir")
    p.add_argument("alignments")
    p.add_argument("acc_out")
    args = p.parse_args(argv)

    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.transform.aligned import AlignedCounts, iter_aligned
    from mtlhybrid.transform.mllt import MlltStats
    from mtlhybrid.utils.errors import DataError

    tm, am = load_numpy_gmm_model(args.model_in)  # numpy: no torch import
    reader = open_features(args.data_dir, args, torch_threads=False)
    sil = parse_csl(args.silence_phones)
    counts = AlignedCounts()
    stats = MlltStats(am.dim)
    for _, x, pdfs, w in iter_aligned(reader, read_alignments([args.alignments]), tm, sil, args.silence_weight, counts):
        stats.accumulate(am, x, pdfs, w)
    counts.log_summary("gmm-acc-mllt")
    if counts.done == 0:
        raise DataError("no utterance could be accumulated", path=args.alignments)
    stats.save(args.acc_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
