"""Transcribe audio that has no transcript with a trained hybrid network.

  transcribe.py --model-dir <exp-dir> --graph-dir <graph-dir> [options] <wav files... | data-dir> <out-text>

<exp-dir> is what steps/nnet/train_mtl.sh (or adapt.sh) wrote: final.pt, final.mdl, tree,
phones.txt, priors, the feature config and CMVN options. Each wav file is one utterance
(id: the file name without extension, its own speaker for CMVN); a data dir gives its
wav.scp (and segments). Writes ``<utt> <words>`` lines to <out-text> and prints them;
--aux-out writes the utterance-level predictions (``<utt> <task> <label>``, e.g. accent).
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("transcribe", __doc__)
    p.add_argument("--model-dir", required=True, help="network experiment dir (final.pt ...)")
    p.add_argument("--graph-dir", required=True, help="graph dir (HCLG.fst, words.txt, phones.txt)")
    p.add_argument("--nj", type=int, default=1, help="parallel processes")
    p.add_argument("--acwt", type=float, default=0.1, help="acoustic scale")
    p.add_argument("--beam", type=float, default=13.0)
    p.add_argument("--max-active", type=int, default=7000)
    p.add_argument("--prior-scale", type=float, default=1.0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--aux-out", help="write utterance-level predictions here")
    p.add_argument("inputs", nargs="+", help="audio files, or one data dir")
    p.add_argument("out_text")
    args = p.parse_args(argv)

    from mtlhybrid.hybrid.transcribe import TranscribeOptions, collect_inputs, transcribe_all
    from mtlhybrid.utils.io import atomic_write
    from mtlhybrid.utils.log import get_logger

    log = get_logger("transcribe")
    items = collect_inputs(args.inputs)
    opts = TranscribeOptions(args.acwt, args.beam, args.max_active, args.prior_scale, args.device)
    results = transcribe_all(args.model_dir, args.graph_dir, items, opts, args.nj)
    with atomic_write(args.out_text) as f:
        for t in results:
            line = f"{t.utt} {t.text}".rstrip()
            f.write(line + "\n")
            print(line)
    if args.aux_out:
        with atomic_write(args.aux_out) as f:
            for t in results:
                for task, label in sorted(t.aux.items()):
                    f.write(f"{t.utt} {task} {label}\n")
    partial = sum(1 for t in results if not t.reached_final)
    log.info("transcribed %d utterances (%d partial, %d empty)", len(results), partial, sum(1 for t in results if not t.words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
