#!/usr/bin/env bash
# L2-ARCTIC (24 non-native speakers of English, 6 first languages) with CMU ARCTIC's US
# speakers as the native class: the first language is the auxiliary task of the
# multi-task network. Speaker-disjoint test set (one speaker per L1 plus a native one),
# --heldout-l1s as an unseen-accent test set (test_unseen), and test prompts that neither
# the acoustic model nor the LM has seen. Same stages as egs/mini_librispeech/s5.
# See README.md.

. ./cmd.sh
. ./path.sh

stage=0
corpus_dir=$PWD/corpus/l2arctic_release_v5.0   # holds ABA/wav, ABA/transcript, ... README.md
cmu_arctic_dir=$PWD/corpus/cmu_arctic          # holds cmu_us_{bdl,slt,clb,rms}_arctic; "" for no native class
test_speakers="aba lxc rrbi hjk erms thv"
native_test_speakers="rms"
heldout_l1s=vietnamese                          # L1s kept out of training (test_unseen); "" for none
test_prompts='arctic_b0[45][0-9][0-9]'         # prompts only in test sets (and never in the LM)
nj=4
decode_nj=2
lm_order=3
mtl_config=conf/mtl.yaml
device=cpu

. utils/parse_options.sh
set -euo pipefail

train=train
test_sets="test"
[ -n "$heldout_l1s" ] && test_sets="$test_sets test_unseen"

if [ $stage -le 0 ]; then
  if [ ! -d "$corpus_dir" ] || ! ls -d "$corpus_dir"/*/wav >/dev/null 2>&1; then
    cat >&2 <<MSG
$0: L2-ARCTIC not found: expected $corpus_dir/<SPEAKER>/wav and $corpus_dir/<SPEAKER>/transcript.
  Request the corpus (CC BY-NC 4.0) at https://psi.engr.tamu.edu/l2-arctic-corpus/, unzip the
  release and each speaker's zip file there, or pass --corpus-dir <folder>.
MSG
    exit 1
  fi
  native_opts=()
  if [ -n "$cmu_arctic_dir" ]; then
    if ! ls -d "$cmu_arctic_dir"/cmu_us_*_arctic/wav >/dev/null 2>&1; then
      cat >&2 <<MSG
$0: CMU ARCTIC (the native class) not found: expected $cmu_arctic_dir/cmu_us_bdl_arctic/wav ...
  Download cmu_us_{bdl,slt,clb,rms}_arctic-0.95-release.tar.bz2 from http://festvox.org/cmu_arctic/
  and unpack them in $cmu_arctic_dir, or pass --cmu-arctic-dir "" to go without a native class.
MSG
      exit 1
    fi
    native_opts=(--cmu-arctic-dir "$cmu_arctic_dir" --native-test-speakers "$native_test_speakers")
  fi
  local/data_prep.sh "${native_opts[@]}" --test-speakers "$test_speakers" --heldout-l1s "$heldout_l1s" \
    --test-prompts "$test_prompts" "$corpus_dir" data
fi

if [ $stage -le 1 ]; then
  # Lexicon from CMUdict (letter-to-sound rules for the rest), lang dir, n-gram LM, G.fst.
  python -m mtlhybrid.bin.prepare_dict --text-has-ids --oov-policy g2p data/$train/text data/local/dict
  utils/prepare_lang.sh data/local/dict "<UNK>" data/local/lang_tmp data/lang
  mkdir -p data/local/lm
  # Training prompts only: with --test-prompts the test sentences are new to the LM.
  python -m mtlhybrid.bin.make_ngram_lm --order $lm_order --text-has-ids data/$train/text data/local/lm/lm.arpa.gz
  utils/format_lm.sh data/lang data/local/lm/lm.arpa.gz data/local/dict/lexicon.txt data/lang_test
fi

if [ $stage -le 2 ]; then
  # MFCC + CMVN for the GMMs; a copy of each dir with 40-dim fbank for the network.
  for x in $train $test_sets; do
    steps/make_mfcc.sh --cmd "$train_cmd" --nj $nj data/$x exp/make_mfcc/$x mfcc
    steps/compute_cmvn_stats.sh data/$x exp/make_mfcc/$x mfcc
    utils/fix_data_dir.sh data/$x
    utils/copy_data_dir.sh data/$x data/${x}_fbank
    steps/make_fbank.sh --cmd "$train_cmd" --nj $nj data/${x}_fbank exp/make_fbank/$x fbank
    steps/compute_cmvn_stats.sh data/${x}_fbank exp/make_fbank/$x fbank
    utils/fix_data_dir.sh data/${x}_fbank
  done
fi

if [ $stage -le 3 ]; then
  # Monophones on the 1000 shortest utterances, then alignments of the whole training set.
  utils/subset_data_dir.sh --shortest data/$train 1000 data/${train}_1kshort
  steps/train_mono.sh --nj $nj --cmd "$train_cmd" data/${train}_1kshort data/lang exp/mono
  steps/align_si.sh --nj $nj --cmd "$train_cmd" data/$train data/lang exp/mono exp/mono_ali
fi

if [ $stage -le 4 ]; then
  # Triphones with a decision tree (2000 leaves, 10000 Gaussians) on deltas.
  steps/train_deltas.sh --cmd "$train_cmd" 2000 10000 data/$train data/lang exp/mono_ali exp/tri1
  steps/align_si.sh --nj $nj --cmd "$train_cmd" data/$train data/lang exp/tri1 exp/tri1_ali
fi

if [ $stage -le 5 ]; then
  utils/mkgraph.sh data/lang_test exp/tri1 exp/tri1/graph
  for x in $test_sets; do
    steps/decode.sh --nj $decode_nj --cmd "$decode_cmd" exp/tri1/graph data/$x exp/tri1/decode_$x
  done
fi

if [ $stage -le 6 ]; then
  # The multi-task network on the tri1 alignments (senones of tri1's tree).
  steps/nnet/train_mtl.sh --cmd "$train_cmd" --config $mtl_config --device $device \
    data/${train}_fbank data/lang exp/tri1_ali exp/mtl
fi

if [ $stage -le 7 ]; then
  for x in $test_sets; do
    steps/nnet/decode.sh --nj $decode_nj --cmd "$decode_cmd" exp/tri1/graph data/${x}_fbank exp/mtl/decode_$x
  done
fi

if [ $stage -le 8 ]; then
  for x in exp/*/decode_*; do
    [ -d $x ] && { grep WER $x/wer_* 2>/dev/null | utils/best_wer.sh || true; }
  done
fi
exit 0
