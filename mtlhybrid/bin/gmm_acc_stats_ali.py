"""gmm-acc-stats-ali: EM statistics of a GMM model (and transition counts) from alignments.

Usage: python -m mtlhybrid.bin.gmm_acc_stats_ali [options] <model-in> <data-dir> <alignments-rspecifier> <stats-out>
  e.g. python -m mtlhybrid.bin.gmm_acc_stats_ali --delta-order 2 exp/mono/1.mdl data/train/split4/1 \\
         "ark:gunzip -c exp/mono/ali.1.gz|" exp/mono/1.1.acc

Utterances are gathered into batches of about --batch-frames frames and accumulated at
once: in numpy with --device cpu (the default; torch is not imported, which saves seconds
per job), in torch on --device cuda. Utterances without features or with a length mismatch are skipped
and counted in the log.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.gmm.tool_io import add_feature_options, limit_blas_threads

    limit_blas_threads()
    import numpy as np

    from mtlhybrid.gmm.acc_file import write_acc_file
    from mtlhybrid.gmm.tool_io import load_gmm_model, load_numpy_gmm_model, open_features
    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.utils.errors import DataError, MismatchError
    from mtlhybrid.utils.log import get_logger

    log = get_logger("gmm_acc_stats_ali")
    p = make_parser("gmm_acc_stats_ali", __doc__)
    add_feature_options(p)
    p.add_argument("--device", default="cpu", help="cpu (numpy, no torch import) or cuda (torch)")
    p.add_argument("--batch-frames", type=int, default=20000)
    p.add_argument("model_in")
    p.add_argument("data_dir")
    p.add_argument("alignments")
    p.add_argument("stats_out")
    args = p.parse_args(argv)

    if args.device == "cpu":
        from mtlhybrid.gmm.numpy_gmm import NumpyGmmAccs

        tm, am = load_numpy_gmm_model(args.model_in)
        accs = NumpyGmmAccs.for_model(am)

        def accumulate(feats, pdfs):
            accs.accumulate(am, feats, pdfs)
    else:
        import torch

        from mtlhybrid.gmm.accumulate import AccumAmDiagGmm

        tm, am = load_gmm_model(args.model_in, device=args.device)
        accs = AccumAmDiagGmm.for_model(am)

        def accumulate(feats, pdfs):
            accs.accumulate(am, torch.from_numpy(feats), torch.from_numpy(pdfs))
    if am.num_pdfs != tm.num_pdfs:
        raise MismatchError(f"{args.model_in}: transition model has {tm.num_pdfs} pdfs, the GMM {am.num_pdfs}")
    reader = open_features(args.data_dir, args, torch_threads=args.device != "cpu")
    tid_counts = np.zeros(tm.num_transition_ids + 1)
    feats_b, pdfs_b, nb = [], [], 0
    done = no_feats = bad_len = 0

    def flush():
        nonlocal feats_b, pdfs_b, nb
        if feats_b:
            accumulate(np.concatenate(feats_b), np.concatenate(pdfs_b))
        feats_b, pdfs_b, nb = [], [], 0

    for utt, ali in read_alignments([args.alignments]):
        if utt not in reader:
            no_feats += 1
            log.warning("no features for utterance %s", utt)
            continue
        f = reader[utt]
        if f.shape[0] != len(ali):
            bad_len += 1
            log.warning("utterance %s: alignment has %d frames, features %d", utt, len(ali), f.shape[0])
            continue
        if f.shape[1] != am.dim:
            raise MismatchError(f"utterance {utt}: feature dimension {f.shape[1]}, the model has {am.dim}")
        if len(ali) and (ali.min() < 1 or ali.max() > tm.num_transition_ids):
            raise DataError(f"transition ids outside [1, {tm.num_transition_ids}]", path=args.alignments, utt=utt)
        tid_counts += np.bincount(ali, minlength=tm.num_transition_ids + 1)
        feats_b.append(f)
        pdfs_b.append(tm.tid2pdf[ali].astype(np.int64))
        nb += len(ali)
        done += 1
        if nb >= args.batch_frames:
            flush()
    flush()
    log.info("done %d utterances; %d without features, %d with mismatched lengths", done, no_feats, bad_len)
    log.info("overall avg like per frame (Gaussian only) = %.6g over %g frames", accs.avg_log_like(), accs.total_frames)
    if done == 0:
        raise DataError("no utterance could be accumulated", path=args.alignments)
    occ, mean_acc, var_acc = (a if isinstance(a, np.ndarray) else a.cpu().numpy()
                              for a in (accs.occ, accs.mean_acc, accs.var_acc))
    write_acc_file(args.stats_out, occ, mean_acc, var_acc, accs.total_log_like, accs.total_frames, tid_counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
