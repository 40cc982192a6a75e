"""Fine-tune a trained network on a new corpus (called by steps/nnet/adapt.sh).

  nnet_adapt.py [options] <src-model.pt> <exp-dir>

Keeps the source's shared layers, gives the new corpus's tree a new senone head (heads
whose classes are identical are kept; label tasks without utt2<label> in --data are
dropped), and trains with the multi-task trainer: --freeze-layers K keeps the first K
shared layers fixed, --lr sets the learning rate, --l2-weight pulls the shared weights
toward the source's (L2-SP), --kl-weight pulls the outputs of the carried-over heads
toward the source network's (KLD adaptation). Writes <exp-dir>/{final.pt,adapt.json,
train_log.csv,mtl.yaml}; resumes from <exp-dir>/last.pt unless --no-resume.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_adapt.py", __doc__)
    p.add_argument("src_model", help="source network (final.pt)")
    p.add_argument("dir", help="output experiment dir")
    p.add_argument("--data", required=True, help="adaptation data dir (feats.scp, cmvn.scp, utt2<label>)")
    p.add_argument("--ali", action="append", default=[], help="alignment dir of the new corpus, or NAME=DIR")
    p.add_argument("--lang", help="the new corpus's lang dir (phones.txt)")
    p.add_argument("--valid-data")
    p.add_argument("--valid-ali", action="append", default=[])
    p.add_argument("--source-corpus", help="which corpus of a multi-corpus source network to adapt from")
    p.add_argument("--freeze-layers", type=int, default=0, help="keep the first K shared layers fixed")
    p.add_argument("--lr", type=float, help="learning rate (default: the source config's)")
    p.add_argument("--kl-weight", type=float, default=0.0, help="KL toward the source's outputs on shared tasks")
    p.add_argument("--l2-weight", type=float, default=0.0, help="L2 toward the source's shared weights (L2-SP)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-resume", action="store_true")
    p.add_argument("--apply-cmvn", default="true", choices=["true", "false"])
    p.add_argument("--norm-vars", default="false", choices=["true", "false"])
    p.add_argument("--delta-order", type=int, default=0)
    args = p.parse_args(argv)

    import os

    import torch
    import yaml

    from mtlhybrid.adapt.finetune import AdaptOptions, adapt_network
    from mtlhybrid.nnet.config import named_alignment_dirs
    from mtlhybrid.nnet.inputs import FeatureOptions
    from mtlhybrid.utils.errors import DataError
    from mtlhybrid.utils.io import atomic_write

    if not args.ali:
        raise DataError("--ali is required (the new corpus's alignment dir)")
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    opts = AdaptOptions(args.freeze_layers, args.lr, args.kl_weight, args.l2_weight, list(args.set), args.source_corpus)
    feat_opts = FeatureOptions(args.apply_cmvn == "true", args.norm_vars == "true", args.delta_order)
    res = adapt_network(args.src_model, args.dir, args.data, named_alignment_dirs(args.ali, "--ali"), args.lang, args.valid_data,
                        named_alignment_dirs(args.valid_ali, "--valid-ali"), opts, feat_opts, args.device, not args.no_resume)
    if res.final_path is not None:
        from mtlhybrid.nnet.checkpoint import load_checkpoint

        with atomic_write(Path(args.dir) / "mtl.yaml") as f:
            yaml.safe_dump(load_checkpoint(res.final_path)["config"], f, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
