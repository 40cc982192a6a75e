#!/usr/bin/env bash
# L2-ARCTIC (24 non-native speakers of English, 6 first languages) with CMU ARCTIC's US
# speakers as the native class: the first language is the auxiliary task of the
# multi-task network. Speaker-disjoint test set (one speaker per L1 plus a native one),
# --heldout-l1s as an unseen-accent test set (test_unseen), and test prompts that neither
# the acoustic model nor the LM has seen. Stage 0 is this corpus's; stages 1-8 are
# local/stages.sh, shared with the other public-corpus recipes. See README.md.

. ./cmd.sh
. ./path.sh
. local/stages.sh        # the shared stages 1-8 and their options

corpus_dir=$PWD/corpus/l2arctic_release_v5.0   # holds ABA/wav, ABA/transcript, ... README.md
cmu_arctic_dir=$PWD/corpus/cmu_arctic          # holds cmu_us_{bdl,slt,clb,rms}_arctic; "" for no native class
test_speakers="aba lxc rrbi hjk erms thv"
native_test_speakers="rms"
heldout_l1s=vietnamese                          # L1s kept out of training (test_unseen); "" for none
test_prompts='arctic_b0[45][0-9][0-9]'         # prompts only in test sets (and never in the LM)
mono_subset=1000

help_message="Usage: $0 [options]
L2-ARCTIC recipe: stage 0 data dirs (local/data_prep.sh); stages 1-8 as local/stages.sh
(lang + LM, features, mono, tri1, GMM decoding, networks, hybrid decoding, results).
Options (default):
  --corpus-dir <dir>                 L2-ARCTIC release ($corpus_dir)
  --cmu-arctic-dir <dir>             CMU ARCTIC, the native class ($cmu_arctic_dir; '': none)
  --test-speakers '<spk> ...'        ('$test_speakers')
  --native-test-speakers '<spk> ...' ('$native_test_speakers')
  --heldout-l1s '<l1> ...'           first languages only in test_unseen ('$heldout_l1s')
  --test-prompts <regex>             prompts only in the test sets ('$test_prompts')
$(stages_help)
e.g.: $0 --heldout-l1s '' --nnet-seeds 1"

. utils/parse_options.sh || exit 1
set -euo pipefail
check_no_args "$@"

if in_stages 0; then
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
  stage_done 0
fi

test_sets="test"
[ -n "$heldout_l1s" ] && test_sets="$test_sets test_unseen"
run_stages
