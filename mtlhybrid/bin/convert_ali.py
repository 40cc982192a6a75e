"""Re-express alignments with a new model and tree of the same topology (Kaldi's convert-ali).

  convert_ali [--reordered] <old-model> <new-model> <new-tree> <old-alignments> <new-alignments-out>

Phones, HMM-state paths and frame counts are kept; pdfs come from the new tree in each
phone's context. Used to start triphone training from monophone alignments. Output named
``*.gz`` is a gzipped binary archive (as ``ali.JOB.gz``)."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("convert_ali")


@tool_main
def main(argv=None) -> int:
    p = make_parser("convert_ali", __doc__)
    p.add_argument("--reordered", action="store_true", help="alignments come from graphs with reordered self-loops")
    p.add_argument("old_model")
    p.add_argument("new_model")
    p.add_argument("new_tree")
    p.add_argument("old_alignments")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.hmm.alignment import convert_alignment
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.hmm.tree import ContextDependency
    from mtlhybrid.utils.errors import MtlHybridError
    from mtlhybrid.utils.kaldi_io import write_int_vectors_wspecifier

    old_tm, _ = load_model(a.old_model)
    new_tm, _ = load_model(a.new_model)
    tree = ContextDependency.read(a.new_tree)
    if tree.num_pdfs != new_tm.num_pdfs:
        from mtlhybrid.utils.errors import MismatchError

        raise MismatchError(f"{a.new_tree} has {tree.num_pdfs} pdfs but {a.new_model} has {new_tm.num_pdfs}")
    out, failed = [], []
    for utt, ali in read_alignments([a.old_alignments]):
        try:
            out.append((utt, convert_alignment(old_tm, new_tm, tree, ali, reordered=a.reordered, utt=utt)))
        except MtlHybridError as e:
            failed.append(utt)
            log.warning("could not convert %s: %s", utt, e)
    write_int_vectors_wspecifier(a.out, out)
    log.info("converted %d alignments, %d failed%s", len(out), len(failed), f" ({' '.join(failed[:10])})" if failed else "")
    return 0 if out or not failed else 1


if __name__ == "__main__":
    sys.exit(main())
