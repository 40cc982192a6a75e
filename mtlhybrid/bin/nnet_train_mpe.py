"""One epoch of sequence-discriminative training (Kaldi's nnet-train-mpe-sequential / -mmi-sequential).

  nnet_train_mpe.py [options] <model-in.pt> <data-dir> <ali-dir> <denlat-dir> <model-out.pt>

<ali-dir> holds the numerator alignments (steps/nnet/align.sh), <denlat-dir> the
denominator lattices (steps/nnet/make_denlats.sh). --criterion is mmi, bmmi, smbr or
mpfe; --smooth-weight H mixes in the senone cross-entropy ((1-H)*sequence + H*CE, frame
smoothing); --keep-aux-tasks false trains the senone head's criterion only. The output is
the input checkpoint with new weights (decodable as before) and the epoch's statistics in
its ``sequence_training`` history; --write-stats also writes them as one JSON line, and
--write-summary as the one-line summary steps/nnet/train_mpe.sh keeps in log/summary.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.io import parse_csl
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


def _bool(s: str) -> bool:
    return s == "true"


def summary_line(row: dict) -> str:
    """``epoch 1: smbr objective/frame 0.81234 senone-CE/frame 1.2345 frames 9000 utts 16``."""
    return (f"epoch {int(row['epoch'])}: {row['criterion']} objective/frame {row['objective_per_frame']:.5f} "
            f"senone-CE/frame {row['senone_ce_per_frame']:.4f} frames {int(row['frames'])} "
            f"utts {int(row['utterances'])}")


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_train_mpe.py", __doc__)
    p.add_argument("model_in")
    p.add_argument("data")
    p.add_argument("ali_dir")
    p.add_argument("denlat_dir")
    p.add_argument("model_out")
    p.add_argument("--criterion", default="smbr", choices=["mmi", "bmmi", "smbr", "mpfe"])
    p.add_argument("--acoustic-scale", type=float, default=0.1)
    p.add_argument("--lm-scale", type=float, default=1.0)
    p.add_argument("--boost", type=float, default=0.0, help="boosted MMI's b (criterion bmmi)")
    p.add_argument("--silence-phones", default="", help="colon-separated silence phone ids")
    p.add_argument("--one-silence-class", default="true", choices=["true", "false"])
    p.add_argument("--drop-frames", default="true", choices=["true", "false"])
    p.add_argument("--smooth-weight", type=float, default=0.1, help="frame-smoothing weight H of the senone CE")
    p.add_argument("--keep-aux-tasks", default="true", choices=["true", "false"])
    p.add_argument("--learn-rate", type=float, default=1e-4)
    p.add_argument("--utts-per-step", type=int, default=4)
    p.add_argument("--class-frame-counts", required=True, help="pdf counts for the priors (ali_train_pdf.counts)")
    p.add_argument("--prior-scale", type=float, default=1.0)
    p.add_argument("--lang", help="lang dir (phones.txt: phone targets, identity check)")
    p.add_argument("--corpus", help="which corpus of a multilingual model")
    p.add_argument("--epoch", type=int, default=1, help="epoch number (seeds the utterance order)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--write-stats", help="append the epoch's statistics as a JSON line to this file")
    p.add_argument("--write-summary", help="write the epoch's one-line summary (objective, CE, frames) to this file")
    p.add_argument("--apply-cmvn", default="true", choices=["true", "false"])
    p.add_argument("--norm-vars", default="false", choices=["true", "false"])
    p.add_argument("--delta-order", type=int, default=0)
    args = p.parse_args(argv)

    import json
    import os

    import torch

    from mtlhybrid.nnet.checkpoint import load_checkpoint, save_checkpoint
    from mtlhybrid.nnet.inputs import FeatureOptions, read_features
    from mtlhybrid.nnet.priors import compute_priors, read_counts
    from mtlhybrid.seqtrain.criteria import CriterionOptions
    from mtlhybrid.seqtrain.trainer import SeqTrainOptions, SequenceTrainer, load_seq_data

    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    sil = parse_csl(args.silence_phones)
    crit = CriterionOptions(args.criterion, args.acoustic_scale, args.lm_scale, args.boost, 0.0, tuple(sil),
                            _bool(args.one_silence_class), _bool(args.drop_frames))
    opts = SeqTrainOptions(crit, args.learn_rate, args.smooth_weight, _bool(args.keep_aux_tasks), args.utts_per_step,
                           prior_scale=args.prior_scale, seed=args.seed, epoch=args.epoch)
    ckpt = load_checkpoint(args.model_in)
    feats = read_features(args.data, FeatureOptions(_bool(args.apply_cmvn), _bool(args.norm_vars), args.delta_order))
    data = load_seq_data(ckpt, feats, args.data, args.ali_dir, args.denlat_dir, args.lang, args.corpus, device=args.device)
    priors = compute_priors(read_counts(args.class_frame_counts))
    trainer = SequenceTrainer(ckpt, priors, data, opts, device=args.device)
    stats = trainer.train_epoch()
    save_checkpoint(args.model_out, trainer.checkpoint(stats))
    row = trainer.checkpoint(stats)["sequence_training"][-1]
    log.info("stats %s", json.dumps(row, sort_keys=True))
    if args.write_stats:
        with open(args.write_stats, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    if args.write_summary:
        with open(args.write_summary, "w", encoding="utf-8") as f:
            f.write(summary_line(row) + "\n")
    log.info("wrote %s", args.model_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
