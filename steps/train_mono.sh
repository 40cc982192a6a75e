#!/usr/bin/env bash
# Flat-start monophone GMM-HMM training, as Kaldi's steps/train_mono.sh: a model with one
# Gaussian per phone state, equal alignments, then EM with realignment on a schedule while
# Gaussians are added up to --totgauss. Features: CMVN per speaker plus deltas.
# The work is in mtlhybrid.bin.{gmm_init_mono,align_equal,compile_train_graphs,
# gmm_align_compiled,gmm_acc_stats_ali,gmm_est} (gmm_est sums the jobs' accumulators itself).

# Begin configuration section.
nj=4
cmd=run.pl
scale_opts="--transition-scale 1.0 --acoustic-scale 0.1 --self-loop-scale 0.1"
num_iters=40           # number of EM iterations
max_iter_inc=30        # last iteration that adds Gaussians
initial_beam=6         # beam of the first realignment (Kaldi: 6)
regular_beam=10        # beam afterwards
retry_beam=40          # retried with this beam when an utterance fails
totgauss=1000          # target number of Gaussians
boost_silence=1.0      # factor on silence likelihoods during alignment
realign_iters="1 2 3 4 5 6 7 8 9 10 12 14 16 18 20 23 26 29 32 35 38"
power=0.25             # exponent of the occupation count in the Gaussian allocation
cmvn_opts="--apply-cmvn true --norm-vars false"
delta_opts="--delta-order 2"
stage=-4
device=cpu             # cpu or cuda for the GMM statistics
allow_oov=false        # true: words not in words.txt map to the lang's OOV word (counted in the log)
overwrite=false        # true: start over in a dir made with other options (else such a rerun is refused)
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <data-dir> <lang-dir> <exp-dir>
 e.g.: $0 data/train data/lang exp/mono
main options (for others, see top of script file)
  --nj <nj>                     # number of parallel jobs (default $nj)
  --cmd <cmd>                   # run.pl, slurm.pl or queue.pl (default $cmd)
  --totgauss <n>                # target number of Gaussians (default $totgauss)
  --num-iters <n>               # EM iterations (default $num_iters)
  --boost-silence <factor>      # silence likelihood boost during alignment (default $boost_silence)
  --stage <stage>               # resume from this stage (default $stage)
  --overwrite <true|false>      # start over in a dir made with other options (default $overwrite: refused)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 3 ]; then
  echo "$help_message" >&2
  exit 1
fi

data=$1
lang=$2
dir=$3

for f in $data/feats.scp $data/cmvn.scp $data/text $lang/L.fst $lang/topo $lang/words.txt \
         $lang/phones/sets.int $lang/phones/silence.csl $lang/oov.int; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done

silphonelist=$(cat $lang/phones/silence.csl)
mkdir -p $dir/log
# A rerun into a dir made with other options would mix two systems: refused, naming the changes.
python3 -m mtlhybrid.bin.check_dir_opts --overwrite $overwrite $dir data=$data lang=$lang nj=$nj "cmvn_opts=$cmvn_opts" "delta_opts=$delta_opts" totgauss=$totgauss \
  num_iters=$num_iters max_iter_inc=$max_iter_inc "realign_iters=$realign_iters" initial_beam=$initial_beam regular_beam=$regular_beam \
  retry_beam=$retry_beam boost_silence=$boost_silence power=$power "scale_opts=$scale_opts" allow_oov=$allow_oov
echo $nj > $dir/num_jobs
echo "$cmvn_opts" > $dir/cmvn_opts
echo "$delta_opts" > $dir/delta_opts
cp $lang/phones.txt $dir/phones.txt
utils/split_data.sh $data $nj
sdata=$data/split$nj
feat_opts="$cmvn_opts $delta_opts"
py="python3 -m mtlhybrid.bin"

if [ $stage -le -3 ]; then
  echo "$0: initializing monophone system"
  raw_dim=$($py.feat_to_dim scp:$data/feats.scp)
  order=$(echo "$delta_opts" | awk '{for (i=1;i<=NF;i++) if ($i=="--delta-order") print $(i+1)}')
  dim=$((raw_dim * (${order:-0} + 1)))
  $cmd $dir/log/init.log \
    $py.gmm_init_mono $feat_opts --train-feats $sdata/1 --shared-phones $lang/phones/sets.int \
      $lang/topo $dim $dir/0.mdl $dir/tree
fi

if [ $stage -le -2 ]; then
  echo "$0: mapping transcripts to word ids"
  steps/internal/transcripts_to_int.sh $allow_oov $lang $sdata $nj $dir
  # Training graphs depend on the tree and the transcripts only (the aligner adds the
  # model's transition probabilities): compiled once, read at every realignment.
  echo "$0: compiling training graphs"
  $cmd JOB=1:$nj $dir/log/compile_graphs.JOB.log \
    $py.compile_train_graphs $dir/tree $dir/0.mdl $lang/L.fst $dir/text.JOB.int ark:$dir/fsts.JOB.gz
fi

if [ $stage -le -1 ]; then
  echo "$0: aligning data equally (pass 0)"
  $cmd JOB=1:$nj $dir/log/align.0.JOB.log \
    $py.align_equal $dir/tree $dir/0.mdl $lang/L.fst scp:$sdata/JOB/feats.scp $dir/text.JOB.int ark:$dir/ali.JOB.gz
  $cmd JOB=1:$nj $dir/log/acc.0.JOB.log \
    $py.gmm_acc_stats_ali $feat_opts --device $device $dir/0.mdl $sdata/JOB ark:$dir/ali.JOB.gz $dir/0.JOB.acc
fi

# The first estimation mixes up a little (as Kaldi: at most 10 Gaussians per pdf), then
# each iteration adds incgauss until max_iter_inc.
numgauss=$($py.gmm_info $dir/0.mdl | awk '/^number of pdfs / {print $NF}')  # one Gaussian per pdf so far
incgauss=$(( (totgauss - numgauss) / max_iter_inc ))
[ $incgauss -lt 0 ] && incgauss=0

if [ $stage -le 0 ]; then
  $cmd $dir/log/update.0.log \
    $py.gmm_est --min-gaussian-occupancy 3 --mix-up $numgauss --power $power --device $device \
      $dir/0.mdl $dir/0.*.acc $dir/1.mdl
  rm $dir/0.*.acc
fi

beam=$initial_beam
x=1
while [ $x -lt $num_iters ]; do
  echo "$0: pass $x"
  if [ $stage -le $x ]; then
    if echo " $realign_iters " | grep -q " $x "; then
      echo "$0: aligning data"
      $cmd JOB=1:$nj $dir/log/align.$x.JOB.log \
        $py.gmm_align_compiled $feat_opts --boost-silence $boost_silence --silence-phones $silphonelist \
          $scale_opts --beam $beam --retry-beam $retry_beam \
          $dir/$x.mdl ark:$dir/fsts.JOB.gz $sdata/JOB ark:$dir/ali.JOB.gz
    fi
    $cmd JOB=1:$nj $dir/log/acc.$x.JOB.log \
      $py.gmm_acc_stats_ali $feat_opts --device $device $dir/$x.mdl $sdata/JOB ark:$dir/ali.JOB.gz $dir/$x.JOB.acc
    $cmd $dir/log/update.$x.log \
      $py.gmm_est --mix-up $numgauss --power $power --device $device \
        $dir/$x.mdl $dir/$x.*.acc $dir/$((x+1)).mdl
    rm -f $dir/$x.mdl $dir/$x.*.acc
  fi
  [ $x -le $max_iter_inc ] && numgauss=$((numgauss + incgauss))
  beam=$regular_beam
  x=$((x+1))
done

ln -sf $x.mdl $dir/final.mdl
steps/summarize_alignment_logs.sh $dir
echo "$0: done training monophone system in $dir"
