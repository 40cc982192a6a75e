"""gmm-compute-likes: per-frame log-likelihoods of every pdf, for alignment and decoding.

Usage: python -m mtlhybrid.bin.gmm_compute_likes [options] <model-in> <data-dir> <loglikes-wspecifier>
  e.g. python -m mtlhybrid.bin.gmm_compute_likes --delta-order 2 exp/tri1/final.mdl data/test/split2/1 ark:- |
         python -m mtlhybrid.bin.latgen ... ark:- ...

Writes one [frames, num_pdfs] float32 matrix per utterance as a Kaldi binary archive (``ark:-``
is stdout, so the scores stream into ``align_mapped`` or ``latgen`` as in Kaldi's pipelines).
With --device cpu (the default) the scores are computed in numpy without importing torch.
``--boost-silence B`` multiplies the likelihood of every pdf of the silence phones by B
(Kaldi's gmm-boost-silence), which steers early alignments towards silence at the edges.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.gmm.tool_io import silence_pdfs  # noqa: F401  (moved to the library, still importable here)
from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("gmm_compute_likes")


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("gmm_compute_likes", __doc__)
    from mtlhybrid.gmm.tool_io import add_feature_options, limit_blas_threads, load_gmm_model, load_numpy_gmm_model, open_features

    limit_blas_threads()

    add_feature_options(p)
    p.add_argument("--boost-silence", type=float, default=1.0, help="factor on the likelihood of silence pdfs (1.0: none)")
    p.add_argument("--silence-phones", default="", help="colon-separated silence phone ids (phones/silence.csl)")
    p.add_argument("--device", default="cpu", help="cpu (numpy, no torch import) or cuda (torch)")
    p.add_argument("model_in")
    p.add_argument("data_dir")
    p.add_argument("loglikes_wspecifier")
    args = p.parse_args(argv)

    import math

    import numpy as np

    from mtlhybrid.utils.errors import MismatchError, MtlHybridError
    from mtlhybrid.utils.kaldi_io import MatrixWriter

    if args.device == "cpu":
        tm, am = load_numpy_gmm_model(args.model_in)

        def log_likelihoods(feats):
            return am.log_likelihoods(feats)
    else:
        import torch

        tm, am = load_gmm_model(args.model_in, device=args.device)

        def log_likelihoods(feats):
            with torch.no_grad():
                return am.log_likelihoods(torch.as_tensor(feats, device=am.device)).cpu().numpy().astype(np.float32)
    reader = open_features(args.data_dir, args, torch_threads=args.device != "cpu")
    boost_cols: List[int] = []
    if args.boost_silence != 1.0:
        if not args.silence_phones:
            raise MtlHybridError("--boost-silence needs --silence-phones (e.g. $(cat lang/phones/silence.csl))")
        boost_cols = silence_pdfs(tm, [int(x) for x in args.silence_phones.split(":") if x])
        logger.info("boosting %d silence pdfs by %g", len(boost_cols), args.boost_silence)
    log_boost = math.log(args.boost_silence) if args.boost_silence > 0 else 0.0
    n, frames = 0, 0
    with MatrixWriter(args.loglikes_wspecifier) as out:
        for utt, feats in reader.items():
            if feats.shape[1] != am.dim:
                raise MismatchError(f"utterance {utt}: features have dimension {feats.shape[1]}, the model {args.model_in} expects {am.dim}")
            ll = log_likelihoods(feats)
            if boost_cols:
                ll[:, boost_cols] += log_boost
            out.write(utt, ll)
            n += 1
            frames += feats.shape[0]
    logger.info("computed log-likelihoods of %d pdfs for %d utterances, %d frames", am.num_pdfs, n, frames)
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
