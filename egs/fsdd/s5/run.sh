#!/usr/bin/env bash
# FSDD: real recordings of the ten English digits by 5 speakers with 3 accents (USA,
# Belgian French, German). Speaker-independent: whole speakers are held out for the test.
# GMM-HMM systems (mono, tri1) on MFCCs, then on filterbanks one multi-task network
# (senones + monophones + accent) beside its single-task baseline, decoded with an
# isolated-digit grammar. Stage 8 adapts the synth_accents multi-task model to FSDD with
# 10, 50 and all training utterances per speaker, against networks trained on FSDD alone
# on the same subsets. See README.md for the corpus, its license and the options.

. ./cmd.sh
. ./path.sh

stage=0
stop_stage=100          # last stage to run
nj=2
# Corpus: default ../shared/data/fsdd beside the repository when it exists, else corpus/fsdd here.
corpus_dir=
download=false          # stage 0 fetches the corpus from GitHub when it is missing (needs a network)
# Split: whole speakers are held out. The default holds out one USA and one German speaker,
# so every accent is also seen in training (the only Belgian French speaker stays in training).
test_speakers="lucas theo"
loso=false              # true: leave-one-speaker-out, stages 0-9 once per speaker (data/loso_<spk>, exp/loso_<spk>)
max_takes=              # use only takes below this (of 50 per digit and speaker): quick runs
# Where this run's data dirs, experiments, feature archives and results go (set per fold by --loso).
data=data
exp=exp
mfccdir=mfcc
fbankdir=fbank
results=results
# GMM systems: single short words, so fewer iterations and Gaussians than synth_accents.
mono_utts_per_spk=100   # the monophone system trains on this many utterances per speaker (0: all)
mono_iters=15
mono_gauss=300
tri1_leaves=300
tri1_gauss=1500
tri1_iters=10
# Networks (configs in conf/; the same architecture as synth_accents', so that adapted and
# FSDD-only models differ only in where they start).
nnet_seeds="1"
mtl_config=conf/mtl.yaml
baseline_config=conf/single_task.yaml
nnet_opts=              # e.g. "--device cuda"
# Adaptation of a synth_accents model (stage 8): <utterances per speaker>:<epochs> ('all': every one).
src_nnet=../../synth_accents/s5/exp/nnet_mtl_s1
adapt_sizes="10:100 50:30 all:8"
adapt_opts="--lr 0.001 --set augment.freq_warp=0"   # as conf/*.yaml here: no warping (it hurt on FSDD, see RESULTS.md)
test_sets="test"
# The recordings are trimmed tightly, often inside the last phone: with Kaldi's default beam (13)
# the paths that end in a final state are often pruned ("no final state reached").
decode_opts="--beam 20 --lattice-beam 8"

help_message="Usage: $0 [options]
FSDD recipe: stages 0 corpus + data, 1 lang + grammar, 2 features, 3 mono, 4 tri1,
5 GMM decoding, 6 networks, 7 hybrid decoding, 8 adaptation, 9 results.
Options (default):
  --stage <n> --stop-stage <n>     stages to run ($stage, $stop_stage)
  --corpus-dir <dir>               FSDD folder: recordings/ and speakers.tsv (../shared/data/fsdd or corpus/fsdd)
  --download <true|false>          fetch FSDD from GitHub when it is missing ($download)
  --test-speakers '<spk> ...'      held-out speakers ('$test_speakers')
  --loso <true|false>              leave-one-speaker-out: the whole recipe once per speaker, then WER per fold and
                                   nnet_mtl vs nnet_base pooled over the folds (local/pool_folds.sh) ($loso)
  --max-takes <n>                  only takes below n (all 50)
  --mono-utts-per-spk <n>          monophone training subset per speaker ($mono_utts_per_spk; 0: all)
  --nj <n>                         parallel jobs ($nj)
  --nnet-seeds '<s> ...'           one network of each kind per seed ('$nnet_seeds')
  --mtl-config <yaml> --baseline-config <yaml>   ($mtl_config, $baseline_config)
  --nnet-opts '<opts>'             extra options of steps/nnet/train_mtl.sh and adapt.sh, e.g. '--device cuda'
  --src-nnet <dir>                 network to adapt in stage 8 ($src_nnet)
  --adapt-sizes '<n>:<epochs> ...' adaptation subsets per speaker and their epochs ('$adapt_sizes')
  --adapt-opts '<opts>'            options of steps/nnet/adapt.sh ('$adapt_opts')
  --decode-opts '<opts>'           options of steps/decode.sh and steps/nnet/decode.sh ('$decode_opts')
e.g.: $0 --stage 3 --nnet-seeds '1 2 3'"

orig_args=("$@")
. utils/parse_options.sh || exit 1
set -euo pipefail
if [ $# -ne 0 ]; then
  echo "$0: unexpected argument '$1' (options only)" >&2
  printf "%s\n" "$help_message" >&2
  exit 1
fi

if [ -z "$corpus_dir" ]; then
  corpus_dir=$PWD/corpus/fsdd
  [ -d "$MTLHYBRID_ROOT/../shared/data/fsdd" ] && corpus_dir=$(cd "$MTLHYBRID_ROOT/../shared/data/fsdd" && pwd)
fi
start_time=$(date +%s)

if $loso; then
  # Leave-one-speaker-out: this script once per speaker of the corpus, each fold with its own
  # data, exp, feature and results dirs under the usual ones (data/lang is shared: same digits).
  local/check_corpus.sh --download $download "$corpus_dir"
  speakers=$(awk -F'\t' 'NR > 1 && NF >= 3 { print $1 }' "$corpus_dir/speakers.tsv")
  for spk in $speakers; do
    echo "$0: leave-one-speaker-out: holding out $spk"
    "$0" "${orig_args[@]}" --loso false --corpus-dir "$corpus_dir" --test-speakers "$spk" \
      --data $data/loso_$spk --exp $exp/loso_$spk --mfccdir $mfccdir/loso_$spk --fbankdir $fbankdir/loso_$spk \
      --results $results/loso_$spk
  done
  mkdir -p $results
  folds=$(for spk in $speakers; do echo $exp/loso_$spk; done)
  local/summarize_folds.py --test-set "${test_sets%% *}" $folds > $results/loso_summary.md
  # The networks' matched-pairs test pooled over the folds: each fold's held-out speaker is one
  # block of the speaker bootstrap, each fold and seed one pair of decode dirs.
  {
    printf "\n## nnet_mtl vs nnet_base pooled over the folds (seeds %s)\n\n" "$nnet_seeds"
    local/pool_folds.sh --test-set "${test_sets%% *}" --seeds "$nnet_seeds" --json $results/loso_pooled.json \
      nnet_base nnet_mtl $folds || echo "No fold has both networks decoded."
  } >> $results/loso_summary.md
  cat $results/loso_summary.md
  echo "$0: done (leave-one-speaker-out)"
  exit 0
fi

if [ $stage -le 0 ] && [ $stop_stage -ge 0 ]; then
  echo "$0: stage 0: corpus check and data dirs (held out: $test_speakers)"
  local/check_corpus.sh --download $download "$corpus_dir"
  take_opts=
  [ -n "$max_takes" ] && take_opts="--max-takes $max_takes"
  local/data_prep.sh --test-speakers "$test_speakers" $take_opts "$corpus_dir" $data
fi

if [ $stage -le 1 ] && [ $stop_stage -ge 1 ]; then
  echo "$0: stage 1: digit lexicon (CMUdict), lang dir and isolated-digit grammar"
  local/prepare_lang.sh data
fi

if [ $stage -le 2 ] && [ $stop_stage -ge 2 ]; then
  echo "$0: stage 2: MFCC (GMM) and filterbank (network, synth_accents-compatible) features with CMVN"
  for part in train $test_sets; do
    steps/make_mfcc.sh --cmd "$train_cmd" --nj $nj --mfcc-config conf/mfcc.conf $data/$part $exp/make_mfcc/$part $mfccdir
    steps/compute_cmvn_stats.sh $data/$part $exp/make_mfcc/$part $mfccdir
    utils/copy_data_dir.sh $data/$part $data/${part}_fbank
    steps/make_fbank.sh --cmd "$train_cmd" --nj $nj --fbank-config conf/fbank.conf $data/${part}_fbank $exp/make_fbank/$part $fbankdir
    steps/compute_cmvn_stats.sh $data/${part}_fbank $exp/make_fbank/$part $fbankdir
  done
fi

if [ $stage -le 3 ] && [ $stop_stage -ge 3 ]; then
  echo "$0: stage 3: monophone system"
  mono_data=$data/train
  if [ $mono_utts_per_spk -gt 0 ]; then
    # As Kaldi's recipes start on a subset: flat-start monophones need few utterances.
    utils/subset_data_dir.sh --per-spk $data/train $mono_utts_per_spk $data/train_mono
    mono_data=$data/train_mono
  fi
  steps/train_mono.sh --cmd "$train_cmd" --nj $nj --num-iters $mono_iters --totgauss $mono_gauss \
    --realign-iters "1 2 3 4 5 6 8 10 12" --max-iter-inc $((mono_iters - 5)) \
    $mono_data data/lang $exp/mono
  steps/align_si.sh --cmd "$train_cmd" --nj $nj $data/train data/lang $exp/mono $exp/mono_ali
fi

if [ $stage -le 4 ] && [ $stop_stage -ge 4 ]; then
  echo "$0: stage 4: triphone system (deltas)"
  steps/train_deltas.sh --cmd "$train_cmd" --num-iters $tri1_iters --realign-iters "5" \
    --max-iter-inc $((tri1_iters - 5)) --min-count 50 --tree-thresh 100 \
    $tri1_leaves $tri1_gauss $data/train data/lang $exp/mono_ali $exp/tri1
  # Alignments and state-level lattices of the training data: the networks' targets.
  steps/align_si.sh --cmd "$train_cmd" --nj $nj --generate-lattices true $data/train data/lang $exp/tri1 $exp/tri1_ali
fi

if [ $stage -le 5 ] && [ $stop_stage -ge 5 ]; then
  echo "$0: stage 5: graphs (isolated digits) and decoding of the GMM systems"
  for sys in mono tri1; do
    utils/mkgraph.sh data/lang_test $exp/$sys $exp/$sys/graph
    for part in $test_sets; do
      steps/decode.sh --cmd "$decode_cmd" --nj $nj $decode_opts $exp/$sys/graph $data/$part $exp/$sys/decode_$part
    done
  done
fi

if [ $stage -le 6 ] && [ $stop_stage -ge 6 ]; then
  echo "$0: stage 6: multi-task networks and single-task baselines on FSDD alone (seeds $nnet_seeds)"
  for s in $nnet_seeds; do
    steps/nnet/train_mtl.sh --config $mtl_config --set train.seed=$s $nnet_opts \
      $data/train_fbank data/lang $exp/tri1_ali $exp/nnet_mtl_s$s
    steps/nnet/train_mtl.sh --config $baseline_config --set train.seed=$s $nnet_opts \
      $data/train_fbank data/lang $exp/tri1_ali $exp/nnet_base_s$s
  done
fi

if [ $stage -le 7 ] && [ $stop_stage -ge 7 ]; then
  echo "$0: stage 7: hybrid decoding"
  for s in $nnet_seeds; do
    for sys in nnet_mtl_s$s nnet_base_s$s; do
      for part in $test_sets; do
        steps/nnet/decode.sh --cmd "$decode_cmd" --nj $nj $decode_opts $exp/tri1/graph $data/${part}_fbank $exp/$sys/decode_$part
      done
    done
  done
fi

if [ $stage -le 8 ] && [ $stop_stage -ge 8 ]; then
  echo "$0: stage 8: adapting $src_nnet to FSDD ($adapt_sizes), against FSDD-only networks on the same subsets"
  if [ ! -f $src_nnet/final.pt ]; then
    echo "$0: stage 8 skipped: no source network $src_nnet/final.pt (run egs/synth_accents/s5/run.sh" \
      "through its stage 6, or give --src-nnet <dir>)" >&2
  else
    for s in $nnet_seeds; do
      for spec in $adapt_sizes; do
        n=${spec%%:*}; epochs=${spec#*:}
        if [ "$n" == all ]; then
          per_spk=0; own=nnet_mtl_s$s   # stage 6's network is the FSDD-only model on all utterances
        else
          per_spk=$n; own=nnet_mtl_n${n}_s$s
          # The same utterances as adapt.sh --num-utts-per-spk picks (evenly spread per speaker).
          utils/subset_data_dir.sh --per-spk $data/train_fbank $n $data/train_fbank_n$n
          steps/nnet/train_mtl.sh --config $mtl_config --set train.seed=$s --set train.epochs=$epochs \
            --set train.warmup_steps=10 $nnet_opts $data/train_fbank_n$n data/lang $exp/tri1_ali $exp/$own
        fi
        steps/nnet/adapt.sh $adapt_opts --num-utts-per-spk $per_spk --set train.seed=$s \
          --set train.epochs=$epochs --set train.warmup_steps=10 $nnet_opts \
          $src_nnet $data/train_fbank data/lang $exp/tri1_ali $exp/nnet_adapt_${n}_s$s
        systems=nnet_adapt_${n}_s$s
        [ "$n" != all ] && systems="$own $systems"   # stage 7 decoded nnet_mtl_s$s
        for sys in $systems; do
          for part in $test_sets; do
            steps/nnet/decode.sh --cmd "$decode_cmd" --nj $nj $decode_opts $exp/tri1/graph $data/${part}_fbank $exp/$sys/decode_$part
          done
        done
      done
    done
  fi
fi

if [ $stage -le 9 ] && [ $stop_stage -ge 9 ]; then
  echo "$0: stage 9: results"
  python3 -m mtlhybrid.bin.make_results --test-sets "$test_sets" --seeds "$nnet_seeds" --train-data $data/train \
    --elapsed $(( $(date +%s) - start_time )) $exp $results
  cat $results/results.md
fi
echo "$0: done"
