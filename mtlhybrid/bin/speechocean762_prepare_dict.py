"""A Kaldi dict dir for the words of a text from speechocean762's own lexicon.

Pronunciations come from the corpus lexicon (resource/lexicon.txt) first, then CMUdict for
words it lacks, then letter-to-sound rules (listed in <dict-dir>/oov_words.txt); the count
of words from each source is printed. Stress is removed unless --keep-stress.
e.g.: python -m mtlhybrid.bin.speechocean762_prepare_dict --text-has-ids \\
        ../shared/data/speechocean762/resource/lexicon.txt data/train/text data/local/dict"""

from __future__ import annotations

import sys

from mtlhybrid.utils.cli import make_parser, tool_main


@tool_main
def main(argv=None) -> int:
    from mtlhybrid.corpora.speechocean762 import build_dict_dir
    from mtlhybrid.lang.cmudict_lexicon import WordList, write_dict_dir
    from mtlhybrid.lang.dict_dir import DictDir

    p = make_parser("speechocean762_prepare_dict", __doc__)
    p.add_argument("--keep-stress", action="store_true", help="keep vowel stress (AH0/AH1/AH2 as separate phones)")
    p.add_argument("--text-has-ids", action="store_true", help="the input is a Kaldi 'text' file (first field an utterance id)")
    p.add_argument("lexicon")
    p.add_argument("words")
    p.add_argument("dict_dir")
    a = p.parse_args(argv)
    wl = WordList.read(a.words, text_has_ids=a.text_has_ids, skip=("<UNK>", "!SIL"))
    d, by_rule, sources = build_dict_dir(wl.words, a.lexicon, keep_stress=a.keep_stress)
    write_dict_dir(d, by_rule, a.dict_dir)
    DictDir.load(a.dict_dir)  # the result must pass our own dict-dir checks
    print(f"speechocean762_prepare_dict: {len(wl.words)} words: "
          + ", ".join(f"{n} from the {s}" if s != "letter-to-sound rules" else f"{n} by letter-to-sound rules"
                      for s, n in sorted(sources.items()))
          + (f" ({' '.join(by_rule[:10])}{' ...' if len(by_rule) > 10 else ''})" if by_rule else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
