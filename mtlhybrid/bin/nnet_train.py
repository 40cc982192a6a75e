"""Train the multi-task network (Kaldi-like tool; called by steps/nnet/train_mtl.sh).

  nnet_train.py [options] <config.yaml> <exp-dir>

Paths of a single corpus come from the options (--data, --ali, --lang, --valid-data,
--valid-ali); several corpora come from the config's ``corpora`` section. Run under
``torchrun --nproc_per_node N -m mtlhybrid.bin.nnet_train ...`` for distributed training.
Writes <exp-dir>/{epoch<N>.pt,last.pt,final.pt,train_log.csv,mtl.yaml}; resumes from
last.pt when present unless --no-resume.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_train.py", __doc__)
    p.add_argument("config", help="task/model/training YAML")
    p.add_argument("dir", help="output experiment dir")
    p.add_argument("--corpus", default="default", help="name of the corpus given by --data/--ali")
    p.add_argument("--data", help="training data dir (feats.scp, cmvn.scp, utt2<label>)")
    p.add_argument("--ali", action="append", default=[], help="alignment dir, or NAME=DIR for alternate alignments")
    p.add_argument("--lang", help="lang dir (phones.txt, for identity hashes and phone maps)")
    p.add_argument("--valid-data", help="held-out data dir")
    p.add_argument("--valid-ali", action="append", default=[], help="alignment dir(s) of the held-out data")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value, e.g. train.epochs=5")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--no-resume", action="store_true", help="start afresh even if <dir>/last.pt exists")
    p.add_argument("--apply-cmvn", default="true", choices=["true", "false"])
    p.add_argument("--norm-vars", default="false", choices=["true", "false"])
    p.add_argument("--delta-order", type=int, default=0)
    args = p.parse_args(argv)

    import torch
    import yaml

    from mtlhybrid.nnet.config import MtlConfig, apply_override, load_config, named_alignment_dirs
    from mtlhybrid.nnet.inputs import FeatureOptions, build_inputs
    from mtlhybrid.nnet.trainer import Trainer, check_resume_config
    from mtlhybrid.utils.io import atomic_write

    cfg = load_config(args.config)
    raw = cfg.to_dict()
    for s in args.set:
        apply_override(raw, s)
    if args.data:
        raw.setdefault("corpora", {})[args.corpus] = {
            "data": args.data, "ali": named_alignment_dirs(args.ali, "--ali"), "lang": args.lang,
            "valid_data": args.valid_data, "valid_ali": named_alignment_dirs(args.valid_ali, "--valid-ali"),
        }
    cfg = MtlConfig.from_dict(raw, "", args.config)

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        import torch.distributed as dist

        backend = "nccl" if args.device.startswith("cuda") else "gloo"
        dist.init_process_group(backend)
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    feat_opts = FeatureOptions(args.apply_cmvn == "true", args.norm_vars == "true", args.delta_order)
    train, valid, identities = build_inputs(cfg, feat_opts)
    if not args.no_resume:
        check_resume_config(args.dir, cfg, args.dir)
    if int(os.environ.get("RANK", "0")) == 0:
        with atomic_write(os.path.join(args.dir, "mtl.yaml")) as f:
            yaml.safe_dump(cfg.to_dict(), f, sort_keys=False)
    trainer = Trainer(cfg, train, identities, args.dir, valid=valid, device=args.device)
    trainer.fit(resume=not args.no_resume)
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
