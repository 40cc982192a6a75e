"""make_ngram_lm: estimate an ARPA n-gram LM (interpolated Witten-Bell or Kneser-Ney) from text."""

from __future__ import annotations

import sys

from mtlhybrid.lang.ngram import METHODS, estimate_arpa, isolated_word_grammar
from mtlhybrid.utils.cli import make_parser, tool_main
from mtlhybrid.utils.errors import DataError
from mtlhybrid.utils.io import iter_lines, read_symbol_table
from mtlhybrid.utils.log import get_logger

logger = get_logger("make_ngram_lm")

USAGE = """\
Usage: python -m mtlhybrid.bin.make_ngram_lm [options] <text> <out.arpa(.gz)>
  <text> holds one sentence per line (with --text-has-ids, a Kaldi 'text' file:
  '<utt-id> word word ...').
e.g.: python -m mtlhybrid.bin.make_ngram_lm --order 3 --method kneser-ney --text-has-ids data/train/text lm.arpa.gz
      python -m mtlhybrid.bin.make_ngram_lm --grammar isolated --text-has-ids data/train/text G.arpa"""

SPECIAL = ("<eps>", "<s>", "</s>")


@tool_main
def main(argv=None) -> int:
    p = make_parser("make_ngram_lm", USAGE)
    p.add_argument("--order", type=int, default=3, help="n-gram order (default 3)")
    p.add_argument("--method", choices=METHODS, default="kneser-ney", help="smoothing (default kneser-ney)")
    p.add_argument("--text-has-ids", action="store_true", help="the first field of each line is an utterance id")
    p.add_argument("--vocab", default=None, help="words.txt (or a word list): words that get probability even if unseen")
    p.add_argument("--grammar", choices=("none", "isolated"), default="none",
                   help="'isolated': exactly one word per utterance, every word of the text equally likely (ignores --order, --method, --vocab)")
    p.add_argument("text")
    p.add_argument("out")
    a = p.parse_args(argv)

    vocab = None
    if a.vocab:
        first = next(iter_lines(a.vocab), (0, ""))[1].split()
        if len(first) == 2 and first[1].lstrip("-").isdigit():
            vocab = [w for w in read_symbol_table(a.vocab) if w not in SPECIAL and not w.startswith("#")]
        else:
            vocab = [line.split()[0] for _, line in iter_lines(a.vocab) if line.split()]
    sentences = []
    empty = 0
    for lineno, line in iter_lines(a.text):
        f = line.split()
        if a.text_has_ids:
            if not f:
                raise DataError("empty line (expected '<utt-id> words...')", path=a.text, line=lineno)
            f = f[1:]
        for w in f:
            if w in SPECIAL or w == "#0":
                raise DataError(f"reserved symbol {w!r} in the text", path=a.text, line=lineno)
        if not f:
            empty += 1
        sentences.append(f)
    if empty:
        logger.info("%d of %d sentences are empty (they count as <s> </s>)", empty, len(sentences))
    if a.grammar == "isolated":
        words = {w for s in sentences for w in s}  # --vocab is not used: only words of the text
        lm = isolated_word_grammar(words)
        logger.info("isolated-word grammar over %d words", len(words))
    else:
        if not sentences:
            raise DataError("no sentences to estimate from", path=a.text)
        lm = estimate_arpa(sentences, a.order, a.method, vocab)
    lm.write(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
