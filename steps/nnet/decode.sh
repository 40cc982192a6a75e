#!/usr/bin/env bash
# Decodes a data dir with a trained hybrid network and an HCLG graph, then scores it with
# steps/score.sh, so network and GMM WERs come from the same code. Per job:
# nnet_forward (senone log-posteriors minus log-priors, unscaled: --acoustic-scale 1) writes
# score matrices, latgen applies --acwt once while decoding them into lat.JOB.gz. The
# utterance-level heads (e.g. accent) are scored too: <decode-dir>/aux/<task>/{acc,confusion}
# against the data dir's utt2<label>. The network dir defaults to <decode-dir>/.. .

# Begin configuration section.
nj=4
cmd=run.pl
acwt=0.1               # acoustic scale applied to the network's scores
beam=13.0
lattice_beam=6.0
max_active=7000
prior_scale=1.0        # log-prior weight subtracted from the log-posteriors
nnet_dir=              # default: <decode-dir>/..
device=cpu
skip_scoring=false
scoring_opts=
keep_scores=false      # keep scores.JOB.{ark,scp} (the matrices decoded)
stage=0
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <graph-dir> <data-dir> <decode-dir>
 e.g.: $0 --nj 4 exp/tri2/graph data/test exp/mtl/decode_test
Options:
  --nj <nj>                 # number of parallel jobs (default $nj)
  --cmd <cmd>               # run.pl, slurm.pl or queue.pl (default $cmd)
  --acwt <float>            # acoustic scale (default $acwt)
  --beam <float>            # decoding beam (default $beam)
  --lattice-beam <float>    # lattice beam (default $lattice_beam)
  --max-active <n>          # max active states (default $max_active)
  --prior-scale <float>     # weight of the log-priors (default $prior_scale)
  --nnet-dir <dir>          # network experiment dir (default: <decode-dir>/..)
  --device <cpu|cuda>       # where the network runs (default $device)
  --skip-scoring <bool>     # no scoring (default $skip_scoring)
  --scoring-opts <opts>     # options for steps/score.sh
  --keep-scores <bool>      # keep the score matrices (default $keep_scores)
  --stage <n>               # 0 decode, 1 auxiliary tasks, 2 scoring (default $stage)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 3 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi

graphdir=$1
data=$2
dir=$3
[ -z "$nnet_dir" ] && nnet_dir=$(dirname $dir)
py="python3 -m mtlhybrid.bin"

for f in $graphdir/HCLG.fst $graphdir/words.txt $graphdir/phones.txt $data/feats.scp \
         $nnet_dir/final.pt $nnet_dir/final.mdl $nnet_dir/tree $nnet_dir/ali_train_pdf.counts; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
[ ! -s $data/feats.scp ] && echo "$0: empty test set: $data/feats.scp has no utterances" >&2 && exit 1
cmvn_opts=$(cat $nnet_dir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
delta_opts=$(cat $nnet_dir/delta_opts 2>/dev/null || echo "--delta-order 0")
case "$cmvn_opts" in *"--apply-cmvn false"*|*"--apply-cmvn=false"*) ;;
  *) [ ! -f $data/cmvn.scp ] && echo "$0: no such file $data/cmvn.scp" >&2 && exit 1 ;;
esac
# the network, its tree and the graph must agree (another lang or tree: an error naming both)
$py.nnet_check_dir $nnet_dir $graphdir

mkdir -p $dir/log
num_spk=$(wc -l < $data/spk2utt 2>/dev/null || wc -l < $data/feats.scp)
[ $nj -gt $num_spk ] && nj=$num_spk
utils/split_data.sh $data $nj >/dev/null
sdata=$data/split$nj
echo $nj > $dir/num_jobs

if [ $stage -le 0 ]; then
  rm -f $dir/lat.*.gz
  rm -rf $dir/aux
  keep=
  $keep_scores || keep="&& rm -f $dir/scores.JOB.ark $dir/scores.JOB.scp"
  $cmd JOB=1:$nj $dir/log/decode.JOB.log \
    $py.nnet_forward $cmvn_opts $delta_opts --device $device --class-frame-counts $nnet_dir/ali_train_pdf.counts \
      --prior-scale $prior_scale --acoustic-scale 1.0 --aux-dir $dir/aux/split.JOB \
      $nnet_dir/final.pt $sdata/JOB ark,scp:$dir/scores.JOB.ark,$dir/scores.JOB.scp \&\& \
    $py.latgen --expected-utts $sdata/JOB/feats.scp --acoustic-scale $acwt --beam $beam --lattice-beam $lattice_beam --max-active $max_active \
      --word-symbol-table $graphdir/words.txt $nnet_dir/final.mdl $graphdir/HCLG.fst scp:$dir/scores.JOB.scp \
      ark:$dir/lat.JOB.gz $keep \
    || { rm -f $dir/lat.*.gz; echo "$0: decoding failed; see $dir/log/decode.*.log" >&2; exit 1; }
fi

if [ $stage -le 1 ]; then
  $py.nnet_score_aux_dir $nnet_dir/final.pt $data $dir 2>$dir/log/score_aux.log \
    || { cat $dir/log/score_aux.log >&2; exit 1; }
fi

if [ $stage -le 2 ] && ! $skip_scoring; then
  [ ! -f $data/text ] && echo "$0: no $data/text: not scoring" && exit 0
  steps/score.sh $scoring_opts --cmd "$cmd" $data $graphdir $dir
fi
echo "$0: done decoding into $dir"
