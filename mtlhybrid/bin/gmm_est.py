"""gmm-est: M-step of a GMM-HMM model (Gaussians and transitions), optionally mixing up.

With --device cpu (the default) the update runs in numpy and torch is never imported (it
cost seconds per training iteration); --device cuda runs the torch update. The two agree
to float rounding except for the random directions of the mix-up perturbation.

Usage: python -m mtlhybrid.bin.gmm_est [options] <model-in> <stats-in> [<stats-in> ...] <model-out>
  e.g. python -m mtlhybrid.bin.gmm_est --min-gaussian-occupancy 3 --mix-up 1000 --power 0.25 \\
         exp/mono/1.mdl "gmm_sum_accs - exp/mono/1.*.acc |" exp/mono/2.mdl
       python -m mtlhybrid.bin.gmm_est --mix-up 1000 exp/mono/1.mdl exp/mono/1.*.acc exp/mono/2.mdl

Kaldi's gmm-est takes one <stats-in> (the jobs' files summed by gmm-sum-accs in a pipe);
here several files are also accepted and summed in this process as gmm_sum_accs would
(float64, the same numbers), which saves one Python start per training iteration.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.gmm.tool_io import limit_blas_threads

    limit_blas_threads()
    from mtlhybrid.gmm.mle_options import MleOptions
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.utils.errors import DataError, MismatchError
    from mtlhybrid.utils.log import get_logger

    log = get_logger("gmm_est")
    p = make_parser("gmm_est", __doc__)
    p.add_argument("--min-gaussian-occupancy", type=float, default=10.0)
    p.add_argument("--min-gaussian-weight", type=float, default=1e-5)
    p.add_argument("--min-variance", type=float, default=1e-3)
    p.add_argument("--variance-floor-fraction", type=float, default=1e-3, help="floor variances at this fraction of the global variance")
    p.add_argument("--remove-low-count-gaussians", default="true", choices=["true", "false"])
    p.add_argument("--mix-up", type=int, default=0, help="increase the number of Gaussians to this total (0: no mixing up)")
    p.add_argument("--power", type=float, default=0.2, help="exponent of the occupancy in the mix-up allocation")
    p.add_argument("--perturb-factor", type=float, default=0.01)
    p.add_argument("--min-count", type=float, default=20.0, help="mix-up: minimum frames per Gaussian")
    p.add_argument("--update-transitions", default="true", choices=["true", "false"])
    p.add_argument("--transition-floor", type=float, default=0.01)
    p.add_argument("--transition-min-count", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0, help="seed of the mix-up perturbation")
    p.add_argument("--device", default="cpu", help="cpu (numpy, no torch import) or cuda (torch)")
    p.add_argument("model_in")
    p.add_argument("stats_in", nargs="+", help="accumulators: one path or pipe, or several files to sum")
    p.add_argument("model_out")
    args = p.parse_args(argv)
    stats_in = args.stats_in[0]
    if len(args.stats_in) > 1:
        if any(s.rstrip().endswith("|") for s in args.stats_in):
            raise DataError("several <stats-in> must be files, not pipes")
        from mtlhybrid.gmm.acc_file import sum_acc_files

        summed = sum_acc_files(args.stats_in)
        frames = summed["total_frames"]
        log.info("summed %d files: %g frames, avg like per frame %.6g", len(args.stats_in), frames,
                 summed["total_log_like"] / frames if frames > 0 else float("nan"))

    if args.device == "cpu":
        from mtlhybrid.gmm.tool_io import load_numpy_gmm_model, read_numpy_accs_rx

        tm, am = load_numpy_gmm_model(args.model_in)
        if len(args.stats_in) > 1:
            from mtlhybrid.gmm.numpy_gmm import NumpyGmmAccs

            accs = NumpyGmmAccs(summed["occ"], summed["mean_acc"], summed["var_acc"], summed["total_log_like"], frames)
            counts = summed["transition_counts"]
        else:
            accs, counts = read_numpy_accs_rx(stats_in)
    else:
        from mtlhybrid.gmm.tool_io import load_accs_rx, load_gmm_model

        tm, am = load_gmm_model(args.model_in, device=args.device)
        if len(args.stats_in) > 1:
            import tempfile

            from mtlhybrid.gmm.acc_file import write_acc_file

            with tempfile.TemporaryDirectory() as tmp:
                write_acc_file(f"{tmp}/sum.acc", summed["occ"], summed["mean_acc"], summed["var_acc"],
                               summed["total_log_like"], frames, summed["transition_counts"])
                accs, counts = load_accs_rx(f"{tmp}/sum.acc", device=args.device)
        else:
            accs, counts = load_accs_rx(stats_in, device=args.device)
        counts = None if counts is None else counts.numpy()
    if args.update_transitions == "true":
        if counts is None:
            raise DataError("statistics carry no transition counts (use --update-transitions false)", path=stats_in)
        if counts.size != tm.num_transition_ids + 1:
            raise MismatchError(f"{counts.size} transition counts for {tm.num_transition_ids} transition ids (+1)")
        tm.mle_update(counts, floor=args.transition_floor, min_count=args.transition_min_count)
    opts = MleOptions(args.min_gaussian_occupancy, args.min_gaussian_weight, args.min_variance,
                      args.variance_floor_fraction, args.remove_low_count_gaussians == "true")
    if args.device == "cpu":
        from mtlhybrid.gmm import numpy_gmm

        am, stats = numpy_gmm.mle_update(am, accs, opts)
    else:
        from mtlhybrid.gmm.mle import mle_update

        stats = mle_update(am, accs, opts)
    log.info("GMM update: objf change %.6g per frame over %g frames; %d Gaussians removed",
             stats.objf_impr_per_frame, stats.count, stats.removed_gaussians)
    if args.mix_up > 0 and args.device == "cpu":
        import numpy as np

        am = numpy_gmm.split_to_total(am, accs.occ.sum(1), args.mix_up, power=args.power, perturb_factor=args.perturb_factor,
                                      min_count=args.min_count, rng=np.random.default_rng(args.seed))
    elif args.mix_up > 0:
        import torch

        from mtlhybrid.gmm.mixup import split_to_total

        gen = torch.Generator(device=am.device).manual_seed(args.seed)
        split_to_total(am, accs.occs_per_pdf(), args.mix_up, power=args.power, perturb_factor=args.perturb_factor,
                       min_count=args.min_count, generator=gen)
    save_model(args.model_out, tm, numpy_gmm.model_dict(am) if args.device == "cpu" else am)
    return 0


if __name__ == "__main__":
    sys.exit(main())
