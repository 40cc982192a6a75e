#!/usr/bin/env bash
# The digit lang: the ten words ZERO..NINE with CMUdict pronunciations (all 39 CMUdict
# phones listed, as a model trained on a larger vocabulary has them), Kaldi's lang dir, and
# an isolated-digit grammar (each utterance is exactly one digit, all equally likely) as
# G.fst in <data>/lang_test. Also the map from word-position phones to base phones, the
# classes of the networks' monophone task. Nothing depends on the train/test split.

help_message="Usage: $0 <data-dir>
 writes <data-dir>/{local/dict,lang,lang_test}
e.g.: $0 data"
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1
if [ $# -ne 1 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
data=$1
set -euo pipefail
mkdir -p $data/local/lm
printf "%s\n" ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE > $data/local/digits.txt
python3 -m mtlhybrid.bin.prepare_dict --all-phones $data/local/digits.txt $data/local/dict
utils/prepare_lang.sh $data/local/dict "<UNK>" $data/local/lang_tmp $data/lang
python3 -m mtlhybrid.bin.make_ngram_lm --grammar isolated $data/local/digits.txt $data/local/lm/digits.arpa
utils/format_lm.sh $data/lang $data/local/lm/digits.arpa $data/local/dict/lexicon.txt $data/lang_test
awk '$2 > 0 && $1 !~ /^#/ { p = $1; sub(/_[BEIS]$/, "", p); print $1, p }' $data/lang/phones.txt \
  > $data/lang/phones/base_phone_map.txt
echo "$0: digit lang in $data/lang, isolated-digit grammar in $data/lang_test"
