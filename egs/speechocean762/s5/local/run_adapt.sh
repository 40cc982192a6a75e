#!/usr/bin/env bash
# Adaptation (issue 15 item 5): a network trained on another corpus (by default the
# synth_accents multi-task network) fine-tuned to speechocean762 with a few, more, and all
# training utterances per speaker (steps/nnet/adapt.sh), against networks trained on
# speechocean762 alone on the same utterances (steps/nnet/train_mtl.sh with conf/mtl.yaml).
# Run after run.sh's stage 5 (it needs exp/<gmm>_ali and exp/<gmm>/graph). Both kinds see
# the same features, made with the source network's filterbank settings (synth_accents'
# stop at 3.8 kHz), the same utterances and no held-out speakers (each averages its last
# checkpoints), so they differ only in where they start. The phone sets may differ: adapt.sh
# keeps a head only when its classes are identical (same phones.txt and tree) and gives
# the others a new output layer; stage 0 says which. Results per size:
# results/adapt_n<size>/results.md, the adapted network's gain over the scratch one.
#
#   stage 0  features of train and the test sets with the source's fbank.conf; phone sets compared
#   stage 1  per seed and size: the scratch network and the adapted one, two at a time
#   stage 2  hybrid decoding of both with the <gmm> graph
#   stage 3  make_results per size (exp/adapt_n<size>/, --baseline nnet_scratch)

. ./cmd.sh
. ./path.sh

stage=0
stop_stage=100
src_nnet=../../synth_accents/s5/exp/nnet_mtl_s1
gmm=tri3b                  # the GMM whose alignments and graph the networks use (run.sh --gmm)
# <utterances per speaker>:<epochs>; 'all': every one. speechocean762 has 20 utterances per
# speaker, so 50 per speaker would be all of them: 2 and 10 are the small sizes here.
adapt_sizes="2:40 10:15 all:8"
seeds="1"
scratch_config=conf/mtl.yaml
adapt_opts="--lr 0.001"    # more options of steps/nnet/adapt.sh (freezing, KL, L2-SP)
nnet_opts=                 # more options of both trainings, e.g. "--set train.batch_size=32"
decode_nj=2
decode_opts=
device=cpu
test_sets=                 # default: dev, and test when data/test exists

help_message="Usage: $0 [options]
Adapts <src-nnet> to speechocean762 on n utterances per speaker, against networks trained on
speechocean762 alone on the same utterances; decodes both; results/adapt_n<n>/results.md.
Run after ./run.sh --stop-stage 5.
Options (default):
  --stage <n> --stop-stage <n>      0 features, 1 training, 2 decoding, 3 results ($stage, $stop_stage)
  --src-nnet <dir>                  the network to adapt (final.pt, conf/fbank.conf) ($src_nnet)
  --gmm <sys>                       alignments exp/<sys>_ali and graph exp/<sys>/graph ($gmm)
  --adapt-sizes '<n>:<epochs> ...'  utterances per speaker (or all) and epochs ('$adapt_sizes')
  --seeds '<s> ...'                 one pair of networks per seed and size ('$seeds')
  --scratch-config <yaml>           config of the speechocean762-only networks ($scratch_config)
  --adapt-opts '<opts>'             options of steps/nnet/adapt.sh ('$adapt_opts')
  --nnet-opts '<opts>'              options of both trainings ('$nnet_opts')
  --decode-nj <n> --decode-opts '<opts>'   ($decode_nj, '$decode_opts')
  --device <cpu|cuda>               ($device)
  --test-sets '<set> ...'           (default: dev, and test when data/test exists)"

. utils/parse_options.sh || exit 1
set -euo pipefail
if [ $# -ne 0 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
in_stages() { [ $stage -le $1 ] && [ $stop_stage -ge $1 ]; }

if [ -z "$test_sets" ]; then
  test_sets=dev
  [ -f data/test/text ] && test_sets="dev test"
fi
for spec in $adapt_sizes; do
  if ! [[ $spec =~ ^(all|[1-9][0-9]*):[1-9][0-9]*$ ]]; then
    echo "$0: bad --adapt-sizes entry '$spec' (expected <n>:<epochs> or all:<epochs>)" >&2; exit 1
  fi
done
for f in $src_nnet/final.pt $src_nnet/conf/fbank.conf $src_nnet/phones.txt data/lang/phones.txt data/train/feats.scp \
         exp/${gmm}_ali/ali.1.gz exp/${gmm}_ali/final.mdl exp/$gmm/graph/HCLG.fst $scratch_config; do
  if [ ! -f $f ]; then
    echo "$0: no such file $f" >&2
    case $f in
      $src_nnet/*) echo "$0: train the source first (egs/synth_accents/s5/run.sh through stage 6) or give --src-nnet <dir>" >&2 ;;
      *) echo "$0: run ./run.sh --stop-stage 5 first (with --gmm $gmm)" >&2 ;;
    esac
    exit 1
  fi
done
feat=fbank_src   # data/<set>_fbank_src: features with the source network's settings

if in_stages 0; then
  echo "$0: stage 0: features with $src_nnet/conf/fbank.conf; phone sets"
  for x in train $test_sets; do
    utils/copy_data_dir.sh data/$x data/${x}_$feat
    steps/make_fbank.sh --cmd "$train_cmd" --nj 2 --fbank-config $src_nnet/conf/fbank.conf \
      data/${x}_$feat exp/make_fbank_src/$x fbank_src
    steps/compute_cmvn_stats.sh data/${x}_$feat exp/make_fbank_src/$x fbank_src
    utils/fix_data_dir.sh data/${x}_$feat
  done
  if cmp -s $src_nnet/phones.txt data/lang/phones.txt; then
    echo "$0: the source's phones.txt is this lang's: heads with identical classes are kept"
  else
    echo "$0: the source's phones.txt differs from data/lang/phones.txt ($(wc -l < $src_nnet/phones.txt) vs" \
      "$(wc -l < data/lang/phones.txt) symbols): its phone and senone heads are replaced by new ones"
  fi
fi

# <exp-dir> of one size: exp/adapt_n<n>/{nnet_scratch_s<seed>,nnet_adapt_s<seed>}.
if in_stages 1; then
  echo "$0: stage 1: networks on speechocean762 alone and adapted from $src_nnet ($adapt_sizes; seeds $seeds)"
  for s in $seeds; do
    for spec in $adapt_sizes; do
      n=${spec%%:*}; epochs=${spec#*:}
      exp=exp/adapt_n$n
      train_data=data/train_$feat per_spk=0
      if [ $n != all ]; then
        # The same utterances as adapt.sh --num-utts-per-spk picks (utils/subset_data_dir.sh --per-spk).
        per_spk=$n train_data=data/train_${feat}_n$n
        utils/subset_data_dir.sh --per-spk data/train_$feat $n $train_data
      fi
      train_opts=(--set train.seed=$s --set train.epochs=$epochs --set train.warmup_steps=10 --device $device)
      steps/nnet/train_mtl.sh --cmd "$train_cmd" --config $scratch_config --valid-num-spk 0 "${train_opts[@]}" $nnet_opts \
        $train_data data/lang exp/${gmm}_ali $exp/nnet_scratch_s$s & pid1=$!
      steps/nnet/adapt.sh --cmd "$train_cmd" $adapt_opts --num-utts-per-spk $per_spk "${train_opts[@]}" $nnet_opts \
        $src_nnet data/train_$feat data/lang exp/${gmm}_ali $exp/nnet_adapt_s$s & pid2=$!
      wait $pid1; wait $pid2   # set -e: a failed training stops here
      # What carried over from the source (copied, new or dropped heads): adapt.json, and the log.
      grep -h "task [a-z_]*: \(copied\|new\|dropped\)" $exp/nnet_adapt_s$s/log/adapt.log || true
    done
  done
fi

if in_stages 2; then
  echo "$0: stage 2: hybrid decoding with exp/$gmm/graph"
  pids=()
  for s in $seeds; do
    for spec in $adapt_sizes; do
      n=${spec%%:*}
      for sys in nnet_scratch_s$s nnet_adapt_s$s; do
        for x in $test_sets; do
          steps/nnet/decode.sh --cmd "$decode_cmd" --nj $decode_nj --device $device $decode_opts \
            exp/$gmm/graph data/${x}_$feat exp/adapt_n$n/$sys/decode_$x
        done & pids+=($!)
      done
      for pid in "${pids[@]}"; do wait $pid; done
      pids=()
    done
  done
fi

if in_stages 3; then
  echo "$0: stage 3: results per size"
  for spec in $adapt_sizes; do
    n=${spec%%:*}
    python3 -m mtlhybrid.bin.make_results --test-sets "$test_sets" --seeds "$seeds" --label age_group \
      --train-data data/train --baseline nnet_scratch --no-plot exp/adapt_n$n results/adapt_n$n
  done
fi
echo "$0: done"
