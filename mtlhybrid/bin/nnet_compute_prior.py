"""Count pdfs in alignments, for the priors of hybrid decoding (Kaldi's ali_train_pdf.counts).

  nnet_compute_prior.py [options] <ali-dir> <counts-out>

Reads <ali-dir>/ali.*.gz and <ali-dir>/final.mdl, writes the per-pdf frame counts as a
Kaldi text vector. nnet_forward.py --class-frame-counts turns them into log priors.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger(__name__)


@tool_main
def main(argv: Optional[List[str]] = None) -> int:
    p = make_parser("nnet_compute_prior.py", __doc__)
    p.add_argument("ali_dir")
    p.add_argument("counts_out")
    args = p.parse_args(argv)

    from mtlhybrid.nnet.priors import count_pdfs, write_counts
    from mtlhybrid.nnet.targets import load_alignment_targets

    tt = load_alignment_targets(args.ali_dir, "pdf")
    counts = count_pdfs(tt.targets, tt.identity.num_classes)
    write_counts(args.counts_out, counts)
    log.info("counted %d frames of %d utterances over %d pdfs (%d pdfs unseen)", int(counts.sum()), len(tt.targets),
             len(counts), int((counts == 0).sum()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
