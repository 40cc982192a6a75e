#!/usr/bin/env bash
# Learning curve of the multi-task gain (issue 14 item 6): the multi-task network and its
# single-task baseline trained on subsets of the training data, per seed, each subset with the
# same GMM alignments (exp/tri1_ali covers every training utterance), decoded on dev (LM weight)
# and test_unseen; one make_results report per size and a curve of the relative WER change
# with its 95% interval per size (mtlhybrid.bin.learning_curve). Speaker subsets are prefixes
# of data/local/synth_accents/train_spk_order.txt, balanced over accents and voices by the
# crossed design; utterance subsets take that many utterances per speaker, spread evenly.
# Runs after ./run.sh --stop-stage 5; the full size reuses the recipe's exp/nnet_{mtl,base}_s<seed>
# (stages 6-7).

. ./cmd.sh
. ./path.sh

stage=0
nnet_seeds="1 2 3"
# <speakers>x<utterances per speaker>:<epochs>. Smaller sets get more epochs, so that every
# network makes about as many updates as the full one (48 x 30 utterances, 8 epochs).
sizes="6x30:64 12x30:32 24x30:16 48x10:24 48x30:8"
mtl_config=conf/mtl.yaml
baseline_config=conf/single_task.yaml
nnet_opts=             # extra options of steps/nnet/train_mtl.sh, as run.sh's
test_sets="dev test_unseen"
curve_test_set=test_unseen
parallel=2             # networks trained and decoded at once (one process each)
results=results/learning_curve

help_message="Usage: $0 [options]
Stages: 0 data subsets, 1 networks and decoding (exp/lc/<size>/nnet_{mtl,base}_s<seed>),
2 reports ($results/<size>/results.md) and the curve ($results/learning_curve.{md,png}).
Options (default):
  --stage <n>                      ($stage)
  --nnet-seeds '<s> ...'           ('$nnet_seeds')
  --sizes '<spk>x<utts>:<epochs> ...'   training subsets and their epochs ('$sizes'); the size that
                                   is the whole training set reuses exp/nnet_{mtl,base}_s<seed>
  --mtl-config <yaml> --baseline-config <yaml>   ($mtl_config, $baseline_config)
  --nnet-opts '<opts>'             extra options of steps/nnet/train_mtl.sh
  --test-sets '<set> ...'          ('$test_sets'); --curve-test-set <set> ($curve_test_set)
  --parallel <n>                   networks at once ($parallel)
  --results <dir>                  ($results)
Cost (estimated from RESULTS.md's stage times, 2 idle cores): every network makes about as many
updates as the full one (about 4 min on one core) and decodes 360 utterances (about 3.6
core-minutes): 4 new sizes x 2 networks x 3 seeds = 24 networks, about 90-100 min. Subsets of
fewer than 10 speakers hold none out for model selection (train_mtl.sh --valid-num-spk auto):
their final.pt averages the last epochs.
e.g.: $0 --sizes '6x30:64 48x30:8' --nnet-seeds '1 2'"

. utils/parse_options.sh || exit 1
set -euo pipefail
if [ $# -ne 0 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi

order=data/local/synth_accents/train_spk_order.txt
for f in exp/tri1_ali/final.mdl exp/tri1/graph/HCLG.fst data/train_fbank/feats.scp $order $mtl_config $baseline_config; do
  [ ! -f $f ] && echo "$0: no such file $f (run ./run.sh --stop-stage 5 first)" >&2 && exit 1
done
num_spk=$(wc -l < $order)
full_utts=$(awk '{ print NF - 1 }' data/train_fbank/spk2utt | sort -n | tail -n 1)
labels=()
for spec in $sizes; do
  size=${spec%%:*}; n_spk=${size%%x*}; n_utt=${size#*x}; epochs=${spec#*:}
  case "$n_spk:$n_utt:$epochs" in *[!0-9:]*|:*|*::*|*:) echo "$0: bad size '$spec' (expected <spk>x<utts>:<epochs>)" >&2; exit 1 ;; esac
  [ $n_spk -gt $num_spk ] && echo "$0: size $size: only $num_spk training speakers" >&2 && exit 1
  labels+=($size)
done
is_full() { [ ${1%%x*} -eq $num_spk ] && [ ${1#*x} -ge $full_utts ]; }

if [ $stage -le 0 ]; then
  for spec in $sizes; do
    size=${spec%%:*}; n_spk=${size%%x*}; n_utt=${size#*x}
    is_full $size && continue
    mkdir -p data/lc
    head -n $n_spk $order > data/lc/spk_$n_spk.list
    utils/subset_data_dir.sh --spk-list data/lc/spk_$n_spk.list data/train_fbank data/lc/train_spk$n_spk
    utils/subset_data_dir.sh --per-spk data/lc/train_spk$n_spk $n_utt data/lc/train_${size}_fbank
    echo "$0: data/lc/train_${size}_fbank: $(wc -l < data/lc/train_${size}_fbank/utt2spk) utterances of $n_spk speakers"
  done
fi

# One network of one size and seed: trained unless its dir has a final.pt from the same YAML
# (train_mtl.sh refuses a dir of another config; remove a dir to retrain it with other options),
# and decoded on every test set whose scoring is older than the network.
train_and_decode() {  # <size> <epochs> <net: mtl|base> <seed>
  local size=$1 epochs=$2 net=$3 s=$4 dir=exp/lc/$1/nnet_$3_s$4 config=$mtl_config part
  [ $net == base ] && config=$baseline_config
  if [ -f $dir/final.pt ] && cmp -s $config $dir/config.yaml; then
    echo "$0: $dir/final.pt exists, made from $config: kept"
  else
    steps/nnet/train_mtl.sh --config $config --set train.seed=$s --set train.epochs=$epochs $nnet_opts \
      data/lc/train_${size}_fbank data/lang exp/tri1_ali $dir
  fi
  for part in $test_sets; do
    if [ -f $dir/decode_$part/scoring_kaldi/best_wer ] && [ $dir/decode_$part/scoring_kaldi/best_wer -nt $dir/final.pt ]; then
      continue
    fi
    steps/nnet/decode.sh --cmd "$decode_cmd" --nj 1 exp/tri1/graph data/${part}_fbank $dir/decode_$part
  done
}

if [ $stage -le 1 ]; then
  jobs_list=()
  for spec in $sizes; do
    size=${spec%%:*}; epochs=${spec#*:}
    mkdir -p exp/lc/$size
    for s in $nnet_seeds; do
      for net in mtl base; do
        if is_full $size; then
          # The whole training set: the recipe's own networks (run.sh stages 6-7), linked.
          for part in $test_sets; do
            [ -f exp/nnet_${net}_s$s/decode_$part/scoring_kaldi/best_wer ] || {
              echo "$0: size $size is the whole training set, but exp/nnet_${net}_s$s/decode_$part is not scored" \
                "(run ./run.sh --stop-stage 7)" >&2; exit 1; }
          done
          ln -sfn ../../nnet_${net}_s$s exp/lc/$size/nnet_${net}_s$s
        else
          jobs_list+=("$size $epochs $net $s")
        fi
      done
    done
  done
  echo "$0: ${#jobs_list[@]} networks to train and decode, $parallel at a time"
  for ((i = 0; i < ${#jobs_list[@]}; i += parallel)); do
    pids=(); logs=()
    for ((j = i; j < i + parallel && j < ${#jobs_list[@]}; j++)); do
      set -- ${jobs_list[$j]}
      mkdir -p exp/lc/$1/nnet_$3_s$4/log
      logs+=(exp/lc/$1/nnet_$3_s$4/log/run_learning_curve.log)
      echo "$0: training and decoding exp/lc/$1/nnet_$3_s$4 (log: ${logs[-1]})"
      train_and_decode $1 $2 $3 $4 > ${logs[-1]} 2>&1 & pids+=($!)
    done
    for k in "${!pids[@]}"; do
      wait ${pids[$k]} || { echo "$0: failed: see ${logs[$k]}" >&2; tail -n 20 ${logs[$k]} >&2; exit 1; }
    done
  done
fi

if [ $stage -le 2 ]; then
  points=()
  for size in "${labels[@]}"; do
    python3 -m mtlhybrid.bin.make_results --quiet --test-sets "$test_sets" --seeds "$nnet_seeds" --train-data data/train \
      --baseline nnet_base --systems "nnet_base nnet_mtl" exp/lc/$size $results/$size
    points+=("$size=$results/$size/results.json")
  done
  python3 -m mtlhybrid.bin.learning_curve --test-set $curve_test_set --system nnet_mtl \
    --title "Learning curve: nnet_mtl vs nnet_base (seeds $nnet_seeds)" "${points[@]}" $results
fi
echo "$0: done: $results/learning_curve.md"
