#!/usr/bin/env bash
# Common Voice English with accents: the speaker's accent (the accent(s) column of the
# release's TSVs) is the auxiliary task of the multi-task network, and --heldout-accents
# become an unseen-accent test set (test_unseen) whose voices are never heard in training.
# Stage 0 is this corpus's; stages 1-8 are local/stages.sh, shared with the other
# public-corpus recipes (as in egs/mini_librispeech/s5). See README.md.

. ./cmd.sh
. ./path.sh
. local/stages.sh        # the shared stages 1-8 and their options

corpus_dir=$PWD/corpus/commonvoice  # a release folder holding en/clips and en/{train,dev,test}.tsv
lang=en
train_tsv=train                     # or validated: all validated clips of non-dev/test speakers
heldout_accents=scotland,african    # accents kept out of training (test_unseen); "" for none
train_subset=0                      # > 0: train on this many utterances (utils/subset_data_dir.sh)

help_message="Usage: $0 [options]
Common Voice accents recipe: stage 0 data dirs (local/data_prep.sh); stages 1-8 as local/stages.sh
(lang + LM, features, mono, tri1, GMM decoding, networks, hybrid decoding, results).
Options (default):
  --corpus-dir <dir>                 release folder ($corpus_dir)
  --lang <code>                      ($lang)
  --train-tsv <train|validated>      ($train_tsv)
  --heldout-accents <a,b>            accents only in test_unseen ($heldout_accents)
  --train-subset <n>                 train on n utterances ($train_subset; 0: all)
$(stages_help)
e.g.: $0 --train-subset 5000 --nnet-seeds 1"

. utils/parse_options.sh || exit 1
set -euo pipefail
check_no_args "$@"

if in_stages 0; then
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
  stage_done 0
fi
if [ "$train_subset" -gt 0 ]; then
  train=train_${train_subset}
fi

test_sets="dev test"
[ -n "$heldout_accents" ] && test_sets="$test_sets test_unseen"
run_stages
