#!/usr/bin/env bash
# Denominator lattices of the training data from a hybrid network, for sequence training
# (steps/nnet/train_mpe.sh), as Kaldi's steps/nnet/make_denlats.sh: a weak language model
# (by default a unigram of the training transcripts, as Kaldi's) goes into a copy of the
# lang dir, <denlat-dir>/lang (make_ngram_lm + utils/format_lm.sh), its graph into
# <denlat-dir>/dengraph (utils/mkgraph.sh with the network's tree), and each job decodes
# the network's scores (nnet_forward) with it into <denlat-dir>/lat.JOB.gz (latgen:
# state-level lattices, transition ids on the arcs, unscaled acoustic costs).

# Begin configuration section.
nj=4
cmd=run.pl
beam=13.0
lattice_beam=7.0
acwt=0.1               # acoustic scale while decoding
max_active=5000
lm_order=1             # order of the denominator LM (1: unigram as Kaldi, 2: bigram)
prior_scale=1.0
device=cpu
stage=0
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <data-dir> <lang-dir> <nnet-dir> <denlat-dir>
 e.g.: $0 data/train data/lang exp/mtl exp/mtl_denlats
Options:
  --nj <nj>                 # number of parallel jobs (default $nj)
  --cmd <cmd>               # run.pl, slurm.pl or queue.pl (default $cmd)
  --acwt <float>            # acoustic scale (default $acwt)
  --beam <float>            # decoding beam (default $beam)
  --lattice-beam <float>    # lattice beam (default $lattice_beam)
  --max-active <n>          # max active states (default $max_active)
  --lm-order <1|2>          # order of the weak LM of the denominator graph (default $lm_order)
  --prior-scale <float>     # weight of the log-priors (default $prior_scale)
  --device <cpu|cuda>       # where the network runs (default $device)
  --stage <n>               # 0 graph, 1 lattices (default $stage)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 4 ]; then
  echo "$help_message" >&2
  exit 1
fi

data=$1
lang=$2
srcdir=$3
dir=$4

for f in $data/feats.scp $data/text $lang/L.fst $lang/L_disambig.fst $lang/words.txt $lang/oov.int \
         $srcdir/final.pt $srcdir/final.mdl $srcdir/tree $srcdir/ali_train_pdf.counts; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
case "$lm_order" in 1|2) ;; *) echo "$0: --lm-order must be 1 or 2, got $lm_order" >&2; exit 1 ;; esac
utils/check_phones_compatible.sh $lang/phones.txt $srcdir/phones.txt
cmvn_opts=$(cat $srcdir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
delta_opts=$(cat $srcdir/delta_opts 2>/dev/null || echo "--delta-order 0")
py="python3 -m mtlhybrid.bin"

mkdir -p $dir/log
if [ $stage -le 0 ]; then
  echo "$0: building the denominator graph ($lm_order-gram LM of $data/text) in $dir/dengraph"
  rm -rf $dir/lang $dir/dengraph
  mkdir -p $dir/lang_tmp
  # transcripts with words unknown to the lang mapped to its OOV word (the LM must not
  # hold words the lexicon cannot spell)
  utils/sym2int.pl --map-oov $(cat $lang/oov.int) -f 2- $lang/words.txt $data/text \
    | utils/int2sym.pl -f 2- $lang/words.txt > $dir/lang_tmp/text
  $py.make_ngram_lm --order $lm_order --method witten-bell --text-has-ids --vocab $lang/words.txt \
    $dir/lang_tmp/text $dir/lang_tmp/lm.arpa 2>$dir/log/make_lm.log || { cat $dir/log/make_lm.log >&2; exit 1; }
  utils/format_lm.sh $lang $dir/lang_tmp/lm.arpa - $dir/lang >$dir/log/format_lm.log \
    || { cat $dir/log/format_lm.log >&2; exit 1; }
  rm -rf $dir/lang_tmp
  utils/mkgraph.sh $dir/lang $srcdir $dir/dengraph >$dir/log/mkgraph.log || { cat $dir/log/mkgraph.log >&2; exit 1; }
fi

num_spk=$(wc -l < $data/spk2utt 2>/dev/null || wc -l < $data/feats.scp)
[ $nj -gt $num_spk ] && nj=$num_spk
utils/split_data.sh $data $nj >/dev/null
sdata=$data/split$nj

if [ $stage -le 1 ]; then
  echo $nj > $dir/num_jobs
  rm -f $dir/lat.*.gz
  echo "$0: generating denominator lattices of $data with $srcdir/final.pt into $dir"
  $cmd JOB=1:$nj $dir/log/decode_den.JOB.log \
    $py.nnet_forward $cmvn_opts $delta_opts --device $device --class-frame-counts $srcdir/ali_train_pdf.counts \
      --prior-scale $prior_scale --acoustic-scale 1.0 \
      $srcdir/final.pt $sdata/JOB ark,scp:$dir/scores.JOB.ark,$dir/scores.JOB.scp \&\& \
    $py.latgen --expected-utts $sdata/JOB/feats.scp --acoustic-scale $acwt --beam $beam --lattice-beam $lattice_beam --max-active $max_active \
      --word-symbol-table $dir/dengraph/words.txt $srcdir/final.mdl $dir/dengraph/HCLG.fst \
      scp:$dir/scores.JOB.scp ark:$dir/lat.JOB.gz \
      \&\& rm -f $dir/scores.JOB.ark $dir/scores.JOB.scp \
    || { echo "$0: lattice generation failed; see $dir/log/decode_den.*.log" >&2; exit 1; }
fi
echo "$0: done generating denominator lattices in $dir"
