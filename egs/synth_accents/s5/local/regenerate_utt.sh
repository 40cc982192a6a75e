#!/usr/bin/env bash
# Rebuild one utterance of a synth_accents data dir from its utt2synth record
# (engine, voice, speed, pitch, augmentation, seed); the wav is bit-identical to the corpus one.

help_message="Usage: $0 <data-dir> <utt-id> <out.wav>
 e.g.: $0 data/test_unseen en-029-m7-0001 /tmp/en-029-m7-0001.wav"

. ./path.sh 2>/dev/null || true
. utils/parse_options.sh || exit 1
set -euo pipefail

if [ $# -ne 3 ]; then
  printf "%b\n" "$help_message" 1>&2
  exit 1
fi
data=$1
utt=$2
out=$3
[ ! -f $data/utt2synth ] && echo "$0: no such file $data/utt2synth" && exit 1
exec python3 -m mtlhybrid.bin.synth_accents_regen_utt "$data" "$utt" "$out"
