#!/usr/bin/env bash
# Scores the lattices of a decode dir, as Kaldi's steps/score_kaldi.sh (local/score.sh in
# recipes): the 1-best word sequence for every LM weight in [min-lmwt, max-lmwt] and every
# word insertion penalty, then wer_<lmwt>_<penalty> files, scoring_kaldi/best_wer, and
# scoring_kaldi/wer_details (per_utt, per_spk, ops, and per_<label> for every utt2<label>
# file of the data dir, e.g. per_accent). Prints the best %WER line.

# Begin configuration section.
cmd=run.pl
min_lmwt=7
max_lmwt=17
word_ins_penalty=0.0,0.5,1.0
labels=auto            # utt2<label> files to break WER down by ('auto': all; 'none')
stage=0
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <data-dir> <lang-or-graph-dir> <decode-dir>
 e.g.: $0 data/test exp/tri1/graph exp/tri1/decode_test
options:
  --cmd <cmd>                 # how to run the scoring job (default $cmd)
  --min-lmwt <int>            # minimum LM weight (default $min_lmwt)
  --max-lmwt <int>            # maximum LM weight (default $max_lmwt)
  --word-ins-penalty <list>   # comma-separated penalties (default $word_ins_penalty)
  --labels <list|auto|none>   # utt2<label> breakdowns (default $labels)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 3 ]; then
  echo "$help_message" >&2
  exit 1
fi

data=$1
lang_or_graph=$2
dir=$3
symtab=$lang_or_graph/words.txt
for f in $symtab $data/text; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
ls $dir/lat.*.gz >/dev/null 2>&1 || { echo "$0: no lattices $dir/lat.*.gz" >&2; exit 1; }
py="python3 -m mtlhybrid.bin"
mkdir -p $dir/scoring_kaldi/log

if [ $stage -le 0 ]; then
  $cmd $dir/scoring_kaldi/log/best_path.log \
    $py.lattice_score_sweep --min-lmwt $min_lmwt --max-lmwt $max_lmwt --word-ins-penalty $word_ins_penalty \
      $symtab $dir
fi
if [ $stage -le 1 ]; then
  $cmd $dir/scoring_kaldi/log/score.log \
    $py.score_kaldi_wer --labels $labels $data $dir
fi
cat $dir/scoring_kaldi/best_wer
