#!/usr/bin/env bash
# Kaldi's utils/split_data.sh: split a data directory into <data>/split<N>/<1..N>, whole
# speakers per job (or by utterance with --per-utt, into split<N>utt). An up-to-date split
# is reused. Work: mtlhybrid/data/split.py.

usage() {
  cat <<USAGE
Usage: $0 [--per-utt] <data-dir> <num-to-split>
E.g.: $0 data/train 4
Creates data/train/split4/{1,2,3,4} (data/train/split4utt/... with --per-utt). Each speaker
goes to one job unless --per-utt is given. A split newer than the data dir is reused.
USAGE
}

for a in "$@"; do [ "$a" == "--help" ] || [ "$a" == "-h" ] && { usage; exit 0; }; done
opts=()
if [ "${1:-}" == "--per-utt" ]; then
  opts=(--per-utt)
  shift
fi
if [ $# -ne 2 ]; then
  usage >&2
  exit 1
fi
data=$1
numsplit=$2
if ! [[ "$numsplit" =~ ^[0-9]+$ ]] || [ "$numsplit" -lt 1 ]; then
  echo "$0: invalid num-split argument $numsplit" >&2
  exit 1
fi
[ ! -f "$data/utt2spk" ] && echo "$0: no such file $data/utt2spk" >&2 && exit 1
exec python3 -m mtlhybrid.bin.split_data "${opts[@]}" "$data" "$numsplit"
