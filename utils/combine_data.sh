#!/usr/bin/env bash
# Kaldi's utils/combine_data.sh: combine data directories into one. Tables present in every
# source are combined; label files utt2<name> also from the sources that have them.
# Utterance ids must be unique across sources. Work: mtlhybrid/data/combine.py.

extra_files=   # accepted for Kaldi compatibility; every table is combined anyway
skip_fix=false # accepted for Kaldi compatibility; the result is sorted and consistent
help_message="Usage: $0 [--extra-files 'file1 file2'] <dest-data-dir> <src-data-dir1> <src-data-dir2> ...
e.g.: $0 data/train_all data/train_fsdd data/train_synth"
. "$(dirname "$0")/parse_options.sh" || exit 1

if [ $# -lt 2 ]; then
  printf "%s\n" "$help_message" >&2
  exit 1
fi
dest=$1
shift
for d in "$@"; do
  [ ! -f "$d/utt2spk" ] && echo "$0: no such file $d/utt2spk" >&2 && exit 1
done
exec python3 -m mtlhybrid.bin.combine_data "$dest" "$@"
