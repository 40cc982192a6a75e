#!/usr/bin/env bash
# L2-ARCTIC data preparation: runs lhotse's L2-ARCTIC (and CMU ARCTIC) recipes and writes
# speaker-disjoint, validated Kaldi data dirs <data-dir>/{train,test} (+ dev, test_unseen)
# with utt2accent = the speaker's first language, 'native' for the CMU ARCTIC speakers.
# The work is in mtlhybrid/corpora/l2arctic.py.

cmu_arctic_dir=        # folder holding cmu_us_<spk>_arctic/ (the native class); empty: none
native_speakers="bdl slt clb rms"
native_test_speakers="rms"
test_speakers="aba lxc rrbi hjk erms thv"
dev_speakers=
heldout_l1s=           # e.g. "vietnamese": all its speakers go to test_unseen
test_prompts=          # regex on prompt ids, e.g. 'arctic_b0[45][0-9][0-9]': only in test sets
help_message="Usage: $0 [options] <l2arctic-dir> <data-dir>
 <l2arctic-dir> holds <SPK>/wav, <SPK>/transcript (ABA, BWC, ...) and README.md
 e.g.: $0 --cmu-arctic-dir corpus/cmu_arctic corpus/l2arctic_release_v5.0 data
Options:
  --cmu-arctic-dir <dir>          CMU ARCTIC speakers as the native class
  --native-speakers 'a b'         (default: '$native_speakers')
  --native-test-speakers 'a b'    (default: '$native_test_speakers')
  --test-speakers 'a b'           (default: '$test_speakers')
  --dev-speakers 'a b'            (default: none)
  --heldout-l1s 'a b'             first languages only in test_unseen (default: none)
  --test-prompts <regex>          prompts only in the test sets (default: all prompts everywhere)"
[ -f ./path.sh ] && . ./path.sh
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1

if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
corpus=$1
data=$2

[ ! -d "$corpus" ] && echo "$0: no such directory $corpus" >&2 && exit 1
[ -n "$cmu_arctic_dir" ] && [ ! -d "$cmu_arctic_dir" ] && echo "$0: no such directory $cmu_arctic_dir" >&2 && exit 1
set -e
opts=(--test-speakers "$test_speakers" --dev-speakers "$dev_speakers" --heldout-l1s "$heldout_l1s"
      --native-speakers "$native_speakers" --native-test-speakers "$native_test_speakers")
[ -n "$cmu_arctic_dir" ] && opts+=(--cmu-arctic-dir "$cmu_arctic_dir")
[ -n "$test_prompts" ] && opts+=(--test-prompts "$test_prompts")
# The tool validates each data dir it writes (utils/validate_data_dir.sh --no-feats).
python3 -m mtlhybrid.bin.l2arctic_data_prep "${opts[@]}" "$corpus" "$data"
echo "$0: L2-ARCTIC data prepared in $data"
