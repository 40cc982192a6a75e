"""acc-lda: LDA statistics of (spliced) features, classes being the alignment's pdfs.

Usage: python -m mtlhybrid.bin.acc_lda [options] <model-in> <data-dir> <alignments-rspecifier> <lda-acc-out>
  e.g. python -m mtlhybrid.bin.acc_lda --left-context=3 --right-context=3 --silence-phones 1:2 \\
         exp/tri1_ali/final.mdl data/train/split4/1 ark:exp/tri1_ali/ali.1.gz exp/tri2b/lda.1.acc

Frames of --silence-phones get --silence-weight (Kaldi's weight-silence-post 0.0).
Sum and estimate with est_lda.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.io import parse_csl


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.gmm.tool_io import add_feature_options, limit_blas_threads, open_features

    limit_blas_threads()

    p = make_parser("acc_lda", __doc__)
    add_feature_options(p)
    p.add_argument("--silence-phones", default="", help="colon-separated silence phone ids")
    p.add_argument("--silence-weight", type=float, default=0.0)
    p.add_argument("model_in")
    p.add_argument("data_dir")
    p.add_argument("alignments")
    p.add_argument("acc_out")
    args = p.parse_args(argv)

    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.transform.aligned import AlignedCounts, iter_aligned
    from mtlhybrid.transform.lda import LdaStats
    from mtlhybrid.utils.errors import DataError

    tm, _ = load_model(args.model_in)
    reader = open_features(args.data_dir, args, torch_threads=False)  # numpy only: no torch import
    sil = parse_csl(args.silence_phones)
    counts = AlignedCounts()
    stats = None
    for _, x, pdfs, w in iter_aligned(reader, read_alignments([args.alignments]), tm, sil, args.silence_weight, counts):
        if stats is None:
            stats = LdaStats(tm.num_pdfs, x.shape[1])
        stats.accumulate(x, pdfs, w)
    counts.log_summary("acc-lda")
    if stats is None:
        raise DataError("no utterance could be accumulated", path=args.alignments)
    stats.save(args.acc_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
