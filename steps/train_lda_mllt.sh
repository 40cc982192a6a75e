#!/usr/bin/env bash
# Triphone GMM-HMM training on LDA+MLLT features, as Kaldi's steps/train_lda_mllt.sh (tri2b).
# Frames are spliced (+-3 by default) and projected by LDA to --dim dimensions, the classes
# being the pdfs of the source alignments (silence frames left out); a new tree is grown
# on those features and its model trained by EM as in train_deltas.sh, while on the
# --mllt-iters an MLLT (semi-tied covariance) matrix is estimated under the current model,
# the model's means moved into its space and the matrix composed into the feature transform.
# The system dir holds splice_opts, cmvn_opts and final.mat (the composed LDA+MLLT matrix,
# a Kaldi binary matrix), so steps/align_si.sh, steps/decode.sh and utils/mkgraph.sh use it
# as they use a delta system. The work is in mtlhybrid.bin.{acc_lda,est_lda,gmm_acc_mllt,
# est_mllt,gmm_transform_means,compose_transforms} and the tools of train_deltas.sh.

# Begin configuration section.
cmd=run.pl
stage=-5
scale_opts="--transition-scale 1.0 --acoustic-scale 0.1 --self-loop-scale 0.1"
realign_iters="10 20 30"
mllt_iters="2 4 6 12"
num_iters=35           # number of EM iterations
max_iter_inc=25        # last iteration that adds Gaussians
dim=40                 # LDA output dimension
beam=10
retry_beam=40
boost_silence=1.0
power=0.25             # exponent of the occupation count in the Gaussian allocation
splice_opts="--left-context=3 --right-context=3"  # Kaldi's recipes' choice (splice-feats' own default is 4)
cluster_thresh=-1      # build-tree --cluster-thresh
tree_thresh=300        # build-tree --thresh (Kaldi's default)
min_count=0            # build-tree --min-count, not in Kaldi (0: Kaldi's behaviour)
cmvn_opts=             # default: the alignment dir's
device=cpu
allow_oov=false        # true: words not in words.txt map to the lang's OOV word (counted in the log)
overwrite=false        # true: start over in a dir made with other options (else such a rerun is refused)
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <num-leaves> <tot-gauss> <data-dir> <lang-dir> <alignment-dir> <exp-dir>
 e.g.: $0 2500 15000 data/train data/lang exp/tri1_ali exp/tri2b
main options (for others, see top of script file)
  --cmd <cmd>                     # run.pl, slurm.pl or queue.pl (default $cmd)
  --splice-opts <opts>            # splicing before LDA (default '$splice_opts')
  --dim <n>                       # LDA output dimension (default $dim)
  --mllt-iters <'n n ...'>        # iterations that update MLLT (default '$mllt_iters')
  --num-iters <n>                 # EM iterations (default $num_iters)
  --realign-iters <'n n ...'>     # iterations that realign (default '$realign_iters')
  --cluster-thresh <x>            # build-tree --cluster-thresh (default $cluster_thresh)
  --tree-thresh <x>               # build-tree --thresh (default $tree_thresh)
  --overwrite <true|false>        # start over in a dir made with other options (default $overwrite: refused)
  --stage <stage>                 # resume from this stage (default $stage)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 6 ]; then
  echo "$help_message" >&2
  exit 1
fi

numleaves=$1
totgauss=$2
data=$3
lang=$4
alidir=$5
dir=$6

for f in $alidir/final.mdl $alidir/ali.1.gz $alidir/num_jobs $data/feats.scp $data/cmvn.scp $data/text \
         $lang/phones.txt $lang/topo $lang/L.fst $lang/words.txt $lang/oov.int $lang/phones/sets.int \
         $lang/phones/roots.int $lang/phones/extra_questions.int $lang/phones/context_indep.csl \
         $lang/phones/silence.csl; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
utils/check_phones_compatible.sh $lang/phones.txt $alidir/phones.txt

nj=$(cat $alidir/num_jobs)
ciphonelist=$(cat $lang/phones/context_indep.csl)
silphonelist=$(cat $lang/phones/silence.csl)
[ -z "$cmvn_opts" ] && cmvn_opts=$(cat $alidir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
mkdir -p $dir/log
# A rerun into a dir made with other options would mix two systems: refused, naming the changes.
python3 -m mtlhybrid.bin.check_dir_opts --overwrite $overwrite $dir data=$data lang=$lang alidir=$alidir numleaves=$numleaves totgauss=$totgauss "cmvn_opts=$cmvn_opts" "splice_opts=$splice_opts" dim=$dim "mllt_iters=$mllt_iters" \
  num_iters=$num_iters max_iter_inc=$max_iter_inc "realign_iters=$realign_iters" beam=$beam retry_beam=$retry_beam \
  boost_silence=$boost_silence power=$power cluster_thresh=$cluster_thresh min_count=$min_count tree_thresh=$tree_thresh \
  "scale_opts=$scale_opts" allow_oov=$allow_oov
echo $nj > $dir/num_jobs
echo "$cmvn_opts" > $dir/cmvn_opts
echo "$splice_opts" > $dir/splice_opts
cp $lang/phones.txt $dir/phones.txt
utils/split_data.sh $data $nj
sdata=$data/split$nj
# The source alignments' features (deltas or its own LDA+MLLT) do not matter: LDA sees spliced frames.
spliced_opts="$cmvn_opts $splice_opts"
py="python3 -m mtlhybrid.bin"

if [ $stage -le -5 ]; then
  echo "$0: accumulating LDA statistics"
  $cmd JOB=1:$nj $dir/log/lda_acc.JOB.log \
    $py.acc_lda $spliced_opts --silence-phones $silphonelist --silence-weight 0.0 \
      $alidir/final.mdl $sdata/JOB ark:$alidir/ali.JOB.gz $dir/lda.JOB.acc
  $cmd $dir/log/lda_est.log \
    $py.est_lda --dim $dim --write-full-matrix $dir/full.mat $dir/0.mat $dir/lda.*.acc
  rm $dir/lda.*.acc
fi
cur_lda_iter=0
feat_opts="$spliced_opts --transform $dir/0.mat"

if [ $stage -le -4 ]; then
  echo "$0: accumulating tree stats"
  $cmd JOB=1:$nj $dir/log/acc_tree.JOB.log \
    $py.acc_tree_stats --ci-phones $ciphonelist $feat_opts $alidir/final.mdl $sdata/JOB ark:$alidir/ali.JOB.gz \
      $dir/JOB.treeacc
  $py.sum_tree_stats $dir/treeacc $dir/*.treeacc 2> $dir/log/sum_tree_acc.log
  rm $dir/*.treeacc
  steps/internal/build_tree_and_init_model.sh "$cmd" $numleaves $tree_thresh $min_count $cluster_thresh $lang $dir
fi

if [ $stage -le -3 ]; then
  echo "$0: converting alignments from $alidir to use current tree"
  $cmd JOB=1:$nj $dir/log/convert.JOB.log \
    $py.convert_ali $alidir/final.mdl $dir/1.mdl $dir/tree ark:$alidir/ali.JOB.gz $dir/ali.JOB.gz
fi

if [ $stage -le -2 ]; then
  steps/internal/transcripts_to_int.sh $allow_oov $lang $sdata $nj $dir
  # Training graphs depend on the tree and the transcripts only (the aligner adds the
  # model's transition probabilities): compiled once, read at every realignment.
  echo "$0: compiling training graphs"
  $cmd JOB=1:$nj $dir/log/compile_graphs.JOB.log \
    $py.compile_train_graphs $dir/tree $dir/1.mdl $lang/L.fst $dir/text.JOB.int ark:$dir/fsts.JOB.gz
fi

numgauss=$numleaves
incgauss=$(( (totgauss - numgauss) / max_iter_inc ))
[ $incgauss -lt 0 ] && incgauss=0
x=1
while [ $x -lt $num_iters ]; do
  echo "$0: training pass $x"
  if [ $stage -le $x ] && echo " $realign_iters " | grep -q " $x "; then
    echo "$0: aligning data"
    $cmd JOB=1:$nj $dir/log/align.$x.JOB.log \
      $py.gmm_align_compiled $feat_opts --boost-silence $boost_silence --silence-phones $silphonelist \
        $scale_opts --beam $beam --retry-beam $retry_beam \
        $dir/$x.mdl ark:$dir/fsts.JOB.gz $sdata/JOB ark:$dir/ali.JOB.gz
  fi
  if echo " $mllt_iters " | grep -q " $x "; then
    if [ $stage -le $x ]; then
      echo "$0: estimating MLLT"
      $cmd JOB=1:$nj $dir/log/macc.$x.JOB.log \
        $py.gmm_acc_mllt $feat_opts --silence-phones $silphonelist --silence-weight 0.0 \
          $dir/$x.mdl $sdata/JOB ark:$dir/ali.JOB.gz $dir/$x.JOB.macc
      $cmd $dir/log/mupdate.$x.log \
        $py.est_mllt $dir/$x.mat.new $dir/$x.*.macc
      $py.gmm_transform_means $dir/$x.mat.new $dir/$x.mdl $dir/$x.mdl 2> $dir/log/transform_means.$x.log
      $py.compose_transforms $dir/$x.mat.new $dir/$cur_lda_iter.mat $dir/$x.mat 2> $dir/log/compose.$x.log
      rm $dir/$x.*.macc $dir/$x.mat.new
    fi
    cur_lda_iter=$x
    feat_opts="$spliced_opts --transform $dir/$x.mat"
  fi
  if [ $stage -le $x ]; then
    $cmd JOB=1:$nj $dir/log/acc.$x.JOB.log \
      $py.gmm_acc_stats_ali $feat_opts --device $device $dir/$x.mdl $sdata/JOB ark:$dir/ali.JOB.gz $dir/$x.JOB.acc
    $cmd $dir/log/update.$x.log \
      $py.gmm_est --mix-up $numgauss --power $power --device $device \
        $dir/$x.mdl $dir/$x.*.acc $dir/$((x+1)).mdl
    rm -f $dir/$x.mdl $dir/$x.*.acc $dir/$x.occs
  fi
  [ $x -le $max_iter_inc ] && numgauss=$((numgauss + incgauss))
  x=$((x+1))
done

ln -sf $x.mdl $dir/final.mdl
ln -sf $cur_lda_iter.mat $dir/final.mat
steps/summarize_alignment_logs.sh $dir
echo "$0: done training system with LDA+MLLT features in $dir"
