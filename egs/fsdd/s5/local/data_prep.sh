#!/usr/bin/env bash
# Speaker-independent FSDD data dirs: <data>/train and <data>/test, the test speakers held
# out whole. The work is the toolkit's FSDD preparation (local/fsdd_data_prep.sh at the top
# of the repository: wav.scp, text, utt2spk, spk2gender, utt2dur and the accent labels
# utt2accent, validated); this script adds the split's report: speakers and accents per set,
# and which test accents training never hears (the accent task cannot name those).

test_speakers="lucas theo"
max_takes=             # use only takes below this (quick runs)
help_message="Usage: $0 [options] <fsdd-dir> <data-dir>
 --test-speakers '<spk> ...'   held-out speakers (default: '$test_speakers')
 --max-takes <n>               use only takes below n (default: all)
e.g.: $0 --test-speakers 'lucas theo' /path/to/fsdd data"
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1
if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
fsdd=$1
data=$2
set -euo pipefail
[ -z "$test_speakers" ] && echo "$0: --test-speakers is empty: a speaker-independent test needs held-out speakers" >&2 && exit 1
top=$(cd -P "$(dirname "$0")/.." && cd ../../.. && pwd)
take_opts=()
[ -n "$max_takes" ] && take_opts=(--max-takes "$max_takes")
rm -rf "$data/train" "$data/test"
"$top/local/fsdd_data_prep.sh" --split speaker --test-speakers "$test_speakers" "${take_opts[@]}" "$fsdd" "$data"

for part in train test; do
  printf "%s: %s: %d utterances; speakers (accent):" "$0" "$data/$part" "$(wc -l < "$data/$part/utt2spk")"
  awk 'NR == FNR { acc[$1] = $2; next } !($2 in seen) { seen[$2] = 1; printf " %s (%s)", $2, acc[$1] }' \
    "$data/$part/utt2accent" "$data/$part/utt2spk"
  echo
done
shared=$(comm -12 <(cut -d' ' -f1 "$data/train/spk2utt" | sort) <(cut -d' ' -f1 "$data/test/spk2utt" | sort))
[ -n "$shared" ] && echo "$0: speakers in both train and test: $shared" >&2 && exit 1
unseen=$(comm -13 <(cut -d' ' -f2 "$data/train/utt2accent" | sort -u) <(cut -d' ' -f2 "$data/test/utt2accent" | sort -u))
if [ -n "$unseen" ]; then
  echo "$0: test accents not in training: $(echo $unseen) (the accent head cannot predict them)"
fi
exit 0
