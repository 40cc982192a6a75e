#!/usr/bin/env bash
# Decodes a data dir with a GMM system and an HCLG graph into lattices, then scores them,
# as Kaldi's steps/decode.sh. The model is <decode-dir>/../final.mdl (or --model).
# Per job: gmm_compute_likes (per-frame pdf log-likelihoods) | latgen (kaldi-decoder's
# lattice decoder), writing <decode-dir>/lat.JOB.gz; then steps/score.sh.

# Begin configuration section.
nj=4
cmd=run.pl
acwt=0.083333          # acoustic scale (Kaldi's default for GMM decoding)
beam=13.0
lattice_beam=6.0
max_active=7000
model=                 # default: <decode-dir>/../final.mdl
skip_scoring=false
scoring_opts=
stage=0
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <graph-dir> <data-dir> <decode-dir>
 e.g.: $0 exp/mono/graph data/test exp/mono/decode_test
main options (for others, see top of script file)
  --nj <nj>                 # number of parallel jobs (default $nj)
  --cmd <cmd>               # run.pl, slurm.pl or queue.pl (default $cmd)
  --acwt <float>            # acoustic scale (default $acwt)
  --beam <beam>             # decoding beam (default $beam)
  --lattice-beam <beam>     # lattice beam (default $lattice_beam)
  --max-active <n>          # max active states (default $max_active)
  --skip-scoring <bool>     # no scoring (default $skip_scoring)
  --scoring-opts <opts>     # options for steps/score.sh"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 3 ]; then
  echo "$help_message" >&2
  exit 1
fi

graphdir=$1
data=$2
dir=$3
srcdir=$(dirname $dir)
[ -z "$model" ] && model=$srcdir/final.mdl

for f in $graphdir/HCLG.fst $graphdir/words.txt $data/feats.scp $data/cmvn.scp $model; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
[ ! -s $data/feats.scp ] && echo "$0: empty test set: $data/feats.scp has no utterances" >&2 && exit 1
utils/check_phones_compatible.sh $graphdir/phones.txt $srcdir/phones.txt

mkdir -p $dir/log
num_utts=$(wc -l < $data/feats.scp)
[ $nj -gt $num_utts ] && nj=$num_utts
utils/split_data.sh $data $nj
sdata=$data/split$nj
echo $nj > $dir/num_jobs
cmvn_opts=$(cat $srcdir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
delta_opts=$(cat $srcdir/delta_opts 2>/dev/null || echo "--delta-order 2")
feat_opts=$(steps/internal/gmm_feat_opts.sh $srcdir)  # deltas, or splice + final.mat of LDA+MLLT
py="python3 -m mtlhybrid.bin"

if [ $stage -le 0 ]; then
  rm -f $dir/lat.*.gz  # lattices of an earlier run must not be scored if this one fails
  $cmd JOB=1:$nj $dir/log/decode.JOB.log \
    set -o pipefail \; $py.gmm_compute_likes $feat_opts $model $sdata/JOB ark:- \| \
    $py.latgen --expected-utts $sdata/JOB/feats.scp --acoustic-scale $acwt --beam $beam --lattice-beam $lattice_beam --max-active $max_active \
      --word-symbol-table $graphdir/words.txt $model $graphdir/HCLG.fst ark:- ark:$dir/lat.JOB.gz \
    || { rm -f $dir/lat.*.gz; echo "$0: decoding failed; see $dir/log/decode.*.log" >&2; exit 1; }
fi

if [ $stage -le 1 ] && ! $skip_scoring; then
  steps/score.sh $scoring_opts --cmd "$cmd" $data $graphdir $dir
fi
echo "$0: done decoding into $dir"
