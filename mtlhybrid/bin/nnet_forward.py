"""Run a trained network over a data dir: senone scores for decoding, auxiliary predictions.

  nnet_forward.py [options] <model.pt> <data-dir> <scores-wspecifier>

<scores-wspecifier> is ``ark,scp:<ark>,<scp>``: per utterance a [frames, num_pdfs] matrix
``(log p(pdf|x) - prior_scale * log prior(pdf)) * acoustic_scale`` (priors from
--class-frame-counts; none: plain log-posteriors). With --aux-dir, each utterance-level
task writes <aux-dir>/utt2<task>.pred lines ``<utt> <label> <posterior>``.
With --lang and/or --tree the checkpoint is checked against them (another lang or tree
is an error naming both).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_forward.py", __doc__)
    p.add_argument("model")
    p.add_argument("data")
    p.add_argument("scores_wspecifier")
    p.add_argument("--class-frame-counts", help="pdf counts (nnet_compute_prior.py output) for the priors")
    p.add_argument("--prior-floor", type=float, default=1e-8)
    p.add_argument("--prior-scale", type=float, default=1.0)
    p.add_argument("--acoustic-scale", type=float, default=1.0)
    p.add_argument("--corpus", help="which corpus's input layer and heads (multilingual models)")
    p.add_argument("--task", help="senone task (default: the primary task)")
    p.add_argument("--aux-dir", help="write utterance-level predictions here")
    p.add_argument("--lang", help="decoding lang dir: its phones.txt must match the model's")
    p.add_argument("--tree", help="decoding tree: must match the model's")
    p.add_argument("--device", default="cpu")
    p.add_argument("--apply-cmvn", default="true", choices=["true", "false"])
    p.add_argument("--norm-vars", default="false", choices=["true", "false"])
    p.add_argument("--delta-order", type=int, default=0)
    args = p.parse_args(argv)

    import torch

    from mtlhybrid.nnet.inference import NnetForward
    from mtlhybrid.nnet.inputs import FeatureOptions, read_features
    from mtlhybrid.nnet.priors import DISABLED_LOG_PRIOR, compute_priors, num_disabled, read_counts
    from mtlhybrid.nnet.targets import TaskIdentity, file_hash
    from mtlhybrid.utils.io import atomic_write
    from mtlhybrid.utils.kaldi_io import ark_scp_paths, write_matrices_ark_scp

    torch.set_num_threads(1)
    fwd = NnetForward(args.model, args.corpus, args.device)
    task = args.task or fwd.default_senone_task()
    if args.lang or args.tree:
        from mtlhybrid.nnet.checkpoint import check_identity, load_checkpoint

        n = fwd.identities[task].num_classes
        if args.tree:
            from mtlhybrid.hmm.tree import ContextDependency

            n = ContextDependency.read(args.tree).num_pdfs
        expected = {task: TaskIdentity(n, [], file_hash(Path(args.lang) / "phones.txt") if args.lang else "",
                                       file_hash(args.tree) if args.tree else "")}
        check_identity(load_checkpoint(args.model), expected, args.model, f"lang {args.lang or '-'} / tree {args.tree or '-'}")
    log_priors = None
    if args.class_frame_counts:
        log_priors = compute_priors(read_counts(args.class_frame_counts), args.prior_floor)
        n_off = num_disabled(log_priors)
        if n_off:
            log.warning("%d of %d pdfs have a prior below %g in %s (never or rarely in the training alignments): "
                        "their scores are lowered by %g so that decoding avoids them", n_off,
                        len(log_priors), args.prior_floor, args.class_frame_counts, DISABLED_LOG_PRIOR)
    feats = read_features(args.data, FeatureOptions(args.apply_cmvn == "true", args.norm_vars == "true", args.delta_order))
    ark, scp = ark_scp_paths(args.scores_wspecifier)
    preds = {}

    def items():
        for utt, mat, aux in fwd.run(feats, log_priors, task, None, args.acoustic_scale, args.prior_scale):
            for name, pred in aux.items():
                preds.setdefault(name, {})[utt] = pred
            yield utt, mat

    n = write_matrices_ark_scp(ark, scp, items())
    log.info("wrote scores of %d utterances to %s", n, scp)
    if args.aux_dir:
        for name, table in preds.items():
            with atomic_write(Path(args.aux_dir) / f"utt2{name}.pred") as f:
                for utt in sorted(table):
                    f.write(f"{utt} {table[utt].label} {table[utt].posterior:.6f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
