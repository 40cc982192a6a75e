#!/usr/bin/env bash
# synth_accents: the default mtlhybrid recipe. A multi-accent English corpus synthesized
# offline (espeak-ng accents and flite voices), GMM-HMM systems (mono, tri1), then one
# multi-task network (senones + monophones + accent) beside its single-task baseline,
# all decoded through the same HCLG graphs and scored per accent, seen and unseen.
# Nothing is downloaded. Defaults finish on a 2-core machine; see RESULTS.md.

. ./cmd.sh
. ./path.sh

stage=0
stop_stage=100        # last stage to run
nj=2
seed=0
# Corpus size (local/prepare_data.sh has more options).
num_train_spk=48
utts_per_spk=30
utts_per_test_spk=20
num_unseen_spk_per_accent=6   # test_unseen: 2 unseen accents x 6 speakers x 20 utterances (README.md: power)
corpus_opts=           # more options of local/prepare_data.sh, e.g. "--design nested --prosody speaker" (the earlier corpus)
prompts=               # a prompt file (e.g. ../../../../shared/data/arctic_prompts/cmuarctic.data) instead of the generator
augment=0              # share of speakers with reverberation and noise
# GMM systems (light schedules: realignment dominates the run time).
mono_utts_per_spk=10   # the monophone system trains on this many utterances per speaker (0: all)
mono_iters=16
mono_realign="1 2 3 5 8 12"
mono_gauss=1000
tri1_leaves=600
tri1_gauss=4000
tri1_iters=12
tri1_realign="4 8"
# Networks: one multi-task model and its single-task baseline per seed.
nnet_seeds="1 2 3"
mtl_config=conf/mtl.yaml
baseline_config=conf/single_task.yaml
nnet_opts=             # e.g. "--set train.epochs=8 --device cuda"
test_sets="dev test_seen test_unseen"
# Sequence training (stage 9, off by default): numerator alignments and denominator
# lattices from each network, then steps/nnet/train_mpe.sh from it.
seq_train=false
seq_criteria="smbr mmi" # one sequence-trained network per criterion (mmi|bmmi|smbr|mpfe) and network
seq_opts=              # extra options of steps/nnet/train_mpe.sh, e.g. "--num-iters 2 --lr 0.0001"
seq_aux_ablation=smbr  # criteria under which each multi-task network is also trained without its auxiliary tasks
seq_utts_per_spk=0     # sequence-train on this many utterances per training speaker (0: all)

help_message="Usage: $0 [options]
synth_accents recipe: stages 0 corpus synthesis, 1 lang + LM, 2 features, 3 mono, 4 tri1 +
alignments and lattices, 5 GMM decoding, 6 networks, 7 hybrid decoding, 8 results,
9 sequence training of the networks (only with --seq-train true) and results again.
Options (default):
  --stage <n> --stop-stage <n>       stages to run ($stage, $stop_stage)
  --nj <n>                           parallel jobs ($nj)
  --seed <n>                         seed of the corpus (speakers, sentences, voices) ($seed)
  --num-train-spk <n>                training speakers ($num_train_spk)
  --utts-per-spk <n> --utts-per-test-spk <n>   utterances per speaker ($utts_per_spk, $utts_per_test_spk)
  --num-unseen-spk-per-accent <n>    test_unseen speakers per unseen accent ($num_unseen_spk_per_accent)
  --corpus-opts '<opts>'             more options of local/prepare_data.sh ('$corpus_opts'), e.g.
                                     '--utts-per-unseen-spk 50 --num-unseen-spk-per-accent 9' (README.md)
  --prompts <file>                   sentences from a prompt file instead of the generator
  --augment <fraction>               share of speakers with reverberation and noise ($augment)
  --mono-utts-per-spk <n>            monophone training subset per speaker ($mono_utts_per_spk; 0: all)
  --mono-iters <n> --mono-realign '<n> ...' --mono-gauss <n>   ($mono_iters, '$mono_realign', $mono_gauss)
  --tri1-leaves <n> --tri1-gauss <n> --tri1-iters <n> --tri1-realign '<n> ...'
                                     ($tri1_leaves, $tri1_gauss, $tri1_iters, '$tri1_realign')
  --nnet-seeds '<s> ...'             one network of each kind per seed ('$nnet_seeds')
  --mtl-config <yaml> --baseline-config <yaml>   ($mtl_config, $baseline_config)
  --nnet-opts '<opts>'               extra options of steps/nnet/train_mtl.sh, e.g. '--device cuda'
  --test-sets '<set> ...'            ('$test_sets')
  --seq-train <true|false>           stage 9: sequence-train every network ($seq_train)
  --seq-criteria '<c> ...' --seq-opts '<opts>'   criteria and train_mpe.sh options ('$seq_criteria', '$seq_opts')
  --seq-aux-ablation '<c> ...'       criteria under which the multi-task networks are also trained
                                     without their auxiliary tasks ('$seq_aux_ablation'; '': none)
  --seq-utts-per-spk <n>             sequence training on a subset: n utterances per speaker ($seq_utts_per_spk; 0: all)
e.g.: $0 --stage 6 --nnet-seeds '1 2 3 4 5'"

. utils/parse_options.sh || exit 1
set -euo pipefail

start_time=$(date +%s)
stage_start=$start_time
# Wall-clock time of each stage, for RESULTS.md: printed and kept in exp/stage_times.txt.
stage_done() {
  local now=$(date +%s)
  mkdir -p exp
  echo "$(date "+%F %T") stage $1 $((now - stage_start)) s" >> exp/stage_times.txt
  echo "$0: stage $1 took $((now - stage_start)) s"
  stage_start=$now
}

if [ $stage -le 0 ] && [ $stop_stage -ge 0 ]; then
  echo "$0: stage 0: synthesizing the corpus"
  prompt_opts=
  [ -n "$prompts" ] && prompt_opts="--prompts $prompts"
  local/prepare_data.sh --nj $nj --seed $seed --num-train-spk $num_train_spk \
    --utts-per-spk $utts_per_spk --utts-per-test-spk $utts_per_test_spk --augment $augment $prompt_opts \
    --num-unseen-spk-per-accent $num_unseen_spk_per_accent $corpus_opts wav data
  stage_done 0
fi

if [ $stage -le 1 ] && [ $stop_stage -ge 1 ]; then
  echo "$0: stage 1: lexicon (CMUdict), lang dir, trigram LM and G.fst"
  python3 -m mtlhybrid.bin.prepare_dict data/local/synth_accents/wordlist.txt data/local/dict
  utils/prepare_lang.sh data/local/dict "<UNK>" data/local/lang_tmp data/lang
  mkdir -p data/local/lm
  python3 -m mtlhybrid.bin.make_ngram_lm --order 3 --method kneser-ney --vocab data/lang/words.txt \
    data/local/synth_accents/lm_text.txt data/local/lm/lm_tg.arpa.gz
  utils/format_lm.sh data/lang data/local/lm/lm_tg.arpa.gz data/local/dict/lexicon.txt data/lang_test
  # Word-position-dependent phones -> base phones: the classes of the network's monophone task.
  awk '$2 > 0 && $1 !~ /^#/ { p = $1; sub(/_[BEIS]$/, "", p); print $1, p }' data/lang/phones.txt \
    > data/lang/phones/base_phone_map.txt
  stage_done 1
fi

if [ $stage -le 2 ] && [ $stop_stage -ge 2 ]; then
  echo "$0: stage 2: MFCC (GMM) and filterbank (network) features with CMVN"
  for part in train $test_sets; do
    steps/make_mfcc.sh --cmd "$train_cmd" --nj $nj --mfcc-config conf/mfcc.conf data/$part exp/make_mfcc/$part mfcc
    steps/compute_cmvn_stats.sh data/$part exp/make_mfcc/$part mfcc
    utils/copy_data_dir.sh data/$part data/${part}_fbank
    steps/make_fbank.sh --cmd "$train_cmd" --nj $nj --fbank-config conf/fbank.conf data/${part}_fbank exp/make_fbank/$part fbank
    steps/compute_cmvn_stats.sh data/${part}_fbank exp/make_fbank/$part fbank
  done
  stage_done 2
fi

if [ $stage -le 3 ] && [ $stop_stage -ge 3 ]; then
  echo "$0: stage 3: monophone system"
  mono_data=data/train
  if [ $mono_utts_per_spk -gt 0 ]; then
    # As Kaldi's recipes start on a subset: flat-start monophones need few utterances.
    utils/subset_data_dir.sh --per-spk data/train $mono_utts_per_spk data/train_mono
    mono_data=data/train_mono
  fi
  steps/train_mono.sh --cmd "$train_cmd" --nj $nj --num-iters $mono_iters --totgauss $mono_gauss \
    --realign-iters "$mono_realign" --max-iter-inc $((mono_iters - 5)) \
    $mono_data data/lang exp/mono
  steps/align_si.sh --cmd "$train_cmd" --nj $nj data/train data/lang exp/mono exp/mono_ali
  stage_done 3
fi

if [ $stage -le 4 ] && [ $stop_stage -ge 4 ]; then
  echo "$0: stage 4: triphone system (deltas)"
  steps/train_deltas.sh --cmd "$train_cmd" --num-iters $tri1_iters --realign-iters "$tri1_realign" \
    --max-iter-inc $((tri1_iters - 5)) $tri1_leaves $tri1_gauss data/train data/lang exp/mono_ali exp/tri1
  # Alignments and state-level lattices of the training data: the network's targets.
  steps/align_si.sh --cmd "$train_cmd" --nj $nj --generate-lattices true data/train data/lang exp/tri1 exp/tri1_ali
  stage_done 4
fi

if [ $stage -le 5 ] && [ $stop_stage -ge 5 ]; then
  echo "$0: stage 5: graphs and decoding of the GMM systems"
  for sys in mono tri1; do
    utils/mkgraph.sh data/lang_test exp/$sys exp/$sys/graph
    for part in $test_sets; do
      steps/decode.sh --cmd "$decode_cmd" --nj $nj exp/$sys/graph data/$part exp/$sys/decode_$part
    done
  done
  stage_done 5
fi

if [ $stage -le 6 ] && [ $stop_stage -ge 6 ]; then
  echo "$0: stage 6: multi-task networks and single-task baselines ($nnet_seeds)"
  # A seed's two networks train at once, one thread each: the two cores stay busy.
  for s in $nnet_seeds; do
    pids=()
    steps/nnet/train_mtl.sh --config $mtl_config --set train.seed=$s $nnet_opts \
      data/train_fbank data/lang exp/tri1_ali exp/nnet_mtl_s$s & pids+=($!)
    steps/nnet/train_mtl.sh --config $baseline_config --set train.seed=$s $nnet_opts \
      data/train_fbank data/lang exp/tri1_ali exp/nnet_base_s$s & pids+=($!)
    for pid in "${pids[@]}"; do wait $pid; done  # set -e: a failed training stops the run
  done
  stage_done 6
fi

if [ $stage -le 7 ] && [ $stop_stage -ge 7 ]; then
  echo "$0: stage 7: hybrid decoding"
  # As in stage 6, a seed's two networks decode at once (their scoring is one process each).
  for s in $nnet_seeds; do
    pids=()
    for sys in nnet_mtl_s$s nnet_base_s$s; do
      for part in $test_sets; do
        steps/nnet/decode.sh --cmd "$decode_cmd" --nj $nj exp/tri1/graph data/${part}_fbank exp/$sys/decode_$part
      done & pids+=($!)
    done
    for pid in "${pids[@]}"; do wait $pid; done
  done
  stage_done 7
fi

if [ $stage -le 8 ] && [ $stop_stage -ge 8 ]; then
  echo "$0: stage 8: results"
  # results/{results.md,results.json,wer_per_accent.png}; results.md is printed too.
  # Accents absent from data/train/utt2accent are marked unseen; gains are over nnet_base.
  python3 -m mtlhybrid.bin.make_results --test-sets "$test_sets" --seeds "$nnet_seeds" \
    --train-data data/train --baseline nnet_base --elapsed $(( $(date +%s) - start_time )) exp results
  stage_done 8
fi
if $seq_train && [ $stage -le 9 ] && [ $stop_stage -ge 9 ]; then
  echo "$0: stage 9: sequence training ($seq_criteria) of the networks ($nnet_seeds)"
  # Per network: numerator alignments and denominator lattices (unigram graph) from it,
  # shared by every criterion; then per criterion train_mpe.sh from its final.pt into
  # exp/<net>_<criterion>_s<seed> (and exp/nnet_mtl_<criterion>_noaux_s<seed> without the
  # auxiliary tasks) and decoding. A seed's two networks run at once, as in stage 6;
  # make_results groups the outputs as systems of their own, beside the cross-entropy ones.
  seq_data=data/train_fbank
  if [ $seq_utts_per_spk -gt 0 ]; then
    # The denominator lattices (a decode of every utterance used) and the three decodes of
    # each new network are most of this stage's time; a subset fits a shorter run.
    seq_data=data/train_fbank_seq$seq_utts_per_spk
    utils/subset_data_dir.sh --per-spk data/train_fbank $seq_utts_per_spk $seq_data
  fi
  seq_train_one() {  # <net> <seed>
    local net=$1 s=$2 src=exp/$1_s$2 c v out keep
    steps/nnet/align.sh --nj $nj $seq_data data/lang $src exp/${net}_ali_s$s
    steps/nnet/make_denlats.sh --nj $nj $seq_data data/lang $src exp/${net}_denlats_s$s
    for c in $seq_criteria; do
      for v in keep noaux; do
        if [ $v == noaux ]; then
          [ $net == nnet_mtl ] && echo " $seq_aux_ablation " | grep -q " $c " || continue
          out=exp/${net}_${c}_noaux_s$s; keep=false
        else
          out=exp/${net}_${c}_s$s; keep=true
        fi
        steps/nnet/train_mpe.sh --criterion $c --keep-aux-tasks $keep --seed $s $seq_opts \
          $seq_data data/lang $src exp/${net}_ali_s$s exp/${net}_denlats_s$s $out
        for part in $test_sets; do
          steps/nnet/decode.sh --cmd "$decode_cmd" --nj $nj exp/tri1/graph data/${part}_fbank $out/decode_$part
        done
      done
    done
  }
  for s in $nnet_seeds; do
    pids=()
    for net in nnet_mtl nnet_base; do
      seq_train_one $net $s & pids+=($!)
    done
    for pid in "${pids[@]}"; do wait $pid; done
  done
  python3 -m mtlhybrid.bin.make_results --test-sets "$test_sets" --seeds "$nnet_seeds" \
    --train-data data/train --baseline nnet_base --elapsed $(( $(date +%s) - start_time )) exp results
  stage_done 9
fi
echo "$0: done"
