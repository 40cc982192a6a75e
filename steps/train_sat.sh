#!/usr/bin/env bash
# Speaker-adaptive training (SAT) with fMLLR, as Kaldi's steps/train_sat.sh (tri3b).
# Every training speaker gets an affine feature transform (fMLLR, d x (d+1)) that maps its
# features towards the model; the tree and the model are trained on the transformed
# features, and the transforms are re-estimated under the current model on --fmllr-iters
# (each new one composed after the old). Features are the alignment dir's (LDA+MLLT with
# its final.mat, or deltas); transforms start from the alignment dir's trans.* if it has
# them (steps/align_fmllr.sh), else from an estimate under its model.
# The dir holds trans.JOB (Kaldi archives of per-speaker matrices, see docs/DESIGN.md),
# final.mdl, final.alimdl (a speaker-independent model for the first decoding pass of
# steps/decode_fmllr.sh and the first pass of steps/align_fmllr.sh), and the alignment
# dir's final.mat, splice_opts and cmvn_opts. The work is in mtlhybrid.bin.gmm_est_fmllr,
# compose_transforms and the tools of train_deltas.sh.

# Begin configuration section.
cmd=run.pl
stage=-5
scale_opts="--transition-scale 1.0 --acoustic-scale 0.1 --self-loop-scale 0.1"
realign_iters="10 20 30"
fmllr_iters="2 4 6 12"
num_iters=35           # number of EM iterations
max_iter_inc=25        # last iteration that adds Gaussians
beam=10
retry_beam=40
boost_silence=1.0
power=0.2              # exponent of the occupation count in the Gaussian allocation (Kaldi's train_sat: 0.2)
silence_weight=0.0     # weight of silence frames in the fMLLR statistics
cluster_thresh=-1      # build-tree --cluster-thresh
tree_thresh=300        # build-tree --thresh (Kaldi's default)
min_count=0            # build-tree --min-count, not in Kaldi (0: Kaldi's behaviour)
device=cpu
allow_oov=false        # true: words not in words.txt map to the lang's OOV word (counted in the log)
overwrite=false        # true: start over in a dir made with other options (else such a rerun is refused)
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <num-leaves> <tot-gauss> <data-dir> <lang-dir> <alignment-dir> <exp-dir>
 e.g.: $0 2500 15000 data/train data/lang exp/tri2b_ali exp/tri3b
main options (for others, see top of script file)
  --cmd <cmd>                     # run.pl, slurm.pl or queue.pl (default $cmd)
  --fmllr-iters <'n n ...'>       # iterations that re-estimate fMLLR (default '$fmllr_iters')
  --num-iters <n>                 # EM iterations (default $num_iters)
  --realign-iters <'n n ...'>     # iterations that realign (default '$realign_iters')
  --silence-weight <x>            # weight of silence in fMLLR statistics (default $silence_weight)
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

for f in $alidir/final.mdl $alidir/ali.1.gz $alidir/num_jobs $data/feats.scp $data/cmvn.scp $data/text $data/utt2spk \
         $lang/phones.txt $lang/topo $lang/L.fst $lang/words.txt $lang/oov.int $lang/phones/sets.int \
         $lang/phones/roots.int $lang/phones/extra_questions.int $lang/phones/context_indep.csl \
         $lang/phones/silence.csl; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
utils/check_phones_compatible.sh $lang/phones.txt $alidir/phones.txt

nj=$(cat $alidir/num_jobs)
ciphonelist=$(cat $lang/phones/context_indep.csl)
silphonelist=$(cat $lang/phones/silence.csl)
mkdir -p $dir/log
# A rerun into a dir made with other options would mix two systems: refused, naming the changes.
python3 -m mtlhybrid.bin.check_dir_opts --overwrite $overwrite $dir data=$data lang=$lang alidir=$alidir numleaves=$numleaves totgauss=$totgauss "fmllr_iters=$fmllr_iters" silence_weight=$silence_weight \
  num_iters=$num_iters max_iter_inc=$max_iter_inc "realign_iters=$realign_iters" beam=$beam retry_beam=$retry_beam \
  boost_silence=$boost_silence power=$power cluster_thresh=$cluster_thresh min_count=$min_count tree_thresh=$tree_thresh \
  "scale_opts=$scale_opts" allow_oov=$allow_oov
echo $nj > $dir/num_jobs
cp $lang/phones.txt $dir/phones.txt
for f in cmvn_opts delta_opts splice_opts final.mat full.mat; do
  rm -f $dir/$f
  [ -f $alidir/$f ] && cp $alidir/$f $dir/
done
utils/split_data.sh $data $nj
sdata=$data/split$nj
sifeat_opts=$(steps/internal/gmm_feat_opts.sh $dir)  # the speaker-independent features
feat_opts="$sifeat_opts --spk-transforms ark:$dir/trans.JOB"
py="python3 -m mtlhybrid.bin"

if [ $stage -le -5 ]; then
  if [ -f $alidir/trans.1 ]; then
    echo "$0: starting from the fMLLR transforms in $alidir"
    [ "$(cat $alidir/num_jobs)" != "$nj" ] && echo "$0: $alidir has transforms for another job split" >&2 && exit 1
    for n in $(seq $nj); do cp $alidir/trans.$n $dir/trans.$n; done
  else
    echo "$0: estimating fMLLR transforms under $alidir/final.mdl"
    $cmd JOB=1:$nj $dir/log/fmllr.0.JOB.log \
      $py.gmm_est_fmllr $sifeat_opts --silence-phones $silphonelist --silence-weight $silence_weight \
        $alidir/final.mdl $sdata/JOB ark:$alidir/ali.JOB.gz ark:$dir/trans.JOB
  fi
fi

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
  if [ $stage -le $x ]; then
    if echo " $realign_iters " | grep -q " $x "; then
      echo "$0: aligning data"
      $cmd JOB=1:$nj $dir/log/align.$x.JOB.log \
        $py.gmm_align_compiled $feat_opts --boost-silence $boost_silence --silence-phones $silphonelist \
          $scale_opts --beam $beam --retry-beam $retry_beam \
          $dir/$x.mdl ark:$dir/fsts.JOB.gz $sdata/JOB ark:$dir/ali.JOB.gz
    fi
    if echo " $fmllr_iters " | grep -q " $x "; then
      echo "$0: re-estimating fMLLR transforms"
      $cmd JOB=1:$nj $dir/log/fmllr.$x.JOB.log \
        $py.gmm_est_fmllr $feat_opts --silence-phones $silphonelist --silence-weight $silence_weight \
          $dir/$x.mdl $sdata/JOB ark:$dir/ali.JOB.gz ark:$dir/tmp_trans.JOB \&\& \
        $py.compose_transforms --b-is-affine true ark:$dir/tmp_trans.JOB ark:$dir/trans.JOB ark:$dir/trans.JOB
      rm $dir/tmp_trans.*
    fi
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

if [ $stage -le $x ]; then
  # The speaker-independent model of the same tree, for first passes (Kaldi's final.alimdl).
  # Kaldi accumulates it with Gaussian posteriors of the adapted features
  # (gmm-acc-stats-twofeats); here two EM passes on the speaker-independent features from
  # the final model stand in for that.
  echo "$0: estimating the speaker-independent model final.alimdl"
  cur=$dir/$x.mdl
  for pass in 1 2; do
    $cmd JOB=1:$nj $dir/log/acc_alimdl.$pass.JOB.log \
      $py.gmm_acc_stats_ali $sifeat_opts --device $device $cur $sdata/JOB ark:$dir/ali.JOB.gz $dir/alimdl.$pass.JOB.acc
    $cmd $dir/log/est_alimdl.$pass.log \
      $py.gmm_est --remove-low-count-gaussians false --device $device \
        $cur $dir/alimdl.$pass.*.acc $dir/alimdl.$pass.mdl
    rm $dir/alimdl.$pass.*.acc
    cur=$dir/alimdl.$pass.mdl
  done
  mv $dir/alimdl.2.mdl $dir/final.alimdl
  rm -f $dir/alimdl.1.mdl
fi

ln -sf $x.mdl $dir/final.mdl
steps/summarize_alignment_logs.sh $dir
echo "$0: done training SAT system in $dir"
