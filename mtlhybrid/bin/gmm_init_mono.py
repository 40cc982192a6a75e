"""gmm-init-mono: a monophone model (one single-Gaussian pdf per phone state) and its tree.

Usage: python -m mtlhybrid.bin.gmm_init_mono [options] <topology-in> <dim> <model-out> <tree-out>
  e.g. python -m mtlhybrid.bin.gmm_init_mono --train-feats data/train_10 --shared-phones data/lang/phones/sets.int \\
         data/lang/topo 39 exp/mono/0.mdl exp/mono/tree

Every pdf starts at the global mean and variance of --train-feats (a data dir; mean 0 and
variance 1 without it), as Kaldi does; the first EM pass on equal alignments separates them.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    from mtlhybrid.gmm.tool_io import add_feature_options, limit_blas_threads, open_features

    limit_blas_threads()
    import numpy as np

    from mtlhybrid.gmm.numpy_gmm import NumpyAmDiagGmm, model_dict
    from mtlhybrid.hmm.model_file import save_model
    from mtlhybrid.hmm.topology import Topology
    from mtlhybrid.hmm.transition_model import TransitionModel
    from mtlhybrid.hmm.tree import monophone_tree
    from mtlhybrid.utils.errors import DataError, MismatchError
    from mtlhybrid.utils.io import iter_lines
    from mtlhybrid.utils.log import get_logger

    log = get_logger("gmm_init_mono")
    p = make_parser("gmm_init_mono", __doc__)
    p.add_argument("--train-feats", default=None, help="data dir whose features give the global mean and variance")
    p.add_argument("--shared-phones", default=None, help="file with lines of phone ids that share pdfs (phones/sets.int)")
    p.add_argument("--min-variance", type=float, default=1e-3)
    add_feature_options(p)
    p.add_argument("topo")
    p.add_argument("dim", type=int)
    p.add_argument("model_out")
    p.add_argument("tree_out")
    args = p.parse_args(argv)

    topo = Topology.read(args.topo)
    roots = None
    if args.shared_phones:
        roots, seen = [], set()
        for lineno, line in iter_lines(args.shared_phones):
            try:
                phones = [int(x) for x in line.split()]
            except ValueError:
                raise DataError(f"expected phone ids, got {line!r}", path=args.shared_phones, line=lineno)
            if phones:
                roots.append(phones)
                seen.update(phones)
        roots += [[ph] for ph in topo.phones if ph not in seen]
    tree = monophone_tree(topo, roots)
    tm = TransitionModel(topo, tree)

    mean = np.zeros(args.dim)
    var = np.ones(args.dim)
    if args.train_feats:
        reader = open_features(args.train_feats, args, torch_threads=False)
        n, s1, s2 = 0, np.zeros(args.dim), np.zeros(args.dim)
        for utt in reader:
            f = np.asarray(reader[utt], dtype=np.float64)
            if f.shape[1] != args.dim:
                raise MismatchError(f"utterance {utt}: feature dimension {f.shape[1]}, expected {args.dim}")
            n += f.shape[0]
            s1 += f.sum(0)
            s2 += (f * f).sum(0)
        if n == 0:
            raise DataError("no feature frames", path=args.train_feats)
        mean = s1 / n
        var = np.maximum(s2 / n - mean * mean, args.min_variance)
        log.info("global mean and variance from %d frames", n)
    # every pdf one Gaussian with the global mean and variance (AmDiagGmm.init_from_stats, without torch)
    P, D = tree.num_pdfs, args.dim
    am = NumpyAmDiagGmm(np.ones((P, 1), dtype=np.float32), np.tile(mean.astype(np.float32), (P, 1, 1)),
                        np.tile(var.astype(np.float32), (P, 1, 1)), np.ones(P, dtype=np.int64))
    tree.write(args.tree_out)
    save_model(args.model_out, tm, model_dict(am))
    log.info("%d phones, %d pdfs, %d transition ids", len(topo.phones), tree.num_pdfs, tm.num_transition_ids)
    return 0


if __name__ == "__main__":
    sys.exit(main())
