"""Phone sequences, per-frame phones or CTM from transition-id alignments (Kaldi's ali-to-phones).

  ali_to_phones [options] <model> <alignments> [<alignments> ...] <out>

Default output: ``utt p1 p2 ...`` (one id per phone instance). --per-frame: one phone id
per frame. --per-frame-states: one phone-state class per frame (index of the sorted
(phone, hmm-state) pairs of the model). --write-lengths: ``utt p1 n1 ; p2 n2 ...``.
--ctm-output: CTM lines ``utt 1 start dur phone`` (times from --frame-shift)."""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

log = get_logger("ali_to_phones")


@tool_main
def main(argv=None) -> int:
    p = make_parser("ali_to_phones", __doc__)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--per-frame", action="store_true", help="one phone per frame")
    g.add_argument("--per-frame-states", action="store_true", help="one phone-state class per frame")
    g.add_argument("--ctm-output", action="store_true", help="write CTM lines instead of an archive")
    g.add_argument("--write-lengths", action="store_true", help="write 'phone length' pairs separated by ';'")
    p.add_argument("--frame-shift", type=float, default=0.01, help="seconds per frame for CTM (default 0.01)")
    p.add_argument("--reordered", action="store_true", help="alignments come from graphs with reordered self-loops")
    p.add_argument("--phone-symbol-table", default=None, help="phones.txt: print phone names in CTM output")
    p.add_argument("model")
    p.add_argument("alignments", nargs="+")
    p.add_argument("out")
    a = p.parse_args(argv)
    from mtlhybrid.hmm.ali_io import read_alignments
    from mtlhybrid.hmm.alignment import ali_to_frame_phones, ali_to_phone_states, ctm_lines, split_to_phones
    from mtlhybrid.hmm.model_file import load_model
    from mtlhybrid.utils.kaldi_io import write_int_vectors_wspecifier, write_text_wspecifier

    tm, _ = load_model(a.model)
    alis = read_alignments(a.alignments)
    if a.per_frame:
        n = write_int_vectors_wspecifier(a.out, ((u, ali_to_frame_phones(tm, ali, u)) for u, ali in alis))
    elif a.per_frame_states:
        n = write_int_vectors_wspecifier(a.out, ((u, ali_to_phone_states(tm, ali, u)) for u, ali in alis))
    elif a.ctm_output or a.write_lengths:
        names = None
        if a.phone_symbol_table:
            from mtlhybrid.utils.io import read_symbol_table

            names = {i: s for s, i in read_symbol_table(a.phone_symbol_table).items()}
        lines, n = [], 0
        for u, ali in alis:
            spans = split_to_phones(tm, ali, reordered=a.reordered, utt=u)
            if a.ctm_output:
                lines += ctm_lines(u, spans, a.frame_shift, names)
            else:
                lines.append(f"{u} " + " ; ".join(f"{s.phone} {s.length}" for s in spans))
            n += 1
        write_text_wspecifier(a.out, lines)
    else:
        n = write_int_vectors_wspecifier(
            a.out, ((u, [s.phone for s in split_to_phones(tm, ali, reordered=a.reordered, utt=u)]) for u, ali in alis)
        )
    log.info("done %d utterances", n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
