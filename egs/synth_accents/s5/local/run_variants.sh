#!/usr/bin/env bash
# Variants of the multi-task network (issue 14 item 6), each trained with the recipe's seeds and
# compared with the recipe's single-task baseline of the same seed: the monophone-weight sweep,
# accent discriminative vs adversarial vs both, speaker-adversarial, and Jain et al.'s accent
# feedback, one conf/variants/<name>.yaml each (README.md). Runs after ./run.sh --stop-stage 5
# (corpus, features, exp/tri1_ali, exp/tri1/graph); the baseline and nnet_mtl are the recipe's
# exp/nnet_{base,mtl}_s<seed> (trained here when missing, as stage 6 would). Ends with
# make_results over nnet_base, nnet_mtl and the variants: per variant and test set the relative
# WER change over nnet_base with the speaker-block bootstrap's 95% interval and p-value.

. ./cmd.sh
. ./path.sh

stage=0
nnet_seeds="1 2 3"
variants="mono_w0p1 mono_w1p0 accent_disc accent_adv accent_both spk_adv accent_feedback"
mtl_config=conf/mtl.yaml
baseline_config=conf/single_task.yaml
nnet_opts=             # extra options of steps/nnet/train_mtl.sh, e.g. "--device cuda"
test_sets="dev test_unseen"   # dev picks the LM weight; test_unseen is the primary comparison
parallel=2             # networks trained and decoded at once (one process each)
results=results/variants

help_message="Usage: $0 [options]
Trains and decodes exp/nnet_<variant>_s<seed> for every conf/variants/<variant>.yaml and seed,
then $results/results.md: gains over nnet_base with matched-pairs tests.
Stages: 0 networks and decoding, 1 results.
Options (default):
  --stage <n>                      ($stage)
  --nnet-seeds '<s> ...'           the recipe's seeds ('$nnet_seeds')
  --variants '<name> ...'          configs conf/variants/<name>.yaml ('$variants')
  --mtl-config <yaml> --baseline-config <yaml>   nnet_mtl and nnet_base, as run.sh ($mtl_config, $baseline_config)
  --nnet-opts '<opts>'             extra options of steps/nnet/train_mtl.sh, as run.sh's
  --test-sets '<set> ...'          ('$test_sets')
  --parallel <n>                   networks at once ($parallel)
  --results <dir>                  ($results)
Cost (estimated from RESULTS.md's stage times, 2 idle cores): a network trains in about 4 min on
one core and decodes dev + test_unseen (360 utterances) in about 3.6 core-minutes, so each variant
and seed is about 4 min of wall time two at a time: the 7 variants x 3 seeds about 80-90 min
(accent_feedback trains on whole utterances: its time is not measured).
e.g.: $0 --variants 'accent_adv spk_adv' --nnet-seeds '1 2 3 4 5'"

. utils/parse_options.sh || exit 1
set -euo pipefail
if [ $# -ne 0 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi

for f in exp/tri1_ali/final.mdl exp/tri1/graph/HCLG.fst data/train_fbank/feats.scp data/lang/phones/base_phone_map.txt \
         $mtl_config $baseline_config; do
  [ ! -f $f ] && echo "$0: no such file $f (run ./run.sh --stop-stage 5 first)" >&2 && exit 1
done
for part in $test_sets; do
  [ ! -f data/${part}_fbank/feats.scp ] && echo "$0: no such file data/${part}_fbank/feats.scp" >&2 && exit 1
done
systems="nnet_base nnet_mtl"
for v in $variants; do
  [ ! -f conf/variants/$v.yaml ] && echo "$0: no such file conf/variants/$v.yaml" >&2 && exit 1
  systems="$systems nnet_$v"
done

config_of() {
  case $1 in
    nnet_base) echo $baseline_config ;;
    nnet_mtl) echo $mtl_config ;;
    *) echo conf/variants/${1#nnet_}.yaml ;;
  esac
}

# One network of one seed: trained unless its dir has a final.pt from the same YAML (train_mtl.sh
# refuses a dir of another config; remove a dir to retrain it with other --nnet-opts), and decoded
# on every test set whose scoring is older than the network.
train_and_decode() {  # <system> <seed>
  local dir=exp/$1_s$2 part
  if [ -f $dir/final.pt ] && cmp -s $(config_of $1) $dir/config.yaml; then
    echo "$0: $dir/final.pt exists, made from $(config_of $1): kept"
  else
    steps/nnet/train_mtl.sh --config $(config_of $1) --set train.seed=$2 $nnet_opts \
      data/train_fbank data/lang exp/tri1_ali $dir
  fi
  for part in $test_sets; do
    if [ -f $dir/decode_$part/scoring_kaldi/best_wer ] && [ $dir/decode_$part/scoring_kaldi/best_wer -nt $dir/final.pt ]; then
      echo "$0: $dir/decode_$part is up to date"
      continue
    fi
    steps/nnet/decode.sh --cmd "$decode_cmd" --nj 1 exp/tri1/graph data/${part}_fbank $dir/decode_$part
  done
}

if [ $stage -le 0 ]; then
  jobs_list=()
  for s in $nnet_seeds; do
    for sys in $systems; do jobs_list+=("$sys $s"); done
  done
  echo "$0: ${#jobs_list[@]} networks (systems: $systems; seeds: $nnet_seeds), $parallel at a time"
  # In groups of $parallel; each group is waited for, so a failure stops the run (set -e).
  for ((i = 0; i < ${#jobs_list[@]}; i += parallel)); do
    pids=()
    logs=()
    for ((j = i; j < i + parallel && j < ${#jobs_list[@]}; j++)); do
      set -- ${jobs_list[$j]}
      mkdir -p exp/$1_s$2/log
      logs+=(exp/$1_s$2/log/run_variants.log)
      echo "$0: training and decoding exp/$1_s$2 (log: exp/$1_s$2/log/run_variants.log)"
      train_and_decode $1 $2 > exp/$1_s$2/log/run_variants.log 2>&1 & pids+=($!)
    done
    for k in "${!pids[@]}"; do
      wait ${pids[$k]} || { echo "$0: failed: see ${logs[$k]}" >&2; tail -n 20 ${logs[$k]} >&2; exit 1; }
    done
  done
fi

if [ $stage -le 1 ]; then
  python3 -m mtlhybrid.bin.make_results --test-sets "$test_sets" --seeds "$nnet_seeds" --train-data data/train \
    --baseline nnet_base --systems "$systems" exp $results
fi
echo "$0: done: $results/results.md"
