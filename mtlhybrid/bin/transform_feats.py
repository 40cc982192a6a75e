"""transform-feats: a data dir's features through a GMM system's pipeline, written out.

Usage: python -m mtlhybrid.bin.transform_feats [options] <data-dir> <feats-wspecifier>
  e.g. python -m mtlhybrid.bin.transform_feats --apply-cmvn true --left-context 3 --right-context 3 \\
         --transform exp/tri3b/final.mat --spk-transforms ark:exp/tri3b_ali/trans.1 \\
         data/train/split2/1 ark,scp:fmllr/feats_fmllr_train.1.ark,fmllr/feats_fmllr_train.1.scp

The GMM tools read features through the pipeline options (CMVN, deltas, splicing, a global
transform such as LDA+MLLT's final.mat, per-speaker fMLLR transforms); this writes what
they see as plain features, as Kaldi's steps/nnet/make_fmllr_feats.sh does with
transform-feats and copy-feats, so a network can train and decode on them from an ordinary
data dir (without CMVN: they are normalised already). A speaker without a transform is an
error naming it; nothing is written then.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("transform_feats")


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("transform_feats", __doc__)
    from mtlhybrid.gmm.tool_io import add_feature_options, limit_blas_threads, open_features

    limit_blas_threads()  # one BLAS thread per job, as the other CPU tools
    add_feature_options(p)
    p.add_argument("data_dir")
    p.add_argument("feats_wspecifier")
    args = p.parse_args(argv)

    from mtlhybrid.utils.kaldi_io import MatrixWriter

    reader = open_features(args.data_dir, args, torch_threads=False)  # numpy only: no torch import
    n = frames = 0
    with MatrixWriter(args.feats_wspecifier) as out:
        for utt in reader:
            feats = reader[utt]
            out.write(utt, feats)
            n += 1
            frames += feats.shape[0]
    logger.info("wrote %d utterances, %d frames of dimension %d", n, frames, reader.dim)
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
