#!/usr/bin/env bash
# Sequence-discriminative training of a hybrid network (MMI, boosted MMI, sMBR, MPFE), as
# Kaldi's steps/nnet/train_mpe.sh: starting from <src-nnet-dir>/final.pt (cross-entropy
# trained), each epoch rescores the denominator lattices (steps/nnet/make_denlats.sh) with
# the current network and follows the criterion's gradient against the numerator
# alignments (steps/nnet/align.sh). Frame smoothing mixes in the senone cross-entropy
# (--smooth-weight); the auxiliary tasks of a multi-task network keep training with their
# weights unless --keep-aux-tasks false. Writes <exp-dir>/<N>.pt per epoch and final.pt
# (the last), the objective per epoch in <exp-dir>/log/mpe.<N>.log and log/summary, and,
# with --dev-data and --dev-graph, the dev WER of the source network and of every epoch.
# <exp-dir> has the files steps/nnet/decode.sh reads, as the source dir has.

# Begin configuration section.
cmd=run.pl
num_iters=4            # epochs over the training data
criterion=smbr         # mmi|bmmi|smbr|mpfe
acwt=0.1               # acoustic scale of the criterion (kappa)
lmwt=1.0               # graph (LM) scale of the lattices
boost=0.1              # boosted MMI's b (criterion bmmi only)
lr=0.0001              # learning rate (AdamW)
smooth_weight=0.1      # frame smoothing: (1-H)*sequence + H*senone cross-entropy (0: none)
keep_aux_tasks=true    # keep the auxiliary tasks' cross-entropy (their config weights) as regularisers
one_silence_class=true # sMBR/MPFE: silence against silence counts as correct
utts_per_step=4        # utterances per update
prior_scale=1.0
seed=1
device=cpu
dev_data=              # a dev data dir to decode after every epoch ...
dev_graph=             # ... with this graph dir (HCLG.fst)
decode_opts="--nj 2"   # options of steps/nnet/decode.sh for the dev set
stage=0
# End configuration section.

echo "$0 $*"
help_message="Usage: $0 [options] <data> <lang> <src-nnet-dir> <ali-dir> <denlat-dir> <exp-dir>
 e.g.: $0 --criterion smbr data/train data/lang exp/mtl exp/mtl_ali exp/mtl_denlats exp/mtl_smbr
Options:
  --criterion <mmi|bmmi|smbr|mpfe>  # objective (default $criterion)
  --num-iters <n>                   # epochs (default $num_iters)
  --acwt <float>                    # acoustic scale (default $acwt)
  --lmwt <float>                    # LM scale (default $lmwt)
  --boost <float>                   # boosting factor of bmmi (default $boost)
  --lr <float>                      # learning rate (default $lr)
  --smooth-weight <float>           # frame-smoothing weight of the senone CE (default $smooth_weight)
  --keep-aux-tasks <true|false>     # auxiliary tasks' CE on or off (default $keep_aux_tasks)
  --one-silence-class <true|false>  # sMBR/MPFE silence handling (default $one_silence_class)
  --utts-per-step <n>               # utterances per update (default $utts_per_step)
  --dev-data <dir> --dev-graph <dir> # decode a dev set after each epoch (WER in log/summary)
  --decode-opts <opts>              # for steps/nnet/decode.sh (default '$decode_opts')
  --device <cpu|cuda>               # (default $device)
  --seed <n>                        # (default $seed)
  --stage <n>                       # 0 set up, 1 train (finished epochs are kept), 2 final (default $stage)
  --cmd <cmd>                       # run.pl, slurm.pl, queue.pl (default $cmd)"

[ -f path.sh ] && . ./path.sh
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# != 6 ]; then
  echo "$help_message" >&2
  exit 1
fi

data=$1
lang=$2
srcdir=$3
alidir=$4
denlatdir=$5
dir=$6

case "$criterion" in mmi|bmmi|smbr|mpfe) ;; *) echo "$0: --criterion must be mmi, bmmi, smbr or mpfe, got '$criterion'" >&2; exit 1 ;; esac
case "$keep_aux_tasks" in true|false) ;; *) echo "$0: --keep-aux-tasks must be true or false" >&2; exit 1 ;; esac
for f in $data/feats.scp $lang/phones.txt $lang/phones/silence.csl $srcdir/final.pt $srcdir/final.mdl $srcdir/tree \
         $srcdir/ali_train_pdf.counts $alidir/ali.1.gz $alidir/final.mdl $alidir/tree $denlatdir/lat.1.gz; do
  [ ! -f $f ] && echo "$0: no such file $f" >&2 && exit 1
done
if [ -n "$dev_data" ] || [ -n "$dev_graph" ]; then
  { [ -z "$dev_data" ] || [ -z "$dev_graph" ]; } && echo "$0: give both --dev-data and --dev-graph" >&2 && exit 1
  [ ! -f $dev_graph/HCLG.fst ] && echo "$0: no such file $dev_graph/HCLG.fst" >&2 && exit 1
fi
utils/check_phones_compatible.sh $lang/phones.txt $srcdir/phones.txt
cmp -s $srcdir/tree $alidir/tree || { echo "$0: $alidir/tree differs from $srcdir/tree" >&2; exit 1; }
cmvn_opts=$(cat $srcdir/cmvn_opts 2>/dev/null || echo "--apply-cmvn true --norm-vars false")
delta_opts=$(cat $srcdir/delta_opts 2>/dev/null || echo "--delta-order 0")
silphonelist=$(cat $lang/phones/silence.csl)
py="python3 -m mtlhybrid.bin"
mkdir -p $dir/log

# the files steps/nnet/decode.sh (and transcribe.sh) read beside final.pt
model_files="final.mdl tree phones.txt ali_train_pdf.counts cmvn_opts delta_opts config.yaml"
if [ $stage -le 0 ]; then
  for f in $model_files; do
    [ -f $srcdir/$f ] && cp $srcdir/$f $dir/
  done
  rm -rf $dir/conf
  [ -d $srcdir/conf ] && cp -r $srcdir/conf $dir/conf
  echo "$criterion acwt=$acwt lmwt=$lmwt boost=$boost lr=$lr smooth_weight=$smooth_weight keep_aux_tasks=$keep_aux_tasks" \
    > $dir/seq_opts
  : > $dir/log/summary
fi

# Decodes <model.pt> on the dev set into <dir>/dev_decode/it<N> (not decode_*: make_results
# would take it for a test set) and prints its best %WER.
dev_wer() {
  local model=$1 it=$2
  local decdir=$dir/dev_decode/it$it mdir=$dir/dev_decode/it$it.model
  mkdir -p $mdir
  for f in $model_files conf; do [ -e $dir/$f ] && ln -sfn $(readlink -f $dir/$f) $mdir/$f; done
  ln -sfn $(readlink -f $model) $mdir/final.pt
  steps/nnet/decode.sh $decode_opts --device $device --nnet-dir $mdir $dev_graph $dev_data $decdir \
    > $dir/log/dev_decode.it$it.log 2>&1 \
    || { echo "$0: decoding $dev_data failed; see $dir/log/dev_decode.it$it.log" >&2; return 1; }
  awk '{print $2}' $decdir/scoring_kaldi/best_wer
}

if [ $stage -le 1 ]; then
  if [ -n "$dev_data" ] && [ ! -f $dir/dev_decode/it0/scoring_kaldi/best_wer ]; then
    wer=$(dev_wer $srcdir/final.pt 0)
    echo "epoch 0 (source $srcdir/final.pt): dev %WER $wer" | tee -a $dir/log/summary
  fi
  for iter in $(seq $num_iters); do
    if [ -f $dir/$iter.pt ]; then
      echo "$0: $dir/$iter.pt exists (epoch $iter done): skipping it"
      continue
    fi
    prev=$srcdir/final.pt
    [ $iter -gt 1 ] && prev=$dir/$((iter - 1)).pt
    echo "$0: epoch $iter of $num_iters ($criterion; log: $dir/log/mpe.$iter.log)"
    rm -f $dir/log/stats.$iter.json $dir/log/summary.$iter
    $cmd $dir/log/mpe.$iter.log \
      $py.nnet_train_mpe $cmvn_opts $delta_opts --criterion $criterion --acoustic-scale $acwt --lm-scale $lmwt \
        --boost $boost --silence-phones $silphonelist --one-silence-class $one_silence_class \
        --smooth-weight $smooth_weight --keep-aux-tasks $keep_aux_tasks --learn-rate $lr \
        --utts-per-step $utts_per_step --class-frame-counts $srcdir/ali_train_pdf.counts --prior-scale $prior_scale \
        --lang $lang --epoch $iter --seed $seed --device $device --write-stats $dir/log/stats.$iter.json \
        --write-summary $dir/log/summary.$iter \
        $prev $data $alidir $denlatdir $dir/$iter.pt.tmp \
      || { echo "$0: epoch $iter failed; see $dir/log/mpe.$iter.log" >&2; tail -n 5 $dir/log/mpe.$iter.log >&2; exit 1; }
    line=$(cat $dir/log/summary.$iter)
    if [ -n "$dev_data" ]; then
      wer=$(dev_wer $dir/$iter.pt.tmp $iter)
      line="$line dev %WER $wer"
    fi
    mv $dir/$iter.pt.tmp $dir/$iter.pt
    [ -n "$dev_data" ] && ln -sfn $(readlink -f $dir/$iter.pt) $dir/dev_decode/it$iter.model/final.pt
    echo "$line" | tee -a $dir/log/summary
  done
fi

if [ $stage -le 2 ]; then
  cp $dir/$num_iters.pt $dir/final.pt
  $py.nnet_check_dir $dir
  echo "$0: wrote $dir/final.pt (epoch $num_iters); per-epoch objective in $dir/log/summary"
fi
