#!/usr/bin/env bash
# Common Voice English with accents: the speaker's accent (the accent(s) column of the
# release's TSVs) is the auxiliary task of the multi-task network, and --heldout-accents
# become an unseen-accent test set (test_unseen) whose voices are never heard in training.
# Same stages as egs/mini_librispeech/s5. See README.md.

. ./cmd.sh
. ./path.sh

stage=0
corpus_dir=$PWD/corpus/commonvoice  # a release folder holding en/clips and en/{train,dev,test}.tsv
lang=en
train_tsv=train                     # or validated: all validated clips of non-dev/test speakers
heldout_accents=scotland,african    # accents kept out of training (test_unseen); "" for none
train_subset=0                      # > 0: train on this many utterances (utils/subset_data_dir.sh)
nj=4
decode_nj=2
lm_order=3
lm_text=                            # LM training text (one upper-case sentence per line); default: the training transcripts
mtl_config=conf/mtl.yaml
device=cpu

. utils/parse_options.sh
set -euo pipefail

train=train
test_sets="dev test"
[ -n "$heldout_accents" ] && test_sets="$test_sets test_unseen"

if [ $stage -le 0 ]; then
  if [ ! -d "$corpus_dir/$lang/clips" ] || [ ! -f "$corpus_dir/$lang/train.tsv" ]; then
    cat >&2 <<MSG
$0: Common Voice not found: expected $corpus_dir/$lang/clips and $corpus_dir/$lang/{train,dev,test}.tsv.
  Download a Common Voice release for '$lang' from https://commonvoice.mozilla.org/datasets
  (CC0; the site asks for an e-mail address), unpack it, and pass
  --corpus-dir <the cv-corpus-... folder>, or put that folder's content in $corpus_dir.
MSG
    exit 1
  fi
  local/data_prep.sh --lang $lang --train-tsv $train_tsv --heldout-accents "$heldout_accents" "$corpus_dir" data
  if [ "$train_subset" -gt 0 ]; then
    utils/subset_data_dir.sh data/train $train_subset data/train_${train_subset}
  fi
fi
[ "$train_subset" -gt 0 ] && train=train_${train_subset}

if [ $stage -le 1 ]; then
  # Lexicon from CMUdict (letter-to-sound rules for the rest), lang dir, n-gram LM, G.fst.
  python -m mtlhybrid.bin.prepare_dict --text-has-ids --oov-policy g2p data/$train/text data/local/dict
  utils/prepare_lang.sh data/local/dict "<UNK>" data/local/lang_tmp data/lang
  mkdir -p data/local/lm
  if [ -n "$lm_text" ]; then
    python -m mtlhybrid.bin.make_ngram_lm --order $lm_order --vocab data/lang/words.txt "$lm_text" data/local/lm/lm.arpa.gz
  else
    python -m mtlhybrid.bin.make_ngram_lm --order $lm_order --text-has-ids data/$train/text data/local/lm/lm.arpa.gz
  fi
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
  # Monophones on the 500 shortest utterances, then alignments of the whole training set.
  utils/subset_data_dir.sh --shortest data/$train 500 data/${train}_500short
  steps/train_mono.sh --nj $nj --cmd "$train_cmd" data/${train}_500short data/lang exp/mono
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
