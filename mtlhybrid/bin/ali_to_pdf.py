"""Per-frame pdf ids of transition-id alignments (Kaldi's ali-to-pdf).

  ali_to_pdf <model> <alignments> [<alignments> ...] <pdfs-out>

Alignments: files (``ali.1.gz``), globs, or ``"ark:gunzip -c exp/mono/ali.*.gz|"``.
Output: a text archive ``utt pdf pdf ...`` (``-`` for stdout; a ``.gz`` name writes a
gzipped binary archive), or any wspecifier: ``ark:f`` binary, ``ark,t:f`` text,
``"ark:| gzip -c > f.gz"``."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("ali_to_pdf")


@tool_main
def main(argv=None) -> int:
    p = make_parser("ali_to_pdf", __doc__)
    p.add_argument("model")
    p.add_argument("alignments", nargs="+")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.hmm.alignment import ali_to_pdfs
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.utils.kaldi_io import write_int_vectors_wspecifier

    tm, _ = load_model(a.model)
    n = write_int_vectors_wspecifier(a.out, ((utt, ali_to_pdfs(tm, ali, utt)) for utt, ali in read_alignments(a.alignments)))
    log.info("converted %d alignments to pdfs", n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
