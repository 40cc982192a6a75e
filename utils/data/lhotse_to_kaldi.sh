#!/usr/bin/env bash
# Write a Kaldi data directory from lhotse manifests: a CutSet, or a RecordingSet and a
# SupervisionSet. One-token custom fields become utt2<name> label files.
# Work: mtlhybrid/data/lhotse_bridge.py.

help_message="Usage: $0 <cuts.jsonl.gz> <data-dir>
   or: $0 <recordings.jsonl.gz> <supervisions.jsonl.gz> <data-dir>
e.g.: $0 data/lhotse/train/cuts.jsonl.gz data/train"
. "$(dirname "$0")/../parse_options.sh" || exit 1
if [ $# -ne 2 ] && [ $# -ne 3 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
for f in "${@:1:$(($# - 1))}"; do
  [ ! -f "$f" ] && echo "$0: no such file $f" >&2 && exit 1
done
if [ $# -eq 2 ]; then
  exec python3 -m mtlhybrid.bin.lhotse_to_kaldi --cuts "$1" "$2"
else
  exec python3 -m mtlhybrid.bin.lhotse_to_kaldi --recordings "$1" --supervisions "$2" "$3"
fi
