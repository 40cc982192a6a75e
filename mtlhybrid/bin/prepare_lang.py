"""prepare_lang: build a Kaldi lang dir from a dict dir (behind ``utils/prepare_lang.sh``)."""

from __future__ import annotations

import sys

from mtlhybrid.lang.cli_options import kaldi_bool
from mtlhybrid.lang.prepare_lang import PrepareLangOptions, prepare_lang
from mtlhybrid.utils.cli import make_parser, tool_main

USAGE = """\
Usage: utils/prepare_lang.sh [options] <dict-src-dir> <oov-dict-entry> <tmp-dir> <lang-dir>
e.g.: utils/prepare_lang.sh data/local/dict "<UNK>" data/local/lang data/lang
<dict-src-dir> holds lexicon.txt (or lexiconp.txt), silence_phones.txt,
nonsilence_phones.txt, optional_silence.txt and extra_questions.txt."""


@tool_main
def main(argv=None) -> int:
    p = make_parser("prepare_lang.sh", USAGE)
    p.add_argument("--position-dependent-phones", type=kaldi_bool, default=True, help="add _B/_E/_I/_S word-position markers (default true)")
    p.add_argument("--sil-prob", type=float, default=0.5, help="probability of optional silence between words, [0, 1) (default 0.5)")
    p.add_argument("--share-silence-phones", type=kaldi_bool, default=False, help="all silence phones share one tree root (default false)")
    p.add_argument("--num-sil-states", type=int, default=5, help="HMM states of silence phones (default 5)")
    p.add_argument("--num-nonsil-states", type=int, default=3, help="HMM states of non-silence phones (default 3)")
    p.add_argument("--num-extra-phone-disambig-syms", type=int, default=1, help="extra phone disambiguation symbols (default 1)")
    p.add_argument("dict_dir")
    p.add_argument("oov_word")
    p.add_argument("tmp_dir")
    p.add_argument("lang_dir")
    a = p.parse_args(argv)
    opts = PrepareLangOptions(
        position_dependent_phones=a.position_dependent_phones,
        sil_prob=a.sil_prob,
        share_silence_phones=a.share_silence_phones,
        num_sil_states=a.num_sil_states,
        num_nonsil_states=a.num_nonsil_states,
        num_extra_phone_disambig_syms=a.num_extra_phone_disambig_syms,
    )
    prepare_lang(a.dict_dir, a.oov_word, a.tmp_dir, a.lang_dir, opts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
