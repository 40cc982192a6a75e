"""gmm-est-fmllr: per-speaker fMLLR transforms from features and alignments under a GMM model.

Usage: python -m mtlhybrid.bin.gmm_est_fmllr [options] <model-in> <data-dir> <alignments-rspecifier> <trans-wspecifier>
  e.g. python -m mtlhybrid.bin.gmm_est_fmllr --left-context=3 --right-context=3 --transform exp/tri3b/final.mat \\
         --silence-phones 1:2 exp/tri3b/2.mdl data/train/split4/1 ark:exp/tri3b/ali.1.gz ark:exp/tri3b/trans.1

Speakers are the data dir's utt2spk. The transforms (d x (d+1), a Kaldi archive keyed by
speaker) map the features *as read with the given options* (including any --spk-transforms),
so a re-estimate is composed after the old one (compose_transforms --b-is-affine true), as
in Kaldi's train_sat.sh. A speaker with fewer than --fmllr-min-count weighted frames, or no
aligned utterance, gets the identity (counted in the log). Frames of --silence-phones get
--silence-weight (Kaldi's weight-silence-post).
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

    p = make_parser("gmm_est_fmllr", __doc__)
    add_feature_options(p)
    p.add_argument("--silence-phones", default="", help="colon-separated silence phone ids")
    p.add_argument("--silence-weight", type=float, default=0.0)
    p.add_argument("--fmllr-min-count", type=float, default=50.0, help="least frames for a transform (else identity)")
    p.add_argument("--fmllr-num-iters", type=int, default=40, help="passes of row-by-row updates")
    p.add_argument("model_in")
    p.add_argument("data_dir")
    p.add_argument("alignments")
    p.add_argument("trans_wspecifier")
    args = p.parse_args(argv)

    from pathlib import Path

    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.transform.aligned import AlignedCounts, iter_aligned
    from mtlhybrid.transform.fmllr import FmllrStats, estimate_fmllr, identity_transform
    from mtlhybrid.transform.io import write_transforms
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.io import read_table
    from mtlhybrid.utils.log import get_logger

    log = get_logger("gmm_est_fmllr")
    tm, am = load_numpy_gmm_model(args.model_in)  # numpy: no torch import
    reader = open_features(args.data_dir, args, torch_threads=False)
    utt2spk_path = Path(args.data_dir) / "utt2spk"
    if not utt2spk_path.is_file():
        raise DataError("no such file (fMLLR is per speaker)", path=utt2spk_path)
    utt2spk = read_table(utt2spk_path)
    speakers = list(dict.fromkeys(utt2spk.values()))
    sil = parse_csl(args.silence_phones)
    counts = AlignedCounts()
    stats = {}
    for utt, x, pdfs, w in iter_aligned(reader, read_alignments([args.alignments]), tm, sil, args.silence_weight, counts):
        spk = utt2spk.get(utt)
        if spk is None:
            raise DataError("utterance missing from utt2spk", path=utt2spk_path, utt=utt)
        stats.setdefault(spk, FmllrStats(am.dim)).accumulate(am, x, pdfs, w)
    counts.log_summary("gmm-est-fmllr")
    if counts.done == 0:
        raise DataError("no utterance could be used", path=args.alignments)
    out, tot_impr, tot_count, identity = [], 0.0, 0.0, 0
    for spk in speakers:
        st = stats.get(spk)
        if st is None or st.beta < args.fmllr_min_count:
            identity += 1
            out.append((spk, identity_transform(am.dim)))
            continue
        W, impr = estimate_fmllr(st, args.fmllr_num_iters, args.fmllr_min_count)
        log.info("speaker %s: objf improvement %.4g per frame over %.0f frames", spk, impr / st.beta, st.beta)
        tot_impr += impr
        tot_count += st.beta
        out.append((spk, W))
    log.info("overall fMLLR objf improvement is %.6g per frame over %.0f frames; %d of %d speakers kept the identity "
             "(fewer than %g frames)", tot_impr / max(tot_count, 1e-10), tot_count, identity, len(speakers), args.fmllr_min_count)
    write_transforms(args.trans_wspecifier, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
