# Stages 1-8 of the recipes on public corpora (egs/mini_librispeech/s5,
# egs/commonvoice_accents/s5, egs/l2arctic/s5, egs/speechocean762/s5), kept once here and
# linked into each recipe as local/stages.sh, as Kaldi's recipes share local/ scripts by
# symlink. A recipe's run.sh sources it before utils/parse_options.sh (it sets the shared
# options' defaults, which run.sh may change), runs its own stage 0 (the corpus and its data
# dirs data/$train and data/<test set>), then calls run_stages:
#   1 lexicon ($dict_prep), lang dir, n-gram LM on the training transcripts, G.fst, OOV rates
#   2 MFCC (GMMs) and fbank (networks) features with CMVN
#   3 monophones on the shortest utterances, alignments
#   4 triphones on deltas (tri1), then as far as $gmm asks: LDA+MLLT (tri2b) on tri1's
#     alignments, SAT with fMLLR (tri3b) on tri2b's; alignments of $gmm for the networks
#   5 graphs and decoding of the GMM systems ($gmm_systems; SAT systems in decode_fmllr.sh's
#     two passes)
#   6 per seed: the multi-task network and its single-task baseline (conf/mtl.yaml,
#     conf/single_task.yaml), and with --adv-config the speaker-adversarial variant
#   7 hybrid decoding
#   8 results (python -m mtlhybrid.bin.make_results): results/results.md
# Stage times go to exp/stage_times.txt.

stage=0
stop_stage=100          # last stage to run
nj=4
decode_nj=2
train=train             # the training data dir under data/
test_sets=test          # decoded data dirs under data/ (set by run.sh)
# Lexicon: a command that takes <text> <dict-dir> (default: CMUdict, letter-to-sound rules for the rest).
dict_prep="python3 -m mtlhybrid.bin.prepare_dict --text-has-ids --oov-policy g2p"
lm_order=3
lm_method=kneser-ney    # or witten-bell
lm_text=                # LM training text (one sentence per line); default: the training transcripts
mono_subset=500         # monophones train on this many shortest utterances (0: all)
mono_iters=40           # EM iterations; Gaussians are added until 10 before the last
mono_realign="1 2 3 4 5 6 7 8 9 10 12 14 16 18 20 23 26 29 32 35 38"
mono_gauss=1000
mono_opts=              # more options of steps/train_mono.sh (values without spaces)
tri1_leaves=2000
tri1_gauss=10000
tri1_iters=35
tri1_realign="10 20 30"
tri1_opts=              # more options of steps/train_deltas.sh (values without spaces)
# LDA+MLLT (tri2b) and SAT (tri3b): trained in stage 4 when --gmm is tri2b or tri3b.
tri2b_leaves=2500
tri2b_gauss=15000
tri2b_iters=35
tri2b_realign="10 20 30"
tri2b_mllt_iters="2 4 6 12"
tri2b_opts=             # more options of steps/train_lda_mllt.sh (values without spaces)
tri3b_leaves=2500
tri3b_gauss=15000
tri3b_iters=35
tri3b_realign="10 20 30"
tri3b_fmllr_iters="2 4 6 12"
tri3b_opts=             # more options of steps/train_sat.sh (values without spaces)
gmm_systems="mono tri1" # GMM systems decoded in stage 5
gmm=tri1                # the GMM whose alignments and graph the networks use: tri1, tri2b or tri3b
decode_opts=            # more options of steps/decode.sh and steps/nnet/decode.sh
nnet_seeds="1 2 3"
mtl_config=conf/mtl.yaml
baseline_config=conf/single_task.yaml
nnet_feats=fbank        # the networks' input: fbank (data/<set>_fbank), or gmm: $gmm's own features (LDA+MLLT,
                        # with tri3b fMLLR-adapted by the transforms of its alignment and decoding)
adv_config=             # the speaker-adversarial multi-task network's config (exp/nnet_mtl_spkadv_s<seed>); empty: none
nnet_opts=              # more options of steps/nnet/train_mtl.sh, e.g. "--set train.epochs=5"
device=cpu
results_label=accent    # the utterance label of make_results' per-label table

# The shared options with their current values, for run.sh's help message.
stages_help() {
  cat <<EOF
  --stage <n> --stop-stage <n>       stages to run ($stage, $stop_stage)
  --nj <n> --decode-nj <n>           parallel jobs ($nj, $decode_nj)
  --lm-order <n> --lm-method <m>     n-gram LM on the training transcripts ($lm_order, $lm_method)
  --lm-text <file>                   LM training text instead ('$lm_text')
  --mono-subset <n>                  monophones on the n shortest utterances ($mono_subset; 0: all)
  --mono-iters <n> --mono-gauss <n> ($mono_iters, $mono_gauss)
  --mono-realign '<iter> ...'        ('$mono_realign')
  --mono-opts '<opts>'               options of steps/train_mono.sh ('$mono_opts')
  --tri1-leaves <n> --tri1-gauss <n> ($tri1_leaves, $tri1_gauss)
  --tri1-iters <n>                   ($tri1_iters)
  --tri1-realign '<iter> ...'        ('$tri1_realign')
  --tri1-opts '<opts>'               options of steps/train_deltas.sh ('$tri1_opts')
  --tri2b-leaves <n> --tri2b-gauss <n> --tri2b-iters <n>   LDA+MLLT ($tri2b_leaves, $tri2b_gauss, $tri2b_iters)
  --tri2b-realign '<iter> ...' --tri2b-mllt-iters '<iter> ...'   ('$tri2b_realign', '$tri2b_mllt_iters')
  --tri2b-opts '<opts>'              options of steps/train_lda_mllt.sh ('$tri2b_opts')
  --tri3b-leaves <n> --tri3b-gauss <n> --tri3b-iters <n>   SAT ($tri3b_leaves, $tri3b_gauss, $tri3b_iters)
  --tri3b-realign '<iter> ...' --tri3b-fmllr-iters '<iter> ...'  ('$tri3b_realign', '$tri3b_fmllr_iters')
  --tri3b-opts '<opts>'              options of steps/train_sat.sh ('$tri3b_opts')
  --gmm-systems '<sys> ...'          GMM systems decoded ('$gmm_systems')
  --gmm <tri1|tri2b|tri3b>           GMM the networks train on; stage 4 trains up to it ($gmm)
  --decode-opts '<opts>'             options of the decoders ('$decode_opts')
  --nnet-seeds '<s> ...'             one network of each kind per seed ('$nnet_seeds')
  --mtl-config <yaml> --baseline-config <yaml>   ($mtl_config, $baseline_config)
  --nnet-feats <fbank|gmm>           the networks' input: fbank, or the GMM's (fMLLR) features ($nnet_feats)
  --adv-config <yaml>                speaker-adversarial multi-task network per seed too ('$adv_config': none)
  --nnet-opts '<opts>'               options of steps/nnet/train_mtl.sh ('$nnet_opts')
  --device <cpu|cuda>                where the networks train and run ($device)
EOF
}

# run.sh takes options only.
check_no_args() {
  if [ $# -ne 0 ]; then
    echo "$0: unexpected argument '$1' (options only)" >&2
    printf "%s\n" "$help_message" >&2
    exit 1
  fi
}

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

# The last EM iteration that adds Gaussians: 10 before the end, as Kaldi's defaults (40/30,
# 35/25), but not before half way in short schedules.
max_iter_inc() { local n=$(( $1 - 10 )); [ $n -lt $(( $1 / 2 )) ] && n=$(( $1 / 2 )); echo $n; }

# True when stage $1 is to run.
in_stages() { [ $stage -le $1 ] && [ $stop_stage -ge $1 ]; }

# Percentage of the words of data/<set>/text that are not in the LM's vocabulary.
print_oov_rates() {
  local x
  for x in "$@"; do
    awk -v set=$x 'NR == FNR { v[$1] = 1; next }
      { for (i = 2; i <= NF; i++) { n++; if (!($i in v)) o++ } }
      END { printf "%s: %d of %d words out of the vocabulary (%.2f%%)\n", set, o, n, n ? 100 * o / n : 0 }' \
      data/lang_test/words.txt data/$x/text
  done
}

# The networks' input for data/<set>: sets nnet_data (data/<set>_fbank or data/<set>_gmm) and
# nnet_feat_opts (train_mtl.sh options). With --nnet-feats gmm, data/<set>_gmm holds $gmm's
# features (steps/nnet/make_fmllr_feats.sh; a SAT system's with the fMLLR transforms of
# <transform-dir>), already normalised, and the mel-axis warping of the configs is off.
nnet_inputs() {
  local data=$1 transform_dir=$2 name
  name=$(basename $data)
  case $nnet_feats in
    fbank) nnet_data=${data}_fbank; nnet_feat_opts=() ;;
    gmm)
      nnet_data=${data}_gmm
      nnet_feat_opts=(--cmvn-opts "--apply-cmvn false" --set augment.freq_warp=0)
      if [ -f exp/$gmm/final.alimdl ]; then
        steps/nnet/make_fmllr_feats.sh --cmd "$train_cmd" --transform-dir $transform_dir \
          $nnet_data $data exp/$gmm exp/make_gmm_feats/$name gmm_feats
      else
        steps/nnet/make_fmllr_feats.sh --cmd "$train_cmd" --nj $nj $nnet_data $data exp/$gmm exp/make_gmm_feats/$name gmm_feats
      fi ;;
    *) echo "$0: --nnet-feats must be fbank or gmm, not '$nnet_feats'" >&2; exit 1 ;;
  esac
}

run_stages() {
  if in_stages 1; then
    echo "$0: stage 1: lexicon, lang dir, n-gram LM on the training transcripts, G.fst"
    $dict_prep data/$train/text data/local/dict
    utils/prepare_lang.sh data/local/dict "<UNK>" data/local/lang_tmp data/lang
    mkdir -p data/local/lm
    if [ -n "$lm_text" ]; then
      python3 -m mtlhybrid.bin.make_ngram_lm --order $lm_order --method $lm_method --vocab data/lang/words.txt \
        "$lm_text" data/local/lm/lm.arpa.gz
    else
      python3 -m mtlhybrid.bin.make_ngram_lm --order $lm_order --method $lm_method --text-has-ids \
        data/$train/text data/local/lm/lm.arpa.gz
    fi
    utils/format_lm.sh data/lang data/local/lm/lm.arpa.gz data/local/dict/lexicon.txt data/lang_test
    # Word-position-dependent phones -> base phones: the classes of a monophone task.
    awk '$2 > 0 && $1 !~ /^#/ { p = $1; sub(/_[BEIS]$/, "", p); print $1, p }' data/lang/phones.txt \
      > data/lang/phones/base_phone_map.txt
    print_oov_rates $test_sets | tee data/local/lm/oov_rates.txt
    stage_done 1
  fi

  if in_stages 2; then
    echo "$0: stage 2: MFCC (GMMs) and filterbank (networks) features with CMVN"
    local x
    for x in $train $test_sets; do
      steps/make_mfcc.sh --cmd "$train_cmd" --nj $nj --mfcc-config conf/mfcc.conf data/$x exp/make_mfcc/$x mfcc
      steps/compute_cmvn_stats.sh data/$x exp/make_mfcc/$x mfcc
      utils/fix_data_dir.sh data/$x
      utils/copy_data_dir.sh data/$x data/${x}_fbank
      steps/make_fbank.sh --cmd "$train_cmd" --nj $nj --fbank-config conf/fbank.conf data/${x}_fbank exp/make_fbank/$x fbank
      steps/compute_cmvn_stats.sh data/${x}_fbank exp/make_fbank/$x fbank
      utils/fix_data_dir.sh data/${x}_fbank
    done
    stage_done 2
  fi

  if in_stages 3; then
    echo "$0: stage 3: monophone system"
    local mono_data=data/$train
    if [ $mono_subset -gt 0 ]; then
      # As Kaldi's recipes: flat-start monophones on short utterances align more easily.
      utils/subset_data_dir.sh --shortest data/$train $mono_subset data/${train}_${mono_subset}short
      mono_data=data/${train}_${mono_subset}short
    fi
    steps/train_mono.sh --cmd "$train_cmd" --nj $nj --num-iters $mono_iters --totgauss $mono_gauss \
      --realign-iters "$mono_realign" --max-iter-inc $(max_iter_inc $mono_iters) $mono_opts \
      $mono_data data/lang exp/mono
    steps/align_si.sh --cmd "$train_cmd" --nj $nj data/$train data/lang exp/mono exp/mono_ali
    stage_done 3
  fi

  if in_stages 4; then
    echo "$0: stage 4: triphone systems up to $gmm, alignments of $gmm for the networks"
    case $gmm in tri1|tri2b|tri3b) ;; *) echo "$0: --gmm must be tri1, tri2b or tri3b, not '$gmm'" >&2; exit 1 ;; esac
    steps/train_deltas.sh --cmd "$train_cmd" --num-iters $tri1_iters --realign-iters "$tri1_realign" \
      --max-iter-inc $(max_iter_inc $tri1_iters) $tri1_opts $tri1_leaves $tri1_gauss \
      data/$train data/lang exp/mono_ali exp/tri1
    if [ $gmm != tri1 ]; then
      # As Kaldi's recipes: LDA+MLLT on tri1's alignments, SAT on LDA+MLLT's.
      steps/align_si.sh --cmd "$train_cmd" --nj $nj data/$train data/lang exp/tri1 exp/tri1_ali
      steps/train_lda_mllt.sh --cmd "$train_cmd" --num-iters $tri2b_iters --realign-iters "$tri2b_realign" \
        --mllt-iters "$tri2b_mllt_iters" --max-iter-inc $(max_iter_inc $tri2b_iters) $tri2b_opts \
        $tri2b_leaves $tri2b_gauss data/$train data/lang exp/tri1_ali exp/tri2b
    fi
    if [ $gmm == tri3b ]; then
      steps/align_si.sh --cmd "$train_cmd" --nj $nj data/$train data/lang exp/tri2b exp/tri2b_ali
      steps/train_sat.sh --cmd "$train_cmd" --num-iters $tri3b_iters --realign-iters "$tri3b_realign" \
        --fmllr-iters "$tri3b_fmllr_iters" --max-iter-inc $(max_iter_inc $tri3b_iters) $tri3b_opts \
        $tri3b_leaves $tri3b_gauss data/$train data/lang exp/tri2b_ali exp/tri3b
      # The networks' targets: speaker-independent first pass, fMLLR per speaker, final alignment.
      steps/align_fmllr.sh --cmd "$train_cmd" --nj $nj data/$train data/lang exp/tri3b exp/tri3b_ali
    else
      # Alignments and state-level lattices of the training data: the networks' targets (the
      # lattices for lattice-based training; the networks of stage 6 read the alignments only).
      steps/align_si.sh --cmd "$train_cmd" --nj $nj --generate-lattices true \
        data/$train data/lang exp/$gmm exp/${gmm}_ali
    fi
    stage_done 4
  fi

  if in_stages 5; then
    echo "$0: stage 5: graphs and decoding of the GMM systems ($gmm_systems)"
    local sys x
    for sys in $gmm_systems; do
      utils/mkgraph.sh data/lang_test exp/$sys exp/$sys/graph
      for x in $test_sets; do
        if [ -f exp/$sys/final.alimdl ]; then
          # A SAT system: speaker-independent pass (decode_$x.si), fMLLR per speaker, adapted passes.
          steps/decode_fmllr.sh --cmd "$decode_cmd" --nj $decode_nj $decode_opts exp/$sys/graph data/$x exp/$sys/decode_$x
        else
          steps/decode.sh --cmd "$decode_cmd" --nj $decode_nj $decode_opts exp/$sys/graph data/$x exp/$sys/decode_$x
        fi
      done
    done
    stage_done 5
  fi

  if in_stages 6; then
    echo "$0: stage 6: multi-task networks and single-task baselines (seeds $nnet_seeds)"
    # A seed's networks train at once, one thread each: two cores stay busy.
    local s pid pids
    nnet_inputs data/$train exp/${gmm}_ali
    for s in $nnet_seeds; do
      pids=()
      steps/nnet/train_mtl.sh --cmd "$train_cmd" --config $mtl_config --set train.seed=$s --device $device $nnet_opts \
        "${nnet_feat_opts[@]}" $nnet_data data/lang exp/${gmm}_ali exp/nnet_mtl_s$s & pids+=($!)
      steps/nnet/train_mtl.sh --cmd "$train_cmd" --config $baseline_config --set train.seed=$s --device $device $nnet_opts \
        "${nnet_feat_opts[@]}" $nnet_data data/lang exp/${gmm}_ali exp/nnet_base_s$s & pids+=($!)
      if [ -n "$adv_config" ]; then
        steps/nnet/train_mtl.sh --cmd "$train_cmd" --config $adv_config --set train.seed=$s --device $device $nnet_opts \
          "${nnet_feat_opts[@]}" $nnet_data data/lang exp/${gmm}_ali exp/nnet_mtl_spkadv_s$s & pids+=($!)
      fi
      for pid in "${pids[@]}"; do wait $pid; done  # set -e: a failed training stops the run
    done
    stage_done 6
  fi

  if in_stages 7; then
    echo "$0: stage 7: hybrid decoding with the $gmm graph"
    local s sys x pid pids
    for x in $test_sets; do
      # with --nnet-feats gmm: the transforms of the GMM's decoding of $x (stage 5)
      nnet_inputs data/$x exp/$gmm/decode_$x
    done
    for s in $nnet_seeds; do
      pids=()
      for sys in nnet_mtl_s$s nnet_base_s$s ${adv_config:+nnet_mtl_spkadv_s$s}; do
        for x in $test_sets; do
          steps/nnet/decode.sh --cmd "$decode_cmd" --nj $decode_nj --device $device $decode_opts \
            exp/$gmm/graph data/${x}_$nnet_feats exp/$sys/decode_$x
        done & pids+=($!)
      done
      for pid in "${pids[@]}"; do wait $pid; done
    done
    stage_done 7
  fi

  if in_stages 8; then
    echo "$0: stage 8: results"
    # results/{results.md,results.json,wer_per_<label>.png}; results.md is printed too.
    python3 -m mtlhybrid.bin.make_results --test-sets "$test_sets" --seeds "$nnet_seeds" --label $results_label \
      --train-data data/$train --baseline nnet_base --elapsed $(( $(date +%s) - start_time )) exp results
    stage_done 8
  fi
  echo "$0: done"
}
