#!/usr/bin/env bash
# Add G.fst, converted from an ARPA language model, to a copy of a lang dir (as Kaldi's
# utils/format_lm.sh). Back-off arcs carry #0; <s> and </s> become epsilon/final weights.

usage() {
  cat <<USAGE
Usage: $0 <lang-dir> <arpa-LM> <lexicon-or-dict-dir> <out-dir>
  <lang-dir>             lang dir from utils/prepare_lang.sh (words.txt, L.fst, ...)
  <arpa-LM>              ARPA language model, plain or .gz
  <lexicon-or-dict-dir>  unused (kept for Kaldi's argument order)
  <out-dir>              a copy of <lang-dir> with G.fst added (may equal <lang-dir>)
e.g.: $0 data/lang data/local/lm/lm.arpa.gz data/local/dict/lexicon.txt data/lang_test
USAGE
}

for a in "$@"; do [ "$a" == "--help" ] || [ "$a" == "-h" ] && { usage; exit 0; }; done
if [ $# -ne 4 ]; then
  usage >&2
  exit 1
fi
lang_dir=$1
lm=$2
out_dir=$4

for f in $lang_dir/words.txt $lang_dir/L.fst $lang_dir/phones.txt $lm; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done

mkdir -p $out_dir/log
if [ "$(cd $lang_dir && pwd -P)" != "$(cd $out_dir && pwd -P)" ]; then
  cp -r $lang_dir/* $out_dir/ || exit 1
  rm -f $out_dir/G.fst
fi

echo "$0: converting $lm to $out_dir/G.fst (log in $out_dir/log/format_lm.log)"
python3 -m mtlhybrid.bin.arpa2fst --disambig-symbol='#0' --read-symbol-table=$out_dir/words.txt \
  $lm $out_dir/G.fst 2> $out_dir/log/format_lm.log || { cat $out_dir/log/format_lm.log >&2; exit 1; }

python3 -m mtlhybrid.bin.validate_lang $out_dir 2>> $out_dir/log/format_lm.log || {
  echo "$0: error validating $out_dir (see $out_dir/log/format_lm.log)" >&2; tail -5 $out_dir/log/format_lm.log >&2; exit 1; }
echo "$0: succeeded in writing $out_dir/G.fst"
exit 0
