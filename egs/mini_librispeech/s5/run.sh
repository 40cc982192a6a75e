#!/usr/bin/env bash
# Mini LibriSpeech (OpenSLR 31: train-clean-5, 5 h; dev-clean-2, 2 h), the same story as
# Kaldi's egs/mini_librispeech/s5: data, lang, MFCC, monophone and triphone GMMs, then per
# seed the multi-task network (senones + monophones + reader gender) on 40-dim fbank
# features beside its single-task baseline, and make_results. Stage 0 is this corpus's;
# stages 1-8 are local/stages.sh, shared with the other public-corpus recipes.
# See README.md for the corpus and what each stage does.

. ./cmd.sh
. ./path.sh
. local/stages.sh        # the shared stages 1-8 and their options

corpus_dir=$PWD/corpus/LibriSpeech   # holds train-clean-5/ and dev-clean-2/
download=false                       # stage 0 fetches the corpus with lhotse (needs a network)
train=train_clean_5
test_sets=dev_clean_2
results_label=gender

help_message="Usage: $0 [options]
Mini LibriSpeech recipe: stage 0 data dirs (local/data_prep.sh); stages 1-8 as local/stages.sh
(lang + LM, features, mono, tri1, GMM decoding, networks, hybrid decoding, results).
Options (default):
  --corpus-dir <dir>                 the LibriSpeech/ folder ($corpus_dir)
  --download <true|false>            fetch the corpus with lhotse in stage 0 ($download)
$(stages_help)
e.g.: $0 --stage 6 --nnet-seeds '1 2'"

. utils/parse_options.sh || exit 1
set -euo pipefail
check_no_args "$@"

if in_stages 0; then
  if ! $download && { [ ! -d "$corpus_dir/train-clean-5" ] || [ ! -d "$corpus_dir/dev-clean-2" ]; }; then
    cat >&2 <<MSG
$0: Mini LibriSpeech not found: expected $corpus_dir/train-clean-5 and $corpus_dir/dev-clean-2.
  Download train-clean-5.tar.gz and dev-clean-2.tar.gz from https://www.openslr.org/31/
  and unpack them in $(dirname "$corpus_dir") (they unpack into LibriSpeech/), or pass
  --corpus-dir <dir>/LibriSpeech, or --download true on a machine with a network.
MSG
    exit 1
  fi
  local/data_prep.sh --download $download --gender-label true "$corpus_dir" data
  stage_done 0
fi

run_stages
