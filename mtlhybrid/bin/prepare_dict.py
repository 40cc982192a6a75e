"""prepare_dict: an English Kaldi dict dir from CMUdict for the words of a list or text."""

from __future__ import annotations

import sys

from mtlhybrid.lang.cmudict_lexicon import OOV_POLICIES, CmuDict, WordList, build_cmudict_dict_dir, write_dict_dir
from mtlhybrid.lang.dict_dir import DictDir
from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.log import get_logger

logger = get_logger("prepare_dict")

USAGE = """\
Usage: python -m mtlhybrid.bin.prepare_dict [options] <word-list-or-text> <dict-dir>
Writes lexicon.txt (with '!SIL SIL' and '<UNK> SPN'), silence_phones.txt, nonsilence_phones.txt,
optional_silence.txt, extra_questions.txt and oov_words.txt (words CMUdict lacks).
e.g.: python -m mtlhybrid.bin.prepare_dict --text-has-ids data/train/text data/local/dict"""


@tool_main
def main(argv=None) -> int:
    p = make_parser("prepare_dict", USAGE)
    p.add_argument("--keep-stress", action="store_true", help="keep CMUdict's vowel stress (AH0/AH1/AH2 as separate phones)")
    p.add_argument("--oov-policy", choices=OOV_POLICIES, default="unk",
                   help="words missing from CMUdict: 'unk' leaves them out (mapped to --unk-word), 'g2p' pronounces them by rule")
    p.add_argument("--unk-word", default="<UNK>", help="the unknown word, pronounced SPN (default <UNK>)")
    p.add_argument("--text-has-ids", action="store_true", help="the input is a Kaldi 'text' file (first field an utterance id)")
    p.add_argument("--all-phones", action="store_true", help="list all 39 CMUdict phones, not only those the lexicon uses")
    p.add_argument("words")
    p.add_argument("dict_dir")
    a = p.parse_args(argv)
    wl = WordList.read(a.words, text_has_ids=a.text_has_ids, skip=(a.unk_word, "!SIL"))
    cmu = CmuDict(a.keep_stress)
    d, oovs = build_cmudict_dict_dir(wl.words, a.keep_stress, a.oov_policy, a.unk_word, a.all_phones, cmu)
    write_dict_dir(d, oovs, a.dict_dir)
    DictDir.load(a.dict_dir)  # the result must pass our own dict-dir checks
    logger.info(
        "%d words: %d in CMUdict, %d OOV (%s; listed in %s/oov_words.txt)%s",
        len(wl.words), len(wl.words) - len(oovs), len(oovs),
        "mapped to " + a.unk_word if a.oov_policy == "unk" else "pronounced by letter-to-sound rules",
        a.dict_dir, (": " + " ".join(oovs[:10]) + (" ..." if len(oovs) > 10 else "")) if oovs else "",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
