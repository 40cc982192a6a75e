"""Print what a network checkpoint holds: tasks, classes, identity hashes, layers, training state.

  nnet_info.py <model.pt>
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_info.py", __doc__)
    p.add_argument("model")
    args = p.parse_args(argv)
    from mtlhybrid.nnet.checkpoint import build_model_from_checkpoint, checkpoint_identities, load_checkpoint

    ckpt = load_checkpoint(args.model)
    model = build_model_from_checkpoint(ckpt)
    cfg = model.config
    print(f"model {args.model}")
    print(f"trunk {cfg.model.type} sharing={cfg.model.sharing} layers={cfg.model.layer_count()} "
          f"dims={cfg.model.layer_dims()} norm={cfg.model.norm} context=[-{model.left_context},+{model.right_context}]")
    print(f"corpora {' '.join(f'{c}:dim={d}' for c, d in ckpt['feat_dims'].items())}")
    print(f"num-parameters {model.num_parameters()}")
    for name, ident in checkpoint_identities(ckpt).items():
        t = cfg.task(name)
        print(f"task {name} level={t.level} source={t.source} corpus={t.corpus or '*'} layer={t.layer} classes={ident.num_classes} "
              f"weight={t.weight} adversarial={t.adversarial} primary={t.primary} "
              f"phones={ident.phones_hash or '-'} tree={ident.tree_hash or '-'}")
    st = ckpt.get("train_state")
    if st:
        print(f"trained epochs={st['epoch']} steps={st['step']} best_epoch={st['best_epoch']} early_stop={st['stopped_early']}")
    if "averaged_from" in ckpt:
        print("averaged-from " + " ".join(ckpt["averaged_from"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
