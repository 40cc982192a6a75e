"""gmm-mixup: grow a GMM-HMM model to a total number of Gaussians, given per-pdf occupancies.

Usage: python -m mtlhybrid.bin.gmm_mixup [options] <model-in> <state-occs-in> <model-out>
  e.g. python -m mtlhybrid.bin.gmm_mixup --mix-up 2000 exp/tri1/1.mdl exp/tri1/1.occs exp/tri1/1.mdl

As Kaldi's gmm-mixup, used straight after gmm_init_model (whose --write-occs gives the
occupancies, one number per line), so a new tree's first EM pass already has the
Gaussians its pdfs can support. The allocation is :func:`mtlhybrid.gmm.mixup.split_to_total`.
It keeps torch (one import per triphone system) for torch's random perturbation: with
numpy's (``numpy_gmm.split_to_total``) the small LDA+MLLT system of tests/test_steps_gmm.py
decoded at exactly its 40% WER threshold (32 of 80 words) in one run.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("gmm_mixup", __doc__)
    p.add_argument("--mix-up", type=int, default=0, help="target total number of Gaussians (0: leave the model as it is)")
    p.add_argument("--power", type=float, default=0.2, help="exponent of the occupancy in the allocation")
    p.add_argument("--min-count", type=float, default=20.0, help="least frames per Gaussian")
    p.add_argument("--perturb-factor", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0, help="seed of the perturbation")
    p.add_argument("model_in")
    p.add_argument("occs_in")
    p.add_argument("model_out")
    args = p.parse_args(argv)

    import torch

    from mtlhybrid.gmm.mixup import split_to_total
    from mtlhybrid.gmm.tool_io import load_gmm_model
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.utils.errors import DataError, MismatchError
    from mtlhybrid.utils.io import iter_lines
    from mtlhybrid.utils.log import get_logger

    log = get_logger("gmm_mixup")
    tm, am = load_gmm_model(args.model_in)
    occs = []
    for lineno, line in iter_lines(args.occs_in):
        if not line.strip():
            continue
        try:
            occs.append(float(line))
        except ValueError:
            raise DataError(f"expected one occupancy per line, got {line!r}", path=args.occs_in, line=lineno)
    if len(occs) != am.num_pdfs:
        raise MismatchError(f"{args.occs_in} has {len(occs)} occupancies, the model {args.model_in} {am.num_pdfs} pdfs")
    if args.mix_up > 0:
        gen = torch.Generator(device=am.device).manual_seed(args.seed)
        before = am.total_gauss
        split_to_total(am, torch.tensor(occs), args.mix_up, power=args.power, perturb_factor=args.perturb_factor,
                       min_count=args.min_count, generator=gen)
        log.info("mixed up from %d to %d Gaussians (target %d)", before, am.total_gauss, args.mix_up)
    save_model(args.model_out, tm, am)
    return 0


if __name__ == "__main__":
    sys.exit(main())
