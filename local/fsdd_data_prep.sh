#!/usr/bin/env bash
# Data preparation for the Free Spoken Digit Dataset: writes <data-dir>/{train,test} (and
# dev when asked) as Kaldi data dirs pointing at the corpus audio, with spk2gender and the
# accent labels utt2accent, then validates them. Work: mtlhybrid/corpora/fsdd.py.

split=speaker          # speaker: hold out --test-speakers; take: takes 0-4 are test (FSDD's own)
test_speakers="lucas theo"
dev_speakers=
test_takes=5
dev_takes=0
speakers=              # restrict to these speakers (default: all of speakers.tsv)
max_takes=             # use only takes below this (quick runs)
help_message="Usage: $0 [options] <fsdd-dir> <data-dir>
 --split take|speaker      (default: $split)
 --test-speakers 'a b'     held-out speakers for --split speaker (default: '$test_speakers')
 --dev-speakers 'a b'      dev speakers for --split speaker (default: none)
 --test-takes N            takes below N are test for --split take (default: $test_takes)
 --dev-takes N             the next N takes are dev for --split take (default: $dev_takes)
 --speakers 'a b'          use only these speakers
 --max-takes N             use only takes below N
e.g.: $0 --split take /path/to/fsdd data"
. "$(dirname "$0")/../utils/parse_options.sh" || exit 1

if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
fsdd=$1
data=$2
[ ! -d "$fsdd/recordings" ] && echo "$0: no such directory $fsdd/recordings" >&2 && exit 1
[ ! -f "$fsdd/speakers.tsv" ] && echo "$0: no such file $fsdd/speakers.tsv" >&2 && exit 1
set -e
opts=(--split "$split" --test-speakers "$test_speakers" --dev-speakers "$dev_speakers"
      --test-takes "$test_takes" --dev-takes "$dev_takes" --speakers "$speakers")
[ -n "$max_takes" ] && opts+=(--max-takes "$max_takes")
python3 -m mtlhybrid.bin.fsdd_data_prep "${opts[@]}" "$fsdd" "$data"
for d in "$data"/train "$data"/test "$data"/dev; do
  [ -d "$d" ] && python3 -m mtlhybrid.bin.validate_data_dir --no-feats "$d"
done
echo "$0: FSDD data prepared in $data"
