#!/usr/bin/env bash
# Convert a Kaldi data directory to lhotse manifests (recordings, supervisions, cuts) with
# speaker, gender and every utt2<name> label riding along. Work: mtlhybrid/data/lhotse_bridge.py.

no_cuts=false
help_message="Usage: $0 [--no-cuts true] <data-dir> <manifest-dir>
Writes <manifest-dir>/{recordings,supervisions,cuts}.jsonl.gz
e.g.: $0 data/train data/lhotse/train"
. "$(dirname "$0")/../parse_options.sh" || exit 1
if [ $# -ne 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
[ ! -f "$1/wav.scp" ] && echo "$0: no such file $1/wav.scp" >&2 && exit 1
opts=()
$no_cuts && opts=(--no-cuts)
exec python3 -m mtlhybrid.bin.kaldi_to_lhotse "${opts[@]}" "$1" "$2"
